"""What approved minutes leave for later: agenda items carried over to the next meeting
("Udsat til næste møde") that no later meeting has taken up yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from boardkit.core.templating import TZ
from boardkit.meetings.models import AgendaItem, Meeting, Minutes

SHOWN = ("approved", "published")


@dataclass(frozen=True)
class CarriedOverItem:
    """An item carried over: its title, the meeting's day and the item's number there. Person and
    complaint cases are never listed."""

    meeting_id: int
    meeting_date: date
    number: int
    title: str
    closed: bool
    agenda_item_id: int


def _key(title: str) -> str:
    return " ".join(title.split()).casefold()


def carried_over_items(db: Session, *, board_id: int) -> list[CarriedOverItem]:
    """The items marked "Udsat til næste møde" in the board's approved or published minutes that are
    not on the agenda of a later meeting of the board (not cancelled) with the same title (spaces and
    case aside), oldest first. No permission check: the caller decides who reads them."""
    rows = db.execute(
        select(Meeting.id, Meeting.starts_at, Minutes.content)
        .join(Minutes, Minutes.meeting_id == Meeting.id)
        .where(Meeting.board_id == board_id, Minutes.status.in_(SHOWN))
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    wanted: list[tuple[int, datetime, dict[str, Any]]] = []
    for meeting_id, starts_at, content in rows:
        for item in (content or {}).get("items", []):
            if item.get("carried_over") and not item.get("person_case") and not item.get("redacted"):
                wanted.append((meeting_id, starts_at, item))
    if not wanted:
        return []
    cases = set(
        db.scalars(
            select(AgendaItem.id).where(
                AgendaItem.id.in_([int(i["agenda_item_id"]) for _m, _s, i in wanted]),
                AgendaItem.person_case.is_(True),
            )
        )
    )
    earliest = min(s for _m, s, _i in wanted)
    later: dict[str, list[datetime]] = {}
    for title, starts_at in db.execute(
        select(AgendaItem.title, Meeting.starts_at)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            Meeting.board_id == board_id,
            Meeting.status != "cancelled",
            Meeting.starts_at > earliest,
            func.length(AgendaItem.title) > 0,
        )
    ):
        later.setdefault(_key(title), []).append(starts_at)
    found: list[CarriedOverItem] = []
    for meeting_id, starts_at, item in wanted:
        item_id = int(item["agenda_item_id"])
        title = str(item.get("title", ""))
        if item_id in cases:
            continue
        if any(s > starts_at for s in later.get(_key(title), [])):
            continue
        found.append(
            CarriedOverItem(
                meeting_id=meeting_id,
                meeting_date=starts_at.astimezone(TZ).date(),
                number=int(item.get("number") or 0),
                title=title,
                closed=bool(item.get("closed")),
                agenda_item_id=item_id,
            )
        )
    return found
