"""The lists behind the home page (a resident's department) and a board's meeting list and archive.

Each list is one query and none writes: the home page is measured under load. What residents may
see follows ``lookup.residents_clause`` (announced department meetings and meetings of
their own department board).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import case, extract, func, select
from sqlalchemy.orm import Session, joinedload

from boardkit.core.db import utcnow
from boardkit.core.templating import TZ
from boardkit.meetings import lookup
from boardkit.meetings.models import DEPARTMENT_KINDS, Meeting, Minutes, Proposal
from boardkit.org import service as org_service


def departments(db: Session, *, ids: Iterable[int]) -> list[org_service.Department]:
    """The departments by number (no permission check: the caller passes the reader's own)."""
    Department = org_service.Department
    return list(
        db.scalars(select(Department).where(Department.id.in_(list(ids))).order_by(Department.number))
    )


def upcoming_for_residents(
    db: Session, *, department_ids: Iterable[int], now: datetime | None = None, limit: int = 5
) -> list[Meeting]:
    """The next announced meetings the residents of ``department_ids`` may see, soonest first."""
    now = now or utcnow()
    return list(
        db.scalars(
            select(Meeting)
            .options(joinedload(Meeting.board).joinedload(org_service.Board.organisation))
            .where(
                lookup.residents_clause(department_ids),
                Meeting.ends_at >= now,
                Meeting.status != "cancelled",
            )
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(limit)
        ).unique()
    )


def published_minutes_for_residents(
    db: Session, *, department_ids: Iterable[int], per_kind: int = 3
) -> list[tuple[Meeting, Minutes]]:
    """The latest published minutes residents may read: up to ``per_kind`` of department meetings
    and as many of board meetings (so a busy board does not push the department meeting out), newest first."""
    department_meeting = case((Meeting.kind.in_(DEPARTMENT_KINDS), 1), else_=0)
    ranked = (
        select(
            Minutes.id,
            func.row_number()
            .over(partition_by=department_meeting, order_by=(Minutes.published_at.desc(), Minutes.id.desc()))
            .label("n"),
        )
        .join(Meeting, Meeting.id == Minutes.meeting_id)
        .where(lookup.residents_clause(department_ids), Minutes.status == "published")
        .subquery()
    )
    rows = db.execute(
        select(Meeting, Minutes)
        .join(Minutes, Minutes.meeting_id == Meeting.id)
        .join(ranked, ranked.c.id == Minutes.id)
        .options(joinedload(Meeting.board))
        .where(ranked.c.n <= per_kind)
        .order_by(Minutes.published_at.desc(), Minutes.id.desc())
    ).all()
    return [(meeting, minutes) for meeting, minutes in rows]


@dataclass(frozen=True)
class MyProposal:
    proposal: Proposal
    meeting: Meeting


def my_proposals(db: Session, *, person_id: int, limit: int = 5) -> list[MyProposal]:
    """The person's latest proposals with their meetings, newest first."""
    rows = db.execute(
        select(Proposal, Meeting)
        .join(Meeting, Meeting.id == Proposal.meeting_id)
        .where(Proposal.proposer_id == person_id)
        .order_by(Proposal.created_at.desc(), Proposal.id.desc())
        .limit(limit)
    ).all()
    return [MyProposal(p, m) for p, m in rows]


# --- a board's meetings -------------------------------------------------------------------------


def _local_year_bounds(year: int) -> tuple[datetime, datetime]:
    start = datetime(year, 1, 1, tzinfo=TZ).astimezone(UTC)
    return start, datetime(year + 1, 1, 1, tzinfo=TZ).astimezone(UTC)


def list_board_meetings(
    db: Session,
    *,
    board_id: int,
    upcoming: bool,
    year: int | None = None,
    now: datetime | None = None,
    limit: int = 200,
) -> list[Meeting]:
    """A board's coming meetings (soonest first) or its archive of past ones (``year``, newest first)."""
    now = now or utcnow()
    q = select(Meeting).where(Meeting.board_id == board_id)
    if upcoming:
        q = q.where(Meeting.ends_at >= now).order_by(Meeting.starts_at, Meeting.id)
    else:
        q = q.where(Meeting.ends_at < now).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        if year is not None:
            start, end = _local_year_bounds(year)
            q = q.where(Meeting.starts_at >= start, Meeting.starts_at < end)
    return list(db.scalars(q.limit(limit)))


def archive_years(db: Session, *, board_id: int, now: datetime | None = None) -> list[int]:
    """The years (newest first) in which the board held (or had planned) meetings that are now past."""
    now = now or utcnow()
    # Meetings start in the evening, local time; a UTC year is a close enough index for the filter.
    year = extract("year", Meeting.starts_at)
    rows = db.execute(
        select(year)
        .where(Meeting.board_id == board_id, Meeting.ends_at < now)
        .group_by(year)
        .order_by(year.desc())
    )
    return [int(y) for (y,) in rows]


def minutes_status(db: Session, *, meeting_ids: Iterable[int]) -> dict[int, str]:
    """Each meeting's minutes status (draft, submitted, approved, published), for those that have minutes."""
    ids = list(meeting_ids)
    if not ids:
        return {}
    rows = db.execute(select(Minutes.meeting_id, Minutes.status).where(Minutes.meeting_id.in_(ids)))
    return {meeting_id: status for meeting_id, status in rows}
