"""Shared setup of the roll and check-in tests: Engparken's next ordinary department meeting, its
people by role, and a meeting moved to start within the hour (so the door is open)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from boardkit.core.db import Database, utcnow
from boardkit.meetings.models import Meeting
from boardkit.org.models import Board, Person

CHAIR, TREASURER, RESIDENT, ADMIN = (
    "formand@demo.boardkit.dk",
    "kasserer@demo.boardkit.dk",
    "beboer@demo.boardkit.dk",
    "admin@demo.boardkit.dk",
)
OTHER_RESIDENT = "beboer2@demo.boardkit.dk"  # Søbakken's
ELSEWHERE = "medlem@demo.boardkit.dk"


@dataclass(frozen=True)
class Env:
    meeting_id: int
    board_id: int
    department_id: int
    organisation_id: int
    board_meeting_id: int  # a board meeting of the same board: no roll
    people: dict[str, int]


def env(db: Database, *, starts_in: timedelta | None = timedelta(hours=1)) -> Env:
    """Engparken's planned ordinary department meeting; with ``starts_in``, moved to start then."""
    with db.transaction() as s:
        board = s.scalar(select(Board).where(Board.name == "Afdelingsbestyrelsen i Engparken"))
        assert board is not None and board.department_id is not None
        meeting = s.scalar(
            select(Meeting).where(
                Meeting.board_id == board.id,
                Meeting.kind == "ordinary_department",
                Meeting.status != "held",
            )
        )
        assert meeting is not None
        if starts_in is not None:
            start = utcnow() + starts_in
            meeting.starts_at, meeting.ends_at = start, start + timedelta(hours=2, minutes=30)
        other = s.scalar(select(Meeting.id).where(Meeting.board_id == board.id, Meeting.kind == "board"))
        assert other is not None
        people = {email: i for email, i in s.execute(select(Person.email, Person.id)) if email}
        return Env(meeting.id, board.id, board.department_id, board.organisation_id, other, people)


def moment(db: Database, meeting_id: int) -> datetime:
    with db.transaction(readonly=True) as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        return meeting.starts_at
