"""Two devices of one household voting at the same instant, 100 times over (issue 18's budget):
never more than the household's 2 units used, never a lost or extra ballot — on SQLite and
PostgreSQL, with real sessions in threads released together by a barrier."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, update

from boardkit.core.db import Database
from boardkit.core.errors import Conflict
from boardkit.core.models import AuditEntry
from boardkit.core.permissions import Principal
from boardkit.democracy import ballots, digital, roll, tally
from boardkit.democracy.models import Ballot, HouseholdUnits, Participation, Question
from boardkit.org import service as org_service
from tests.democracy.digital_setup import CHAIR, make_meeting, principal, two_voter_household, voters

pytestmark = pytest.mark.postgres
ROUNDS = 100


def _at_once(
    demo: Database, devices: list[Principal], *, question_id: int, units: int, when: datetime
) -> list[str]:
    """Each device casts ``units`` at the same instant in its own session; "ok" or the error code."""
    barrier = threading.Barrier(len(devices))
    outcome: list[str] = []
    lock = threading.Lock()

    def vote(device: Principal, choice: str) -> None:
        barrier.wait()
        try:
            with demo.transaction() as db:
                ballots.cast(db, device, question_id=question_id, choice=choice, units=units, now=when)
            result = "ok"
        except Conflict as err:
            result = err.code
        with lock:
            outcome.append(result)

    threads = [
        threading.Thread(target=vote, args=(d, c)) for d, c in zip(devices, ("yes", "no"), strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcome


def test_two_devices_at_the_same_instant_never_use_a_third_unit(demo: Database) -> None:
    with demo.transaction() as db:
        s = make_meeting(db, both_units=True)
        closes = s.ended_at + timedelta(days=2)
        digital.open_digital(db, principal(db, CHAIR), question_id=s.question_id, closes_at=closes)
        household, (first, second) = two_voter_household(db, s.roll_id)
        household_id = household.id
        devices = [org_service.build_principal(db, person_id=pid) for pid in (first, second)]
    when = closes - timedelta(hours=1)

    for n in range(ROUNDS):
        # Even rounds: nothing used yet and each device puts both units on its ballot. Odd rounds:
        # the household used one unit at the meeting and each device casts one.
        already, units = (0, 2) if n % 2 == 0 else (1, 1)
        with demo.transaction() as db:
            db.execute(delete(Ballot).where(Ballot.question_id == s.question_id))
            db.execute(delete(Participation).where(Participation.question_id == s.question_id))
            db.execute(
                update(HouseholdUnits)
                .where(
                    HouseholdUnits.question_id == s.question_id, HouseholdUnits.household_id == household_id
                )
                .values(used=already)
            )
        outcome = _at_once(demo, devices, question_id=s.question_id, units=units, when=when)
        assert sorted(outcome) == ["ok", "units_used"], (n, outcome)
        with demo.transaction() as db:
            used = db.scalar(
                select(HouseholdUnits.used).where(
                    HouseholdUnits.question_id == s.question_id, HouseholdUnits.household_id == household_id
                )
            )
            stored = db.scalar(
                select(func.count()).select_from(Ballot).where(Ballot.question_id == s.question_id)
            )
            registered = db.scalar(
                select(func.coalesce(func.sum(Participation.units), 0)).where(
                    Participation.question_id == s.question_id
                )
            )
        assert used == 2, (n, used)
        assert stored == registered == units, (n, stored, registered)


def test_two_workers_closing_at_once_publish_one_result(demo: Database) -> None:
    with demo.transaction() as db:
        s = make_meeting(db, meeting_counts={"yes": 3, "no": 2, "blank": 0})
        closes = s.ended_at + timedelta(days=1)
        digital.open_digital(db, principal(db, CHAIR), question_id=s.question_id, closes_at=closes)
        voter_ids = [v.person_id for v in voters(db, s.roll_id) if v.person_id is not None]
    voted = 0
    seen: set[int] = set()
    for pid in voter_ids:
        with demo.transaction() as db:
            voter = roll.voter_for(db, s.roll_id, pid)
            if voter is None or voter.household_id in seen:
                continue
            seen.add(voter.household_id)
            device = org_service.build_principal(db, person_id=pid)
            ballots.cast(
                db, device, question_id=s.question_id, choice="no", now=closes - timedelta(minutes=1)
            )
        voted += 1
        if voted == 6:
            break
    barrier = threading.Barrier(2)
    won: list[bool] = []

    def close() -> None:
        barrier.wait()
        with demo.transaction() as db:
            won.append(tally.close_question(db, s.question_id, now=closes))

    threads = [threading.Thread(target=close) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(won) == [False, True], won
    with demo.transaction() as db:
        question = db.get(Question, s.question_id)
        assert question.status == "closed"
        assert question.result["counts"] == {"yes": 3, "no": 2 + 6, "blank": 0}
        assert question.result == tally.recompute(db, s.question_id)
        assert (
            db.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "democracy.close", AuditEntry.object_id == s.question_id)
            )
            == 1
        )
