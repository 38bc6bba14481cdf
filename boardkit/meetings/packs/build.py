"""Building pack versions (job ``meetings.pack_build``) and drawing copies ahead (``meetings.pack_render``).

A build makes a manifest per variant (``manifest``); a manifest whose hash equals the
latest version's is no change, anything else becomes the next version with the list of what
changed, and board readers are told. The build draws one copy (the first sitting member's copy
of the full pack, which prepares every file, ``copies``); every other copy — the other
readers', the other variants' — follows in its own ``meetings.pack_render`` job, so a reader
normally finds their copy ready and several workers can draw side by side. A version's page
count is set by its first copy drawn without notes (0 until then).

The jobs open their own transactions (``JobRunner.register(..., own_transactions=True)``): a copy
is drawn, and a file prepared, in a read transaction and recorded in a short write transaction
after, so no worker holds the write lock while it draws. The build job itself only makes the
versions; every copy, the first one too, is drawn by a ``meetings.pack_render`` job.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from boardkit.config import Settings
from boardkit.core import jobs, mail
from boardkit.core.db import Database, utcnow
from boardkit.core.storage import FileStore
from boardkit.meetings import calendar, timeline
from boardkit.meetings.attachments import PREPARE, proposal_files
from boardkit.meetings.invitations.service import emailable
from boardkit.meetings.models import AgendaItem, Meeting, PackFile, PackVersion
from boardkit.meetings.pack_queue import BUILD, RENDER
from boardkit.meetings.packs.copies import (
    BOARD_VARIANTS,
    Drawing,
    draw_copy,
    prepared_file,
    prune_copies,
    render_copy,
    save_copy,
    save_prepared,
)
from boardkit.meetings.packs.manifest import build_manifest, diff, inputs_hash, variants_for
from boardkit.org import service as org_service
from boardkit.org.service import Person

# --- who reads what -----------------------------------------------------------------------


def audience(db: Session, meeting: Meeting) -> dict[str, list[Person]]:
    """The board readers a pack is for: sitting members read "full"; substitutes, when the meeting
    invites them, "open". (Staff read "full" too, on demand; residents the one public copy.)"""
    now = utcnow()
    result: dict[str, list[Person]] = {"full": [], "open": []}
    seen: set[int] = set()
    for m in org_service.list_board_members(db, board_id=meeting.board_id):
        if not m.active_at(now) or m.person_id in seen or not m.person.active:
            continue
        if m.role == "substitute" and not meeting.invite_substitutes:
            continue
        seen.add(m.person_id)
        result["open" if m.role == "substitute" else "full"].append(m.person)
    return result


def latest_version(db: Session, meeting_id: int, variant: str) -> PackVersion | None:
    return db.scalar(
        select(PackVersion)
        .where(PackVersion.meeting_id == meeting_id, PackVersion.variant == variant)
        .order_by(PackVersion.number.desc())
        .limit(1)
    )


# --- the build job ------------------------------------------------------------------------


def _load(db: Session, meeting_id: int) -> Meeting | None:
    """The meeting with its agenda and files, its row locked: builds of one meeting take turns
    (two workers must not both make version n + 1). SQLite's write lock does the same."""
    if db.scalar(select(Meeting.id).where(Meeting.id == meeting_id).with_for_update()) is None:
        return None
    return db.scalar(
        select(Meeting)
        .options(
            joinedload(Meeting.board),
            selectinload(Meeting.items).selectinload(AgendaItem.attachments),
        )
        .where(Meeting.id == meeting_id)
    )


