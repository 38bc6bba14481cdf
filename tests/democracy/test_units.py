"""The roll's snapshot and the one primitive that spends a household's units."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from boardkit.core.db import Database
from boardkit.core.errors import Conflict
from boardkit.democracy import ballots, roll
from boardkit.democracy.models import (
    Ballot,
    HouseholdUnits,
    Participation,
    Question,
    RollHousehold,
    RollVoter,
)
from boardkit.org import service as org_service
from boardkit.org.periods import today


def engparken(db) -> org_service.Department:  # type: ignore[no-untyped-def]
    return db.scalar(select(org_service.Department).where(org_service.Department.name == "Engparken"))


def test_roll_snapshot_and_units(demo: Database) -> None:
    with demo.transaction() as db:
        dept = engparken(db)
        r = roll.make_roll(
            db, organisation_id=dept.organisation_id, department_id=dept.id, reference_date=today()
        )
        households = db.scalars(select(RollHousehold).where(RollHousehold.roll_id == r.id)).all()
        assert 100 <= len(households) <= 140
        assert any(h.paper for h in households) and not all(h.paper for h in households)
        beboer = db.scalar(
            select(org_service.Person).where(org_service.Person.email == "beboer@demo.boardkit.dk")
        )
        voter = roll.voter_for(db, r.id, beboer.id)
        assert voter is not None and voter.name == beboer.name
        other = db.scalar(
            select(org_service.Person).where(org_service.Person.email == "beboer2@demo.boardkit.dk")
        )
        assert roll.voter_for(db, r.id, other.id) is None  # Søbakken's resident
        q = Question(
            organisation_id=r.organisation_id,
            department_id=r.department_id,
            roll_id=r.id,
            text="Forslag 1",
            status="open",
        )
        db.add(q)
        db.flush()
        ballots.ensure_units(db, q)
        ballots.ensure_units(db, q)  # idempotent
        assert db.scalar(
            select(func.count()).select_from(HouseholdUnits).where(HouseholdUnits.question_id == q.id)
        ) == len(households)
        hid = voter.household_id
        ballots.use_units(
            db, question=q, household_id=hid, choices=["yes"], channel="online", person_id=beboer.id
        )
        ballots.use_units(db, question=q, household_id=hid, choices=["no"], channel="letter")
        with pytest.raises(Conflict) as err:
            ballots.use_units(db, question=q, household_id=hid, choices=["yes"], channel="online")
        assert err.value.code == "units_used"
        assert db.scalar(select(func.count()).select_from(Ballot).where(Ballot.question_id == q.id)) == 2
        assert db.scalar(select(func.sum(Participation.units)).where(Participation.question_id == q.id)) == 2
        assert (
            db.scalar(select(func.count()).select_from(RollVoter).where(RollVoter.person_id == other.id)) == 0
        )
