"""What minutes put in the search index: the minutes' open text and each decision.

One group per meeting (``minutes:<meeting id>``), re-indexed whenever its minutes are saved,
approved or published. Who finds what mirrors the pages: the board (and the administration)
from the first draft; a department's residents once the minutes are published (their department
meetings' and their department board's, for meetings that were announced), and never a closed
item's text — a closed item's decision is only in the sitting board's closed scope.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from boardkit.core import search
from boardkit.core.permissions import Audience
from boardkit.core.search import Document
from boardkit.meetings.access import meeting_resource
from boardkit.meetings.models import Decision, Meeting, Minutes

PROVIDER = "minutes"


def changed(db: Session, meeting_id: int) -> None:
    search.queue_index(db, PROVIDER, [meeting_id])


def minutes_documents(db: Session, meeting_ids: Sequence[int] | None = None) -> Iterator[Document]:
    """The documents of these meetings' minutes (every meeting's when ``meeting_ids`` is None)."""
    query = (
        select(Minutes, Meeting)
        .join(Meeting, Meeting.id == Minutes.meeting_id)
        .options(joinedload(Meeting.board))
    )
    if meeting_ids is not None:
        query = query.where(Minutes.meeting_id.in_(list(meeting_ids)))
    rows = db.execute(query.order_by(Minutes.id)).unique().all()
    decisions: dict[int, list[Decision]] = {}
    ids = [minutes.id for minutes, _meeting in rows]
    if ids:
        for d in db.scalars(select(Decision).where(Decision.minutes_id.in_(ids)).order_by(Decision.id)):
            decisions.setdefault(d.minutes_id, []).append(d)
    for minutes, meeting in rows:
        yield from _documents(minutes, meeting, decisions.get(minutes.id, []))


def _documents(minutes: Minutes, meeting: Meeting, decisions: list[Decision]) -> Iterator[Document]:
    board = meeting.board
    residents = meeting_resource(meeting).audience is Audience.RESIDENTS
    public = minutes.status == "published" and residents

    def scopes(closed: bool) -> frozenset[str]:
        return search.material_scopes(
            organisation_id=board.organisation_id,
            board_id=board.id,
            department_id=meeting.department_id or board.department_id,
            residents=public,
            closed=closed,
        )

    group = search.group(PROVIDER, meeting.id)
    content = minutes.content or {}
    parts = [content.get("meeting_chair") or "", content.get("minute_taker") or ""]
    for item in content.get("items", []):
        if not item.get("closed"):
            parts += [item.get("title", ""), item.get("notes", ""), item.get("decision", "")]
    yield Document(
        kind="minutes",
        id=minutes.id,
        group=group,
        title=f"Referat: {meeting.title}",
        text="\n".join(p for p in parts if p),
        scopes=scopes(False),
        route="minutes",
        params={"meeting_id": meeting.id},
        date=meeting.starts_at,
    )
    for d in decisions if minutes.status in ("approved", "published") else []:
        yield Document(
            kind="decision",
            id=d.id,
            group=group,
            title=f"{d.item_number}. {d.item_title}",
            text=d.text,
            scopes=scopes(d.closed),
            route="minutes",
            params={"meeting_id": meeting.id},
            anchor=f"item-{d.agenda_item_id}",
            date=meeting.starts_at,
        )
