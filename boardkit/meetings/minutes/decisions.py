"""The decision register: every decision of approved minutes, by department, meeting, date and item.

Rows are written when minutes become approved and brought up to date when they are approved again
after an edit (a row keeps its status, matched by agenda item); while an edit waits for approval the
minutes' rows are hidden. Each decision has a status — open, in progress, done — that the chair, the
vice chair and the administration change (``set_status``, audited).
Who sees what: the administration every decision of its organisation or department; board
members their boards' decisions (closed items only for sitting members); residents the open
decisions of the published minutes of the meetings they see (their department's meetings and its
board's, once announced: ``lookup.residents_clause``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, extract, false, func, or_, select
from sqlalchemy.orm import Session

from boardkit.core import audit
from boardkit.core.db import utcnow
from boardkit.core.errors import Forbidden, NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Action, Principal, Resource, can
from boardkit.core.templating import TZ
from boardkit.meetings import lookup
from boardkit.meetings.minutes_models import DECISION_STATUSES
from boardkit.meetings.models import AgendaItem, Decision, Meeting, Minutes
from boardkit.org import service as org_service

MAX_QUERY = 200
MAX_NOTE = 2000
SHOWN = ("approved", "published")  # the minutes' statuses whose decisions are in the register


def sync_decisions(db: Session, *, meeting: Meeting, minutes: Minutes) -> int:
    """Bring the register's rows for these minutes up to date with their current content: a decision
    of an item that had one before keeps its row (and status), a new one is added, one that is gone
    is removed."""
    existing = {
        d.agenda_item_id: d for d in db.scalars(select(Decision).where(Decision.minutes_id == minutes.id))
    }
    board = meeting.board
    day = meeting.starts_at.astimezone(TZ).date()
    kept: set[int] = set()
    count = 0
    for item in minutes.content.get("items", []):
        if not item.get("decision"):
            continue
        values = {
            "meeting_id": meeting.id,
            "organisation_id": board.organisation_id,
            "board_id": board.id,
            "department_id": meeting.department_id or board.department_id,
            "decided_on": day,
            "item_number": item["number"],
            "item_title": item["title"][:200],
            "text": item["decision"],
            "closed": bool(item.get("closed")),
            "votes": item.get("votes"),
        }
        row = existing.get(item["agenda_item_id"])
        if row is None:
            row = Decision(minutes_id=minutes.id, agenda_item_id=item["agenda_item_id"], **values)
            db.add(row)
        else:
            for key, value in values.items():
                setattr(row, key, value)
            kept.add(row.id)
        count += 1
    for row in existing.values():
        if row.id not in kept:
            db.delete(row)
    db.flush()
    return count


def visible_clause(principal: Principal) -> ColumnElement[bool]:
    """The decisions ``principal`` may read, as a WHERE clause (joined with Meeting and Minutes)."""
    return and_(Minutes.status.in_(SHOWN), _readers_clause(principal))


def _readers_clause(principal: Principal) -> ColumnElement[bool]:
    D = Decision
    parts: list[ColumnElement[bool]] = []
    if principal.staff_organisation_ids:
        parts.append(D.organisation_id.in_(list(principal.staff_organisation_ids)))
    if principal.staff_department_ids:
        parts.append(D.department_id.in_(list(principal.staff_department_ids)))
    sitting = [b for b, role in principal.board_roles.items() if role != "substitute"]
    substitute = [b for b, role in principal.board_roles.items() if role == "substitute"]
    if sitting:
        parts.append(D.board_id.in_(sitting))
    if substitute:
        parts.append(and_(D.board_id.in_(substitute), D.closed.is_(False)))
    residents = set(principal.resident_department_ids) | {
        d for d in principal.board_departments.values() if d
    }
    if residents:
        parts.append(
            and_(
                D.department_id.in_(sorted(residents)),
                D.closed.is_(False),
                Minutes.status == "published",
                lookup.residents_clause(residents),
            )
        )
    return or_(*parts) if parts else false()


@dataclass(frozen=True)
class Entry:
    decision: Decision
    meeting_title: str
    department_name: str | None
    board_name: str


def list_decisions(
    db: Session,
    *,
    principal: Principal,
    department_id: int | None = None,
    year: int | None = None,
    q: str = "",
    status: str | None = None,
    limit: int = 500,
) -> list[Entry]:
    """The register as ``principal`` may read it, newest first, filtered by department, year, status
    (``DECISION_STATUSES``; another value finds nothing) and words."""
    D = Decision
    query = (
        select(D, Meeting.title, org_service.Department.name, org_service.Board.name)
        .join(Meeting, Meeting.id == D.meeting_id)
        .join(Minutes, Minutes.id == D.minutes_id)
        .join(org_service.Board, org_service.Board.id == D.board_id)
        .join(org_service.Department, org_service.Department.id == D.department_id, isouter=True)
        .where(visible_clause(principal))
    )
    if department_id is not None:
        query = query.where(D.department_id == department_id)
    if year is not None:
        query = query.where(D.decided_on >= date(year, 1, 1), D.decided_on <= date(year, 12, 31))
    if status is not None:
        query = query.where(D.status == status)
    for word in q.split()[:10]:
        pattern = f"%{word[:MAX_QUERY].lower()}%"
        query = query.where(or_(func.lower(D.text).like(pattern), func.lower(D.item_title).like(pattern)))
    rows = db.execute(query.order_by(D.decided_on.desc(), D.meeting_id.desc(), D.item_number).limit(limit))
    return [Entry(d, title, dept, board) for d, title, dept, board in rows]


def decision_entry(db: Session, *, decision: Decision) -> Entry:
    """A decision with the names the register shows next to it."""
    row = db.execute(
        select(Meeting.title, org_service.Department.name, org_service.Board.name)
        .select_from(Meeting)
        .join(org_service.Board, org_service.Board.id == decision.board_id)
        .join(org_service.Department, org_service.Department.id == decision.department_id, isouter=True)
        .where(Meeting.id == decision.meeting_id)
    ).one()
    return Entry(decision, row[0], row[1], row[2])


def years(db: Session, *, principal: Principal) -> list[int]:
    """The years that have decisions this reader may see (for the filter)."""
    year = extract("year", Decision.decided_on)
    rows = db.execute(
        select(year)
        .select_from(Decision)
        .join(Meeting, Meeting.id == Decision.meeting_id)
        .join(Minutes, Minutes.id == Decision.minutes_id)
        .where(visible_clause(principal))
        .group_by(year)
        .order_by(year.desc())
    )
    return [int(y) for (y,) in rows]


def departments(db: Session, *, principal: Principal) -> list[tuple[int, str]]:
    """The departments that have decisions this reader may see (for the filter)."""
    Dept = org_service.Department
    rows = db.execute(
        select(Dept.id, Dept.name)
        .join(Decision, Decision.department_id == Dept.id)
        .join(Meeting, Meeting.id == Decision.meeting_id)
        .join(Minutes, Minutes.id == Decision.minutes_id)
        .where(visible_clause(principal))
        .group_by(Dept.id, Dept.name)
        .order_by(Dept.name)
    )
    return [(int(i), str(n)) for i, n in rows]


# --- status ----------------------------------------------------------------------------------


def status_label(status: str) -> str:
    return {"open": _("Åben"), "in_progress": _("I gang"), "done": _("Udført")}.get(status, status)


def get_decision(db: Session, *, principal: Principal, decision_id: int) -> tuple[Decision, Meeting]:
    """A decision of the register and its meeting, when this reader may see it (404 otherwise)."""
    row = db.execute(
        select(Decision, Meeting)
        .join(Meeting, Meeting.id == Decision.meeting_id)
        .join(Minutes, Minutes.id == Decision.minutes_id)
        .where(Decision.id == decision_id, visible_clause(principal))
    ).first()
    if row is None:
        raise NotFound()
    return row[0], row[1]


def may_set_status(principal: Principal, decision: Decision) -> bool:
    """The chair, the vice chair and the administration say how far a decision has come."""
    resource = Resource(
        organisation_id=decision.organisation_id,
        department_id=decision.department_id,
        board_id=decision.board_id,
    )
    return can(principal, Action.MANAGE, resource)


def set_status(
    db: Session, *, principal: Principal, decision_id: int, status: str, note: str | None = None
) -> Decision:
    """Set a decision's status (open, in_progress, done) with an optional note, audited: 404 when the
    reader may not see it, 403 when they may not change it, 422 for an unknown status or a long note.
    ``note`` None keeps the note; the same status and note again changes nothing."""
    decision, meeting = get_decision(db, principal=principal, decision_id=decision_id)
    if not may_set_status(principal, decision):
        raise Forbidden(
            _("Kun formanden, næstformanden og administrationen kan ændre en beslutnings status.")
        )
    errors: dict[str, str] = {}
    if status not in DECISION_STATUSES:
        errors["status"] = _("Vælg åben, i gang eller udført.")
    text = decision.status_note if note is None else note.strip()
    if len(text) > MAX_NOTE:
        errors["note"] = _("Højst %(n)s tegn.", n=MAX_NOTE)
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    if status == decision.status and text == decision.status_note:
        return decision
    diff = {}
    if status != decision.status:
        diff["status"] = [decision.status, status]
    if text != decision.status_note:
        diff["note"] = [decision.status_note, text]
    decision.status, decision.status_note = status, text
    decision.status_changed_at = utcnow()
    audit.record(
        db,
        actor_id=principal.person_id,
        action="decision.status",
        obj=decision,
        organisation_id=decision.organisation_id,
        summary=f"{decision.item_number}. {decision.item_title} ({meeting.title}): {status}",
        diff=diff,
    )
    return decision


# --- a board's decisions, for its handover pack ------------------------------------------------


@dataclass(frozen=True)
class BoardDecision:
    """A decision of the board as its handover pack shows it: a closed item's title and text are
    "Lukket punkt" (and its note blank); person and complaint cases are left out."""

    id: int
    meeting_id: int
    decided_on: date
    item_number: int
    item_title: str
    text: str
    closed: bool
    status: str  # open | in_progress | done
    status_changed_at: datetime | None
    status_note: str


def decisions_of_board(
    db: Session, *, board_id: int, since: date | None = None, status: str | None = None
) -> list[BoardDecision]:
    """The board's decisions of approved and published minutes, oldest first, from ``since`` (the
    meeting's day) and with ``status`` when given. No permission check: the caller (the handover pack)
    decides who reads them. Never a closed item's text, never a person case."""
    D = Decision
    query = (
        select(D, AgendaItem.person_case)
        .join(Minutes, Minutes.id == D.minutes_id)
        .join(AgendaItem, AgendaItem.id == D.agenda_item_id, isouter=True)
        .where(D.board_id == board_id, Minutes.status.in_(SHOWN))
    )
    if since is not None:
        query = query.where(D.decided_on >= since)
    if status is not None:
        query = query.where(D.status == status)
    rows = db.execute(query.order_by(D.decided_on, D.meeting_id, D.item_number)).all()
    closed_ids = {d.minutes_id for d, _case in rows if d.closed}
    cases: set[tuple[int, Any]] = set()  # (minutes id, agenda item id) flagged as a person case when written
    if closed_ids:
        for minutes_id, content in db.execute(
            select(Minutes.id, Minutes.content).where(Minutes.id.in_(closed_ids))
        ):
            cases.update(
                (minutes_id, i.get("agenda_item_id"))
                for i in (content or {}).get("items", [])
                if i.get("person_case")
            )
    placeholder = _("Lukket punkt")
    found: list[BoardDecision] = []
    for d, person_case in rows:
        if person_case or (d.minutes_id, d.agenda_item_id) in cases:
            continue
        found.append(
            BoardDecision(
                id=d.id,
                meeting_id=d.meeting_id,
                decided_on=d.decided_on,
                item_number=d.item_number,
                item_title=placeholder if d.closed else d.item_title,
                text=placeholder if d.closed else d.text,
                closed=d.closed,
                status=d.status,
                status_changed_at=d.status_changed_at,
                status_note="" if d.closed else d.status_note,
            )
        )
    return found
