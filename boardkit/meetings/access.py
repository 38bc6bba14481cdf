"""A meeting as the permission policy sees it, and what a reader may do with it and see of its agenda.

Every part of the meetings domain imports these checks directly (they import nothing but the models)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from boardkit.core.db import utcnow
from boardkit.core.permissions import Action, Audience, Principal, Resource, can, meeting_audience
from boardkit.meetings.models import AgendaItem, Meeting


def is_department_board(board: Any) -> bool:
    """The department's own board (afdelingsbestyrelse): its meetings are the residents' business too."""
    return bool(board.kind == "department_board" and board.department_id is not None)


def is_announced(meeting: Meeting) -> bool:
    """Invitations were sent through boardkit, or its minutes were published (a board that invited
    outside boardkit still publishes here: publishing is the announcement)."""
    if meeting.invited_at is not None:
        return True
    if meeting.status != "held" and meeting.ends_at > utcnow():
        return False  # minutes are published only after the meeting: no need to look
    minutes = meeting.minutes  # read only for a past meeting never announced here
    return minutes is not None and minutes.status == "published"


def meeting_resource(meeting: Meeting, *, closed: bool = False) -> Resource:
    """The meeting as ``core.permissions`` sees it; ``permissions.meeting_audience`` says who it is for
    (the department's residents once a department meeting or a department board's meeting is announced)."""
    board = meeting.board
    department_meeting, department_board = meeting.is_department_meeting, is_department_board(board)
    audience = meeting_audience(
        department_meeting=department_meeting,
        department_board=department_board,
        announced=(department_meeting or department_board) and is_announced(meeting),
    )
    return Resource(
        organisation_id=board.organisation_id,
        department_id=meeting.department_id or board.department_id,
        board_id=board.id,
        audience=audience,
        closed=closed,
    )


def can_manage(principal: Principal, meeting: Meeting) -> bool:
    return can(principal, Action.MANAGE, meeting_resource(meeting))


def can_see_closed(principal: Principal, meeting: Meeting) -> bool:
    return can(principal, Action.VIEW_CLOSED, meeting_resource(meeting))


def visible_items(principal: Principal, meeting: Meeting) -> list[AgendaItem]:
    """The agenda items this reader may open (closed items only for those allowed)."""
    closed_ok = can_see_closed(principal, meeting)
    return [item for item in meeting.items if closed_ok or not item.closed]


def is_board_reader(principal: Principal, meeting: Meeting) -> bool:
    """The board's members (substitutes too) and the administration, as opposed to the residents."""
    return can(principal, Action.VIEW, replace(meeting_resource(meeting), audience=Audience.BOARD))


def in_own_diary(principal: Principal, meeting: Meeting) -> bool:
    """Whether the meeting belongs in the person's calendar and deadlines: department meetings they
    may see, and the meetings of boards they sit on or administer — not the department board's
    meetings a resident may read about but does not attend."""
    return meeting.is_department_meeting or is_board_reader(principal, meeting)


@dataclass(frozen=True)
class AgendaLine:
    """One line of the agenda as a reader sees it, with the meeting's own item number."""

    number: int
    item: AgendaItem | None  # None: a closed item this reader sees only as "Lukket punkt"


def agenda_lines(principal: Principal, meeting: Meeting) -> list[AgendaLine]:
    """The agenda as this reader sees it, numbered as the meeting numbers it.

    A closed item the reader may not open is "Lukket punkt" without its topic (DOMAIN.md allows
    naming it; titles are written for the board, so none is shown). An item about a person or a
    complaint is left out entirely for everyone outside the board and the administration.
    """
    closed_ok = can_see_closed(principal, meeting)
    board_reader = closed_ok or is_board_reader(principal, meeting)
    lines = []
    for item in sorted(meeting.items, key=lambda i: i.position):
        if item.closed and item.person_case and not board_reader:
            continue
        lines.append(AgendaLine(item.position, item if closed_ok or not item.closed else None))
    return lines