def build_packs(
    db: Session, payload: dict[str, Any], *, settings: Settings, draw_first: bool = True
) -> list[PackVersion]:
    """Make the next version of each variant whose inputs changed; returns the new versions.

    ``draw_first``: the first new version's first copy is drawn here (else it is queued like the
    others, as the job does, which must not draw inside its write transaction)."""
    meeting = _load(db, int(payload["meeting_id"]))
    if meeting is None or meeting.pack_published_at is None or meeting.status == "cancelled":
        return []
    store = FileStore(settings.files_dir)
    rules = timeline.rules_for(meeting.board.organisation.rules)
    readers = audience(db, meeting)
    extra = proposal_files(db, proposal_ids=[i.proposal_id for i in meeting.items if i.proposal_id])
    made: list[PackVersion] = []
    for variant in variants_for(meeting):
        manifest = build_manifest(meeting, variant, rules=rules, proposal_files=extra)
        digest = inputs_hash(manifest)
        latest = latest_version(db, meeting.id, variant)
        if latest is not None and latest.inputs_hash == digest:
            continue
        version = PackVersion(
            meeting_id=meeting.id,
            variant=variant,
            number=(latest.number + 1) if latest is not None else 1,
            inputs_hash=digest,
            manifest=manifest,
            changes=diff(latest.manifest if latest is not None else None, manifest),
            built_at=utcnow(),
        )
        db.add(version)
        db.flush()
        made.append(version)
        prune_copies(db, store=store, meeting_id=meeting.id, variant=variant, keep_from=version.number - 1)
        people: list[Person | None] = [*readers.get(variant, [])] or [None]  # None: a copy without a name
        if draw_first and len(made) == 1:  # the first new version (the full pack): it prepares every file
            first = people.pop(0)
            render_copy(
                db,
                store=store,
                version=version,
                reader=first.name if first is not None else "",
                language=first.language if first is not None else "da",
            )
        for person in people:
            jobs.enqueue(db, RENDER, {"version_id": version.id, "person_id": person.id if person else None})
    notify(db, meeting=meeting, versions=made, readers=readers, settings=settings)
    return made


def notify(
    db: Session,
    *,
    meeting: Meeting,
    versions: list[PackVersion],
    readers: dict[str, list[Person]],
    settings: Settings,
) -> int:
    """Tell board readers what changed in a new version (not of the first: that is the invitation's).

    A new time or place alone is left to the meeting's own update to the invitees, once invited.
    """
    by_variant = {
        v.variant: v
        for v in versions
        if v.number > 1
        and v.changes
        and not (meeting.invited_at is not None and all(c["kind"] == "meeting_changed" for c in v.changes))
    }
    queued = 0
    for variant in BOARD_VARIANTS:
        version = by_variant.get(variant)
        if version is None:
            continue
        for person in readers.get(variant, []):
            if not emailable(person):
                continue
            mail.queue_mail(
                db,
                to=mail.Recipient(person.email or "", person.name, person.language, person.id),
                template="pack_updated",
                context={
                    "name": person.name,
                    "meeting": meeting,
                    "version": version.number,
                    "changes": version.changes,
                    "url": settings.base_url + calendar.meeting_path(meeting.id),
                },
                domain=urlsplit(settings.base_url).hostname or "boardkit.local",
                organisation_id=meeting.board.organisation_id,
            )
            queued += 1
    return queued


def render_for(db: Session, payload: dict[str, Any], *, settings: Settings) -> None:
    """Draw one reader's copy ahead of time, while the version is still the current one."""
    drawing = draw_for(db, payload, settings=settings)
    if drawing is not None:
        save_copy(db, drawing)


def draw_for(db: Session, payload: dict[str, Any], *, settings: Settings) -> Drawing | None:
    """What :func:`render_for` draws, without recording it (a read transaction will do)."""
    version = db.get(PackVersion, int(payload["version_id"]))
    if version is None:
        return None
    latest = latest_version(db, version.meeting_id, version.variant)
    if latest is None or latest.id != version.id:
        return None  # a newer version came meanwhile; its own jobs draw it
    store = FileStore(settings.files_dir)
    found: PackFile | Drawing
    if payload.get("person_id") is None:  # the residents' copy, or a variant nobody reads yet
        found = draw_copy(db, store=store, version=version)
    else:
        person = db.get(Person, int(payload["person_id"]))
        if person is None:
            return None
        found = draw_copy(db, store=store, version=version, reader=person.name, language=person.language)
    return found if isinstance(found, Drawing) else None


def make_handlers(settings: Settings) -> dict[str, jobs.OwnHandler]:
    """The job handlers of packs, for ``app.build_runner`` (each opens its own transactions)."""

    def build(database: Database, payload: dict[str, Any]) -> None:
        with database.transaction() as db:
            build_packs(db, payload, settings=settings, draw_first=False)

    def render(database: Database, payload: dict[str, Any]) -> None:
        with database.transaction(readonly=True) as db:
            drawing = draw_for(db, payload, settings=settings)
        if drawing is not None:
            with database.transaction() as db:
                save_copy(db, drawing)

    def prepare(database: Database, payload: dict[str, Any]) -> None:
        store = FileStore(settings.files_dir)
        with database.transaction(readonly=True) as db:
            row = prepared_file(
                db, store=store, sha256=payload["sha256"], content_type=payload["content_type"], save=False
            )
        if row.id is None:
            with database.transaction() as db:
                save_prepared(db, row)

    return {BUILD: build, RENDER: render, PREPARE: prepare}
