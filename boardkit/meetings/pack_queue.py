"""Publishing packs and queueing their builds: every change after publication asks for one.

A small module of its own so the agenda, attachment and invitation services can publish and ask
for a build without importing the pack machinery (which imports them).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core import audit, jobs
from boardkit.core.db import utcnow
from boardkit.core.models import Job
from boardkit.meetings import search_docs
from boardkit.meetings.models import Meeting

BUILD = "meetings.pack_build"
RENDER = "meetings.pack_render"
# A burst of edits (ten files uploaded one by one) becomes one version.
DELAY = timedelta(seconds=10)


def queue_build(db: Session, meeting_id: int) -> None:
    """Queue a build of the meeting's packs, unless one is already waiting for it."""
    waiting = db.scalars(select(Job.payload).where(Job.kind == BUILD, Job.status == "queued"))
    if any(payload.get("meeting_id") == meeting_id for payload in waiting):
        return
    jobs.enqueue(db, BUILD, {"meeting_id": meeting_id}, delay=DELAY)


def changed(db: Session, meeting: Meeting) -> None:
    """Agenda, material or meeting facts changed: a published pack gets a new build (and the
    search index the meeting's new text)."""
    search_docs.changed(db, meeting.id)
    if meeting.pack_published_at is not None and meeting.status != "cancelled":
        queue_build(db, meeting.id)


def publish_pack(db: Session, meeting: Meeting, *, actor_id: int | None) -> bool:
    """Publish the pack and queue its first build; False when already published (or cancelled)."""
    if meeting.pack_published_at is not None or meeting.status == "cancelled":
        return False
    meeting.pack_published_at = utcnow()
    audit.record(
        db,
        actor_id=actor_id,
        action="meeting.pack_publish",
        obj=meeting,
        organisation_id=meeting.board.organisation_id,
        summary=meeting.title,
    )
    queue_build(db, meeting.id)
    return True
