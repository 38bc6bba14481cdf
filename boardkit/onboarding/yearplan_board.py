"""One department board's year plan (årshjul): who may see it, the elections its constituting meetings
follow, and its events this year and next, from the organisation's rules (``yearplan``).

Only the board's members (substitutes too) and the administration of its organisation or department
see the plan; residents, who may see a department board's public material, meet a 404 as everyone
else does. A board other than a department board has no plan (404).

Elections: the department board is elected at the ordinary department meeting, so each of the
board's ordinary department meetings in boardkit (not cancelled, held or planned) is an election day
and gives a constituting board meeting within ``constituting_meeting_days``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy.orm import Session

from boardkit.core.errors import NotFound
from boardkit.core.permissions import Principal, is_staff_for
from boardkit.core.templating import TZ
from boardkit.meetings import service as meetings_service
from boardkit.onboarding.yearplan import YearEvent, year_plan
from boardkit.onboarding.yearplan_rules import PlanRules, rules_of
from boardkit.org import service as org_service

DEPARTMENT_BOARD = "department_board"
ELECTION_MEETING_KIND = "ordinary_department"
MEETINGS_LIMIT = 1000  # a board's meetings over three years: far fewer


@dataclass(frozen=True)
class BoardPlan:
    board: org_service.Board
    years: tuple[int, ...]
    events: list[YearEvent]  # every year's, by day
    elections: list[date]
    rules: PlanRules  # the organisation's rules the plan follows


def may_see_plan(principal: Principal, board: org_service.Board) -> bool:
    """The board's members and the administration of its organisation or department."""
    if board.id in principal.board_roles:
        return True
    return is_staff_for(principal, org_service.board_resource(board))


def plan_board(db: Session, *, principal: Principal, board_id: int) -> org_service.Board:
    """The one loader of a board's year plan (page and API): 404 for anyone but its members and the
    administration, and for a board that is not a department board."""
    board = org_service.get_board(db, principal=principal, board_id=board_id)
    if board.kind != DEPARTMENT_BOARD or not may_see_plan(principal, board):
        raise NotFound()
    return board


def plan_years(today: date) -> tuple[int, ...]:
    """This year and next."""
    return (today.year, today.year + 1)


def elections(
    db: Session, *, principal: Principal, board: org_service.Board, years: tuple[int, ...]
) -> list[date]:
    """The days of the board's ordinary department meetings from the year before ``years`` to their end
    (an election in late December gives a constituting meeting in January)."""
    start = datetime.combine(date(min(years) - 1, 1, 1), time(), tzinfo=TZ)
    end = datetime.combine(date(max(years) + 1, 1, 1), time(), tzinfo=TZ)
    meetings = meetings_service.list_meetings(
        db, principal=principal, board_id=board.id, start=start, end=end, limit=MEETINGS_LIMIT
    )
    return sorted(
        {
            m.starts_at.astimezone(TZ).date()
            for m in meetings
            if m.kind == ELECTION_MEETING_KIND and m.status != "cancelled"
        }
    )


def plan_of(db: Session, *, principal: Principal, board: org_service.Board, today: date) -> BoardPlan:
    """The plan of a board the caller has already loaded with ``plan_board`` (or sits on)."""
    years = plan_years(today)
    held = elections(db, principal=principal, board=board, years=years)
    rules = board.organisation.rules or {}
    events = [e for year in years for e in year_plan(rules, year=year, elections=held)]
    return BoardPlan(board=board, years=years, events=events, elections=held, rules=rules_of(rules))


def board_plan(db: Session, *, principal: Principal, board_id: int, today: date) -> BoardPlan:
    """The year plan of a department board, this year and next (page and API)."""
    board = plan_board(db, principal=principal, board_id=board_id)
    return plan_of(db, principal=principal, board=board, today=today)
