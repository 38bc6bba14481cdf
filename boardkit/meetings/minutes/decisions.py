"""The decision register: every decision of approved minutes, by department, meeting, date and item.

Rows are written when minutes become approved (and removed when a later edit un-approves them).
Who sees what: the administration every decision of its organisation or department; board
members their boards' decisions (closed items only for sitting members); residents the open
decisions of the published minutes of the meetings they see (their department's meetings and its
board's, once announced: ``lookup.residents_clause``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, delete, extract, false, func, or_, select
from sqlalchemy.orm import Session

from boardkit.core.permissions import Principal
from boardkit.core.templating import TZ
from boardkit.meetings import lookup
from boardkit.meetings.models import Decision, Meeting, Minutes
from boardkit.org import service as org_service

MAX_QUERY = 200


def sync_decisions(db: Session, *, meeting: Meeting, minutes: Minutes) -> int:
    """Rewrite the register's rows for these minutes from their current content."""
    db.execute(delete(Decision).where(Decision.minutes_id == minutes.id))
    board = meeting.board
    day = meeting.starts_at.astimezone(TZ).date()
    rows = [
        Decision(
            minutes_id=minutes.id,
            meeting_id=meeting.id,
            agenda_item_id=item["agenda_item_id"],
            organisation_id=board.organisation_id,
            board_id=board.id,
            department_id=meeting.department_id or board.department_id,
            decided_on=day,
            item_number=item["number"],
            item_title=item["title"][:200],
            text=item["decision"],
            closed=bool(item.get("closed")),
            votes=item.get("votes"),
        )
        for item in minutes.content.get("items", [])
        if item.get("decision")
    ]
    db.add_all(rows)
    db.flush()
    return len(rows)


def visible_clause(principal: Principal) -> ColumnElement[bool]:
    """The decisions ``principal`` may read, as a WHERE clause (joined with Meeting and Minutes)."""
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
    limit: int = 500,
) -> list[Entry]:
    """The register as ``principal`` may read it, newest first, filtered by department, year and words."""
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
    for word in q.split()[:10]:
        pattern = f"%{word[:MAX_QUERY].lower()}%"
        query = query.where(or_(func.lower(D.text).like(pattern), func.lower(D.item_title).like(pattern)))
    rows = db.execute(query.order_by(D.decided_on.desc(), D.meeting_id.desc(), D.item_number).limit(limit))
    return [Entry(d, title, dept, board) for d, title, dept, board in rows]


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
