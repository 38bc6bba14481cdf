"""The demo's resident democracy (``boardkit demo``): Engparken's spring meeting has its roll, the
check-ins its minutes state and its counted votes; yesterday's extraordinary department meeting
has a roll, check-ins, counted votes that reached its minutes, its recorded end and digital
decision, and a digital vote open until a date in the near future on which beboer@ has not voted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from boardkit import migrate
from boardkit.core.db import Database, utcnow
from boardkit.core.storage import FileStore
from boardkit.demo import RESIDENT_EMAIL, load_demo
from boardkit.demo.accounts import TZ
from boardkit.democracy import roll, service
from boardkit.democracy.ballots import aware
from boardkit.democracy.models import (
    Ballot,
    CheckIn,
    HouseholdUnits,
    Participation,
    Question,
    Roll,
    RollVoter,
)
from boardkit.meetings.models import Meeting, Minutes
from boardkit.org import service as org_service
from boardkit.org.models import Person


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """The full demo, as ``boardkit demo`` loads it (with a file store)."""
    tmp: Path = tmp_path_factory.mktemp("democracy-demo")
    url = f"sqlite:///{tmp / 'demo.sqlite3'}"
    migrate.upgrade(url)
    db = Database(url)
    with db.transaction() as s:
        load_demo(s, seed=1, store=FileStore(tmp / "files"))
    yield db
    db.dispose()


def test_a_digital_vote_is_open_until_the_near_future_and_beboer_has_not_voted(demo_db: Database) -> None:
    with demo_db.transaction(readonly=True) as s:
        (question,) = s.scalars(select(Question).where(Question.status == "open")).all()
        the_roll = s.get(Roll, question.roll_id)
        assert the_roll is not None and question.meeting_id == the_roll.meeting_id
        meeting = s.get(Meeting, question.meeting_id)
        assert meeting is not None and meeting.kind == "extraordinary_department"
        now = utcnow()
        ended, closes = aware(the_roll.ended_at), aware(question.closes_at)
        assert ended is not None and closes is not None
        assert now - timedelta(days=2) < ended < now  # held yesterday evening
        assert the_roll.digital_decided_at is not None
        assert aware(question.opens_at) == ended
        assert now + timedelta(days=3) < closes <= ended + timedelta(days=7)  # open for days yet, legally
        assert question.text.startswith("Forslag 1") and question.meeting_counts

        resident = s.scalar(select(Person).where(Person.email == RESIDENT_EMAIL))
        assert resident is not None
        voter = roll.voter_for(s, the_roll.id, resident.id)
        assert voter is not None  # on the roll
        assert s.scalar(select(CheckIn.id).where(CheckIn.household_id == voter.household_id)) is None
        units = s.get(HouseholdUnits, (question.id, voter.household_id))
        assert units is not None and units.used == 0 and units.units == 2
        assert (
            s.scalar(
                select(Participation.id).where(
                    Participation.question_id == question.id, Participation.household_id == voter.household_id
                )
            )
            is None
        )
        principal = org_service.build_principal(s, person_id=resident.id)
        assert [v.question.id for v in service.open_votes(s, principal)] == [question.id]


def test_rolls_check_ins_and_counted_votes_reach_the_minutes(demo_db: Database) -> None:
    with demo_db.transaction(readonly=True) as s:
        rolls = {r.meeting_id or 0: r for r in s.scalars(select(Roll))}
        meetings = {m.id: m for m in s.scalars(select(Meeting).where(Meeting.id.in_(list(rolls))))}
        assert sorted(m.kind for m in meetings.values()) == [
            "extraordinary_department",
            "ordinary_department",
        ]
        for meeting_id, the_roll in rolls.items():
            meeting = meetings[meeting_id]
            assert the_roll.households and the_roll.ended_at is not None
            assert the_roll.reference_date == meeting.invited_at.astimezone(TZ).date()  # type: ignore[union-attr]
            seen = roll.attendance(s, the_roll)
            per_household = Counter(
                s.scalars(select(CheckIn.household_id).where(CheckIn.roll_id == the_roll.id))
            )
            assert seen.households_represented == len(per_household) > 30
            assert 2 in per_household.values() and 1 in per_household.values()  # some came both
            counted = list(s.scalars(select(Question).where(Question.roll_id == the_roll.id)))
            assert len(counted) == 2
            for question in counted:
                assert question.units_present == seen.units_present
                assert sum(question.meeting_counts.values()) <= question.units_present
                used = s.scalar(
                    select(func.sum(HouseholdUnits.used)).where(HouseholdUnits.question_id == question.id)
                )
                spent = s.scalar(
                    select(func.sum(Participation.units)).where(Participation.question_id == question.id)
                )
                online = s.scalar(
                    select(func.coalesce(func.sum(Participation.units), 0)).where(
                        Participation.question_id == question.id, Participation.channel != "meeting"
                    )
                )
                stored = s.scalar(
                    select(func.count()).select_from(Ballot).where(Ballot.question_id == question.id)
                )
                assert used == spent == seen.units_present + (online or 0)
                assert stored == online
            if meeting.kind == "ordinary_department":  # as its published minutes state
                assert (seen.residents_present, seen.households_represented) == (84, 61)
            else:
                minutes = s.scalar(select(Minutes).where(Minutes.meeting_id == meeting.id))
                assert minutes is not None
                assert minutes.content["residents_present"] == seen.residents_present
                assert minutes.content["households_represented"] == seen.households_represented
                votes = [i.get("votes") for i in minutes.content["items"] if i.get("votes")]
                assert len(votes) == 2
        # the people checked in are voters on the roll
        assert s.scalar(
            select(func.count()).select_from(CheckIn).join(RollVoter, RollVoter.id == CheckIn.voter_id)
        ) == s.scalar(select(func.count()).select_from(CheckIn))
