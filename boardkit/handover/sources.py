"""Where the pack's material comes from: the other domains' service modules, read as the system.
Everything here reads; nothing checks the reader (the service does)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from boardkit.core.errors import NotFound, ValidationFailed
from boardkit.core.permissions import Principal
from boardkit.core.templating import TZ
from boardkit.expenses import service as expense_service
from boardkit.library import service as library_service
from boardkit.meetings import service as meetings_service
from boardkit.meetings.minutes import service as minutes_service
from boardkit.onboarding import service as onboarding_service
from boardkit.org import service as org_service


def system_reader(organisation_id: int) -> Principal:
    """Who reads the board's material for a pack: the organisation's administration (the pack
    itself decides what of it is shown, and to whom)."""
    return Principal(person_id=0, staff_organisation_ids=frozenset({organisation_id}))


def field(row: Any, name: str, default: Any = None) -> Any:
    """A field of a dataclass, a row or a dict."""
    if isinstance(row, dict):
        return row.get(name, default)
    return getattr(row, name, default)


# --- the library: documents, contracts, keys ----------------------------------------------------


def documents(db: Session, *, board_id: int) -> list[Any] | None:
    return list(library_service.handover_documents(db, board_id=board_id))


def contracts(db: Session, *, board_id: int) -> list[Any] | None:
    return list(library_service.handover_contracts(db, board_id=board_id))


def keys_held_by(db: Session, *, board_id: int, person_id: int) -> set[int]:
    return library_service.items_held_by(db, board_id=board_id, person_id=person_id)


def keys(db: Session, *, board_id: int) -> list[Any] | None:
    return list(library_service.handover_keys(db, board_id=board_id))


# --- the minutes: carried-over items and decisions -------------------------------------------------


def carried_over(db: Session, *, board_id: int) -> list[minutes_service.CarriedOverItem]:
    return list(minutes_service.carried_over_items(db, board_id=board_id))


def decisions(db: Session, *, board_id: int, since: date) -> list[minutes_service.BoardDecision]:
    """The board's decisions since ``since``, oldest first (closed ones as "Lukket punkt", person
    cases left out by the minutes)."""
    rows = minutes_service.decisions_of_board(db, board_id=board_id, since=since)
    return sorted(rows, key=lambda d: (d.decided_on, d.item_number))


# --- expenses, the year plan, contacts ---------------------------------------------------------------


def budget(db: Session, *, board_id: int, organisation_id: int, year: int) -> Any | None:
    """The board's budget overview of ``year`` (``expenses.service.reports.budget_overview``)."""
    try:
        return expense_service.reports.budget_overview(
            db, principal=system_reader(organisation_id), board_id=board_id, year=year
        )
    except (NotFound, ValidationFailed):
        return None


@dataclass(frozen=True)
class PlanRow:
    day: date
    title: str
    note: str
    kind: str  # the plan's kind, or "meeting"


def year_plan(db: Session, *, board_id: int, organisation_id: int, today: date) -> list[PlanRow]:
    """The next twelve months: the year plan's events (department boards) and the board's meetings."""
    until = today + timedelta(days=365)
    reader = system_reader(organisation_id)
    rows: list[PlanRow] = []
    try:
        plan = onboarding_service.board_plan(db, principal=reader, board_id=board_id, today=today)
    except NotFound:
        plan = None
    if plan is not None:
        rows += [PlanRow(e.day, e.title, e.note, e.kind) for e in plan.events if today <= e.day < until]
    meetings = meetings_service.list_meetings(
        db,
        principal=reader,
        board_id=board_id,
        start=datetime.combine(today, time(), tzinfo=TZ),
        end=datetime.combine(until, time(), tzinfo=TZ),
        limit=500,
    )
    rows += [
        PlanRow(m.starts_at.astimezone(TZ).date(), m.title, "", "meeting")
        for m in meetings
        if m.status != "cancelled"
    ]
    return sorted(rows, key=lambda r: (r.day, r.kind != "meeting", r.title))


def contacts(db: Session, *, department_id: int | None, organisation_id: int) -> list[Any]:
    """The administration's contacts for the board's department (none for a board without one)."""
    if department_id is None:
        return []
    try:
        found = onboarding_service.list_contacts(
            db, principal=system_reader(organisation_id), department_id=department_id
        )
    except NotFound:
        return []
    return list(found.contacts)


def role_name(role: str) -> str:
    return org_service.role_name(role)
