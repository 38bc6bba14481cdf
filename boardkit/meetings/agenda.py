"""The agenda of a meeting: items added, changed, moved and deleted, "Eventuelt" always last."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from boardkit.core import audit
from boardkit.core.db import utcnow
from boardkit.core.errors import ValidationFailed
from boardkit.core.i18n import _
from boardkit.meetings import pack_queue
from boardkit.meetings.models import ITEM_KINDS, AgendaItem, Meeting

ITEM_FIELDS = (
    "title",
    "description",
    "kind",
    "closed",
    "person_case",
    "presenter",
    "minutes_allotted",
    "position",
)
# "Eventuelt" (any other business) closes every agenda: new and moved items go before it.
LAST_ITEM_TITLES = frozenset({"eventuelt", "evt.", "evt"})


@dataclass
class ItemInput:
    title: str
    description: str = ""
    kind: str = "information"
    closed: bool = False
    person_case: bool = False  # about a person or a complaint: always closed, never shown to residents
    presenter: str = ""
    minutes_allotted: int | None = None
    position: int | None = None


def validate_item(data: ItemInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = _("Skriv punktets titel.")
    elif len(data.title) > 200:
        errors["title"] = _("Titlen må højst have 200 tegn.")
    if data.kind not in ITEM_KINDS:
        errors["kind"] = _("Vælg en type fra listen.")
    if data.minutes_allotted is not None and not 0 < data.minutes_allotted <= 600:
        errors["minutes_allotted"] = _("Skriv et antal minutter mellem 1 og 600.")
    if len(data.presenter) > 200:
        errors["presenter"] = _("Højst %(n)s tegn.", n=200)
    if len(data.description) > 20000:
        errors["description"] = _("Højst %(n)s tegn.", n=20000)
    return errors


def stays_last(item: AgendaItem) -> bool:
    return item.title.strip().lower() in LAST_ITEM_TITLES


def renumber(items: Iterable[AgendaItem]) -> None:
    """Positions 1, 2, … in the given order, except that "Eventuelt" always comes last."""
    ordered = list(items)
    ordered = [i for i in ordered if not stays_last(i)] + [i for i in ordered if stays_last(i)]
    for n, item in enumerate(ordered, start=1):
        if item.position != n:
            item.position = n


def add_item(db: Session, meeting: Meeting, *, actor_id: int, data: ItemInput) -> AgendaItem:
    """Add an item at ``position`` (default: the end), always before "Eventuelt"."""
    errors = validate_item(data)
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    items = sorted(meeting.items, key=lambda i: i.position)
    position = len(items) + 1 if data.position is None else max(1, min(data.position, len(items) + 1))
    item = AgendaItem(
        meeting_id=meeting.id,
        position=position,
        title=data.title.strip(),
        description=data.description.strip(),
        kind=data.kind,
        closed=data.closed or data.person_case,
        person_case=data.person_case,
        presenter=data.presenter.strip(),
        minutes_allotted=data.minutes_allotted,
    )
    items.insert(position - 1, item)
    renumber(items)
    db.add(item)
    db.flush()
    db.refresh(meeting, ["items"])
    pack_queue.changed(db, meeting)
    audit.record(
        db,
        actor_id=actor_id,
        action="agenda_item.create",
        obj=item,
        organisation_id=meeting.board.organisation_id,
        summary=item.title,
    )
    return item


def update_item(db: Session, item: AgendaItem, *, actor_id: int, data: ItemInput) -> AgendaItem:
    errors = validate_item(data)
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    before = audit.snapshot(item, ITEM_FIELDS)
    item.title, item.description = data.title.strip(), data.description.strip()
    item.kind, item.presenter, item.minutes_allotted = (
        data.kind,
        data.presenter.strip(),
        data.minutes_allotted,
    )
    item.closed, item.person_case = data.closed or data.person_case, data.person_case
    move_item(db, item, position=item.position if data.position is None else data.position)
    diff = audit.changes(before, audit.snapshot(item, ITEM_FIELDS))
    if diff:
        item.updated_at = utcnow()
        pack_queue.changed(db, item.meeting)
        audit.record(
            db,
            actor_id=actor_id,
            action="agenda_item.update",
            obj=item,
            organisation_id=item.meeting.board.organisation_id,
            summary=item.title,
            diff=diff,
        )
    return item


def move_item(db: Session, item: AgendaItem, *, position: int) -> None:
    """Put an item at ``position`` (1-based) and renumber the rest ("Eventuelt" stays last)."""
    items = [i for i in sorted(item.meeting.items, key=lambda i: i.position) if i.id != item.id]
    before = [i.id for i in sorted(item.meeting.items, key=lambda i: i.position)]
    position = max(1, min(position, len(items) + 1))
    items.insert(position - 1, item)
    renumber(items)
    db.flush()
    if [i.id for i in sorted(items, key=lambda i: i.position)] != before:
        pack_queue.changed(db, item.meeting)


def delete_item(db: Session, item: AgendaItem, *, actor_id: int) -> None:
    meeting = item.meeting
    audit.record(
        db,
        actor_id=actor_id,
        action="agenda_item.delete",
        obj=item,
        organisation_id=meeting.board.organisation_id,
        summary=item.title,
    )
    # Delete, flush, then reload the collection: removing from it as well trips SQLAlchemy's
    # flush ("Failed to add object to the flush context") once anything was flushed before.
    db.delete(item)
    db.flush()
    db.expire(meeting, ["items"])
    renumber(sorted(meeting.items, key=lambda i: i.position))
    db.flush()
    pack_queue.changed(db, meeting)
