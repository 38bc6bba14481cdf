"""The demo's minutes: Engparken's department meeting records the election (one re-elected, one
elected, one stepping down, two substitutes in order) consistent with the board's memberships; the
decisions are mostly done, four open or in progress; one item waits for the next meeting."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy import select

from boardkit import migrate
from boardkit.core.db import Database
from boardkit.core.storage import FileStore
from boardkit.demo import load_demo
from boardkit.meetings.minutes import service as minutes_service
from boardkit.meetings.models import Decision, Meeting, Minutes
from boardkit.org.models import Board, Membership


def test_the_demo_election_statuses_and_carried_over_item(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    migrate.upgrade(url)
    db = Database(url)
    try:
        with db.transaction() as s:
            load_demo(s, seed=1, store=FileStore(tmp_path / "files"))
        with db.transaction(readonly=True) as s:
            board = s.scalar(select(Board).where(Board.name == "Afdelingsbestyrelsen i Engparken"))
            assert board is not None
            minutes = s.scalar(
                select(Minutes)
                .join(Meeting, Meeting.id == Minutes.meeting_id)
                .where(Meeting.board_id == board.id, Meeting.kind == "ordinary_department")
            )
            assert minutes is not None and minutes.status == "published"
            result = minutes_service.election_result(minutes)
            assert result is not None and len(result.elected) == 2 and len(result.leaving) == 1
            assert [order for _p, order, _t in result.substitutes] == [1, 2]
            seats = {
                m.person_id: m.role
                for m in s.scalars(
                    select(Membership).where(Membership.board_id == board.id, Membership.end_date.is_(None))
                )
            }
            roles = [seats.get(p) for p, _role, _t in result.elected]
            assert roles.count("member") == 1 and roles.count("substitute") == 1  # re-elected; moved up
            assert seats.get(result.leaving[0]) == "member"
            assert [seats.get(p) for p, _o, _t in result.substitutes] == ["substitute", None]
            counts = Counter(s.scalars(select(Decision.status).where(Decision.board_id == board.id)))
            assert counts["done"] > counts["open"] + counts["in_progress"]
            assert 3 <= counts["open"] + counts["in_progress"] <= 4
            (carried,) = minutes_service.carried_over_items(s, board_id=board.id)
            assert carried.title == "Belysning på stierne"
    finally:
        db.dispose()
