"""The 7-day window of digital voting (issue 18's first done-when): accepted at exactly 7 × 24 hours
after the meeting's recorded end, refused one minute later and without a recorded decision; a vote
after the close is refused (409)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from boardkit.core.db import Database
from boardkit.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from boardkit.core.models import Job
from boardkit.democracy import ballots, digital, tally
from boardkit.democracy.models import Question
from tests.democracy.digital_setup import (
    ADMIN,
    BEBOER,
    CHAIR,
    engparken_board_member,
    make_meeting,
    principal,
)

WEEK = timedelta(days=7)


def test_accepted_at_exactly_seven_days_refused_one_minute_later(demo: Database) -> None:
    chair = principal(demo, CHAIR)
    with demo.transaction() as db:
        late = make_meeting(db)
        exact = make_meeting(db)
    with demo.transaction() as db, pytest.raises(ValidationFailed) as err:
        digital.open_digital(
            db, chair, question_id=late.question_id, closes_at=late.ended_at + WEEK + timedelta(minutes=1)
        )
    assert "7 døgn" in err.value.message and "closes_at" in err.value.fields
    with demo.transaction() as db:
        assert db.get(Question, late.question_id).status == "recorded"  # nothing changed
        question = digital.open_digital(
            db, chair, question_id=exact.question_id, closes_at=exact.ended_at + WEEK
        )
        assert question.status == "open"
        assert question.opens_at == exact.ended_at
        assert question.closes_at == exact.ended_at + WEEK
        kinds = set(db.scalars(select(Job.kind).where(Job.kind.like("democracy.%"))))
    assert {digital.LETTERS_JOB, digital.REMIND_JOB, tally.CLOSE_JOB} <= kinds
    with demo.transaction() as db, pytest.raises(Conflict):  # once only
        digital.open_digital(db, chair, question_id=exact.question_id, closes_at=exact.ended_at + WEEK)


def test_refused_without_a_recorded_decision_or_end(demo: Database) -> None:
    admin = principal(demo, ADMIN)
    with demo.transaction() as db:
        undecided = make_meeting(db, decided=False)
        unended = make_meeting(db, ended_ago=None)
    with demo.transaction() as db, pytest.raises(Conflict) as err:
        digital.open_digital(
            db, admin, question_id=undecided.question_id, closes_at=undecided.ended_at + WEEK
        )
    assert err.value.code == "no_digital_decision" and "besluttet digital afstemning" in err.value.message
    with demo.transaction() as db, pytest.raises(Conflict) as err:
        digital.open_digital(db, admin, question_id=unended.question_id, closes_at=unended.ended_at + WEEK)
    assert err.value.code == "meeting_not_ended"
    with demo.transaction() as db:
        assert db.get(Question, undecided.question_id).status == "recorded"


def test_only_managers_open_and_only_meeting_questions(demo: Database) -> None:
    with demo.transaction() as db:
        s = make_meeting(db)
    closes = s.ended_at + timedelta(days=2)
    with demo.transaction() as db, pytest.raises(NotFound):
        digital.open_digital(db, principal(db, BEBOER), question_id=s.question_id, closes_at=closes)
    with demo.transaction() as db, pytest.raises(Forbidden):
        digital.open_digital(db, engparken_board_member(db), question_id=s.question_id, closes_at=closes)
    with demo.transaction() as db:
        db.get(Question, s.question_id).kind = "urafstemning"
    with demo.transaction() as db, pytest.raises(ValidationFailed):
        digital.open_digital(db, principal(db, CHAIR), question_id=s.question_id, closes_at=closes)


def test_a_close_in_the_past_is_refused(demo: Database) -> None:
    with demo.transaction() as db:
        s = make_meeting(db, ended_ago=timedelta(days=3))
    with demo.transaction() as db, pytest.raises(ValidationFailed):
        digital.open_digital(
            db, principal(db, CHAIR), question_id=s.question_id, closes_at=s.ended_at + timedelta(days=1)
        )


def test_a_vote_after_the_close_is_409(demo: Database) -> None:
    chair, beboer = principal(demo, CHAIR), principal(demo, BEBOER)
    with demo.transaction() as db:
        s = make_meeting(db)
        closes = s.ended_at + timedelta(days=2)
        digital.open_digital(db, chair, question_id=s.question_id, closes_at=closes)
    with demo.transaction() as db, pytest.raises(Conflict) as err:
        ballots.cast(db, beboer, question_id=s.question_id, choice="yes", now=closes)
    assert err.value.code == "closed" and "Afstemningen er lukket" in err.value.message
    with demo.transaction() as db:  # one second before: accepted
        ballots.cast(db, beboer, question_id=s.question_id, choice="yes", now=closes - timedelta(seconds=1))
    with demo.transaction() as db:
        assert tally.close_question(db, s.question_id, now=closes)
    with demo.transaction() as db, pytest.raises(Conflict):  # closed: whatever the clock says
        ballots.cast(db, beboer, question_id=s.question_id, choice="no", now=closes - timedelta(hours=1))
