"""What the handover pack shows of the library and the keys: plain frozen values without any
resident's data (a key's holder by role, never by name). No permission check: the pack's builder
has one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from boardkit.library import documents, keys
from boardkit.library.models import DOCUMENT_KINDS, KNOWN, LibraryDocument


@dataclass(frozen=True)
class HandoverDocument:
    id: int
    kind: str  # one of models.DOCUMENT_KINDS
    kind_name: str
    title: str
    version: int  # the newest version's number
    updated_at: datetime


@dataclass(frozen=True)
class HandoverContract:
    id: int
    title: str
    supplier: str
    subject: str
    term_start: date | None
    term_end: date | None
    notice_period: str
    admin_contact: str  # the administration's contact person ("" when none)


@dataclass(frozen=True)
class HandoverKey:
    id: int
    kind: str  # key, fob, account, code
    kind_name: str
    label: str
    opens: str
    number: str
    holder_roles: tuple[str, ...]  # board roles of those who hold or know it ("" for a former member)
    state: str  # held, to_return, overdue, returned, spare
    due_at: datetime | None  # the earliest open "to return" task's due time
    changed_on: date | None  # codes and accounts: last changed


def _current(db: Session, board_id: int) -> list[LibraryDocument]:
    return list(
        db.scalars(
            select(LibraryDocument)
            .options(selectinload(LibraryDocument.versions))
            .where(LibraryDocument.board_id == board_id, LibraryDocument.archived_at.is_(None))
            .order_by(LibraryDocument.kind, LibraryDocument.title, LibraryDocument.id)
        )
    )


_KIND_ORDER = {kind: n for n, kind in enumerate(DOCUMENT_KINDS)}


def handover_documents(db: Session, *, board_id: int) -> list[HandoverDocument]:
    return [
        HandoverDocument(
            id=d.id,
            kind=d.kind,
            kind_name=documents.kind_name(d.kind),
            title=d.title,
            version=d.latest.number if d.latest else 0,
            updated_at=d.updated_at,
        )
        # In the order of the kinds (statutes first, as the library page lists them), then by title.
        for d in sorted(_current(db, board_id), key=lambda d: (_KIND_ORDER.get(d.kind, 99), d.title, d.id))
    ]


def handover_contracts(db: Session, *, board_id: int) -> list[HandoverContract]:
    return [
        HandoverContract(
            id=d.id,
            title=d.title,
            supplier=d.supplier,
            subject=d.subject,
            term_start=d.term_start,
            term_end=d.term_end,
            notice_period=d.notice_period,
            admin_contact=documents.contact_name(db, d),
        )
        for d in _current(db, board_id)
        if d.kind == "contract"
    ]


def handover_keys(db: Session, *, board_id: int, now: datetime | None = None) -> list[HandoverKey]:
    out = []
    for view in keys.item_views(db, board_id, now=now):
        dues = [h.task.due_at for h in view.holders if h.task is not None]
        out.append(
            HandoverKey(
                id=view.item.id,
                kind=view.item.kind,
                kind_name=keys.kind_name(view.item.kind),
                label=view.item.label,
                opens=view.item.opens,
                number=view.item.number,
                holder_roles=tuple(h.role for h in view.holders),
                state=view.state,
                due_at=min(dues) if dues else None,
                changed_on=view.item.changed_on if view.item.kind in KNOWN else None,
            )
        )
    return out


def items_held_by(db: Session, *, board_id: int, person_id: int) -> set[int]:
    """The board's keys and access items a person holds or knows now (a departing member's checklist)."""
    return {
        view.item.id
        for view in keys.item_views(db, board_id)
        if any(h.holding.person_id == person_id for h in view.holders)
    }
