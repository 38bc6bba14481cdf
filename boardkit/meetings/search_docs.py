"""What meetings put in the search index: each meeting with its agenda, files and proposals.

One group per meeting (``meeting:<id>``): any change to the meeting, an item, a file or a
proposal re-indexes the meeting's group, so a deleted item disappears and an item that became
closed moves to the closed scope at once. Who sees what mirrors the pages:

- the meeting and its open items and their files: the board, the administration and, once the
  meeting is announced, the department's residents for a department meeting or a meeting of the
  department's own board (``service.meeting_resource``); sending the invitations re-indexes it;
- closed items and their files: only the sitting board (not substitutes) and the
  administration — never the residents, not even the title;
- proposals (department meetings) and their files: like the meeting.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from boardkit.core import search
from boardkit.core.permissions import Audience
from boardkit.core.search import Document
from boardkit.meetings.access import meeting_resource
from boardkit.meetings.models import AgendaItem, Attachment, Meeting, Proposal

PROVIDER = "meeting"
BATCH = 200


def changed(db: Session, meeting_id: int) -> None:
    """The meeting or something on it changed: re-index its group after commit."""
    search.queue_index(db, PROVIDER, [meeting_id])


def meeting_documents(db: Session, ids: Sequence[int] | None) -> Iterator[Document]:
    """The documents of these meetings (all meetings when ``ids`` is None), in batches."""
    full = ids is None
    if ids is None:
        ids = list(db.scalars(select(Meeting.id).order_by(Meeting.id)))
    for start in range(0, len(ids), BATCH):
        chunk = list(ids[start : start + BATCH])
        meetings = db.scalars(
            select(Meeting)
            .where(Meeting.id.in_(chunk))
            .options(
                joinedload(Meeting.board),
                selectinload(Meeting.items).selectinload(AgendaItem.attachments),
            )
        ).unique()
        proposals: dict[int, list[Proposal]] = {}
        for p in db.scalars(select(Proposal).where(Proposal.meeting_id.in_(chunk)).order_by(Proposal.id)):
            proposals.setdefault(p.meeting_id, []).append(p)
        files: dict[int, list[Attachment]] = {}
        proposal_ids = [p.id for ps in proposals.values() for p in ps]
        if proposal_ids:
            for a in db.scalars(select(Attachment).where(Attachment.proposal_id.in_(proposal_ids))):
                files.setdefault(a.proposal_id or 0, []).append(a)
        for meeting in meetings:
            yield from _documents(meeting, proposals.get(meeting.id, []), files)
        if full:
            db.expunge_all()  # a full reindex (its own session) keeps its memory flat


def _documents(
    meeting: Meeting, proposals: list[Proposal], proposal_files: dict[int, list[Attachment]]
) -> Iterator[Document]:
    board = meeting.board
    group = search.group(PROVIDER, meeting.id)
    residents = meeting_resource(meeting).audience is Audience.RESIDENTS

    def scopes(closed: bool) -> frozenset[str]:
        return search.material_scopes(
            organisation_id=board.organisation_id,
            board_id=board.id,
            department_id=meeting.department_id or board.department_id,
            residents=residents,
            closed=closed,
        )

    open_scopes = scopes(False)
    where = " ".join(p for p in (meeting.location, meeting.room) if p)
    yield Document(
        kind="meeting",
        id=meeting.id,
        group=group,
        title=meeting.title,
        text="\n".join(p for p in (meeting.description, where, board.name) if p),
        scopes=open_scopes,
        route="meeting",
        params={"meeting_id": meeting.id},
        date=meeting.starts_at,
    )
    for item in meeting.items:
        item_scopes = scopes(True) if item.closed else open_scopes
        yield Document(
            kind="agenda_item",
            id=item.id,
            group=group,
            title=item.title,
            text="\n".join(p for p in (item.description, item.presenter) if p),
            scopes=item_scopes,
            route="meeting",
            params={"meeting_id": meeting.id},
            anchor=f"item-{item.id}",
            date=meeting.starts_at,
        )
        for a in item.attachments:
            yield _file(a, group, item_scopes, "attachment_view", {"attachment_id": a.id}, meeting)
    for p in proposals:
        yield Document(
            kind="proposal",
            id=p.id,
            group=group,
            title=p.title,
            text=p.text,
            scopes=open_scopes,
            route="proposal",
            params={"proposal_id": p.id},
            date=p.created_at,
        )
        for a in proposal_files.get(p.id, []):
            params = {"proposal_id": p.id, "attachment_id": a.id}
            yield _file(a, group, open_scopes, "proposal_attachment", params, meeting)


def _file(
    a: Attachment, group: str, scopes: frozenset[str], route: str, params: dict[str, int], meeting: Meeting
) -> Document:
    return Document(
        kind="attachment",
        id=a.id,
        group=group,
        title=a.filename,
        text="",
        scopes=scopes,
        route=route,
        params=params,
        date=meeting.starts_at,
        file_sha256=a.sha256,
        file_type=a.content_type,
    )
