"""A meeting as the permission policy sees it (kept apart from ``service`` so the search providers,
which ``service`` imports, can use the same rule)."""

from __future__ import annotations

from typing import Any

from boardkit.core.db import utcnow
from boardkit.core.permissions import Resource, meeting_audience
from boardkit.meetings.models import Meeting


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
