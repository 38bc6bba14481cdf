"""Secret ballots (issue 18's second done-when): no query in the schema can join a ballot to a
household — no foreign key but to the question, no column naming a household, person or
participation, no timestamp, no rowid on SQLite, nothing in the order (or PostgreSQL's xmin) after
the close — and the tally recomputed from the stored ballots equals the published result."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import OperationalError

from boardkit.core.db import Database
from boardkit.democracy import ballots, digital, tally
from boardkit.democracy.models import Ballot, Question
from boardkit.org import service as org_service
from tests.democracy.digital_setup import CHAIR, make_meeting, principal, voters

pytestmark = pytest.mark.postgres
XMINS = text("SELECT DISTINCT xmin::text FROM democracy_ballot WHERE question_id = :q")


def test_the_schema_cannot_join_a_ballot_to_anyone(db: Database) -> None:
    schema = inspect(db.engine)
    fks = schema.get_foreign_keys("democracy_ballot")
    assert [(fk["referred_table"], fk["constrained_columns"]) for fk in fks] == [
        ("democracy_question", ["question_id"])
    ]
    columns = {c["name"]: c for c in schema.get_columns("democracy_ballot")}
    assert set(columns) == {"id", "question_id", "choice"}
    for name, column in columns.items():
        assert not any(word in name for word in ("household", "person", "participation", "voter", "tenancy"))
        assert "TIME" not in str(column["type"]).upper() and "DATE" not in str(column["type"]).upper(), name
    # Nor does any other table point at a ballot.
    for table in schema.get_table_names():
        for fk in schema.get_foreign_keys(table):
            assert fk["referred_table"] != "democracy_ballot", table
    if db.is_sqlite:  # WITHOUT ROWID: no insertion order to read
        with db.engine.connect() as conn, pytest.raises(OperationalError):
            conn.execute(text("SELECT rowid FROM democracy_ballot"))


def test_after_the_close_the_order_carries_nothing_and_the_tally_recomputes(demo: Database) -> None:
    chair = principal(demo, CHAIR)
    with demo.transaction() as db:
        s = make_meeting(db, meeting_counts={"yes": 7, "no": 4, "blank": 1}, both_units=True)
        closes = s.ended_at + timedelta(days=3)
        digital.open_digital(db, chair, question_id=s.question_id, closes_at=closes)
        # 30 voters in order: the first 15 yes, the next 10 no, the rest blank (distinct households:
    # each their own vote).
    cast: list[str] = []
    households: set[int] = set()
    with demo.transaction() as db:
        chosen = []
        for v in voters(db, s.roll_id):
            if v.person_id is not None and v.household_id not in households:
                households.add(v.household_id)
                chosen.append(v.person_id)
    for n, pid in enumerate(chosen[:30]):
        choice = "yes" if n < 15 else "no" if n < 25 else "blank"
        with demo.transaction() as db:  # one transaction per vote, as in real life
            p = org_service.build_principal(db, person_id=pid)
            ballots.cast(db, p, question_id=s.question_id, choice=choice, now=closes - timedelta(hours=1))
        cast.append(choice)
    assert len(cast) == 30
    with demo.transaction() as db:
        before = dict(
            db.execute(select(Ballot.id, Ballot.choice).where(Ballot.question_id == s.question_id)).all()
        )
        assert sorted(before.values()) == sorted(cast)
        if not demo.is_sqlite:
            xmins = db.scalars(
                text("SELECT DISTINCT xmin::text FROM democracy_ballot WHERE question_id = :q"),
                {"q": s.question_id},
            ).all()
            assert len(xmins) == 30  # one transaction per vote: this is what the close must erase
    with demo.transaction() as db:
        assert tally.close_question(db, s.question_id, now=closes)
    with demo.transaction() as db:
        after = db.execute(
            text("SELECT id, choice FROM democracy_ballot WHERE question_id = :q"), {"q": s.question_id}
        ).all()
        assert sorted(c for _i, c in after) == sorted(cast)  # same votes
        assert not set(before) & {i for i, _c in after}  # every id is new
        assert [c for _i, c in after] != cast  # not in the order they were cast
        if not demo.is_sqlite:
            xmins = db.scalars(
                text("SELECT DISTINCT xmin::text FROM democracy_ballot WHERE question_id = :q"),
                {"q": s.question_id},
            ).all()
            assert len(xmins) == 1  # all written by the close
        question = db.get(Question, s.question_id)
        assert question.status == "closed" and question.closed_at == closes
        assert question.result == tally.recompute(db, s.question_id)
        assert tally.published_matches(db, s.question_id)
        assert question.result["counts"] == {"yes": 7 + 15, "no": 4 + 10, "blank": 1 + 5}
        assert question.result["outcome"] == "adopted"
        # Anyone entitled can recompute from what the API lists.
        listed = ballots.stored_ballots(db, principal(db, CHAIR), s.question_id)
        assert sorted(c for _i, c in listed) == sorted(cast)


def test_a_tampered_ballot_changes_the_recount(demo: Database) -> None:
    """The check can fail: a ballot changed after the close no longer matches the published result."""
    chair = principal(demo, CHAIR)
    with demo.transaction() as db:
        s = make_meeting(db)
        closes = s.ended_at + timedelta(days=1)
        digital.open_digital(db, chair, question_id=s.question_id, closes_at=closes)
        voter = voters(db, s.roll_id)[0]
        ballots.cast(
            db,
            org_service.build_principal(db, person_id=voter.person_id),
            question_id=s.question_id,
            choice="no",
            now=closes - timedelta(minutes=5),
        )
    with demo.transaction() as db:
        assert tally.close_question(db, s.question_id, now=closes)
        assert not tally.close_question(db, s.question_id, now=closes)  # once
    with demo.transaction() as db:
        assert tally.published_matches(db, s.question_id)
        db.execute(
            text("UPDATE democracy_ballot SET choice = 'yes' WHERE question_id = :q"), {"q": s.question_id}
        )
        assert not tally.published_matches(db, s.question_id)
