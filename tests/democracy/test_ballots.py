"""Casting a vote after the meeting: who may (404 off the roll), the household's 2 units shared
across the meeting, online and letters (409 for a third), letter votes by the administration, the
reads, and issue 18's done-when end to end through the API: a household votes once at the meeting
(counted by the chair) and once online, and the third attempt is refused."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from boardkit.app import build_runner
from boardkit.config import Settings
from boardkit.core import auth
from boardkit.core.db import Database, utcnow
from boardkit.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from boardkit.core.notify import Notice, NoticeDelivery
from boardkit.democracy import ballots, digital, tally
from boardkit.democracy.models import Ballot, HouseholdUnits, Participation, Question, Roll, RollHousehold
from boardkit.meetings.minutes import service as minutes_service
from boardkit.meetings.models import Letter
from boardkit.meetings.service import AgendaItem, Meeting
from boardkit.org import service as org_service
from tests.democracy.digital_setup import (
    ADMIN,
    BEBOER,
    BEBOER2,
    CHAIR,
    engparken,
    household_of,
    make_meeting,
    person,
    principal,
    two_voter_household,
)
from tests.helpers import api_token


def _open(demo: Database, **kw: Any) -> tuple[int, int, datetime]:
    with demo.transaction() as db:
        s = make_meeting(db, **kw)
        closes = s.ended_at + timedelta(days=3)
        digital.open_digital(db, principal(db, CHAIR), question_id=s.question_id, closes_at=closes)
    return s.question_id, s.roll_id, closes


def test_only_voters_on_the_roll_may_vote(demo: Database) -> None:
    with demo.transaction() as db:  # a sub-tenant in beboer@'s home, before the roll is made
        tenancy_id = next(
            r.tenancy_id for r in person(db, BEBOER).residencies if r.role in ("tenant", "household_member")
        )
        sub = org_service.Person(name="Fremlejer Test", email="fremlejer-h3@example.org")
        db.add(sub)
        db.flush()
        db.add(org_service.Residency(person_id=sub.id, tenancy_id=tenancy_id, role="subtenant"))
        sub_id = sub.id
    question_id, _roll_id, _closes = _open(demo)
    with demo.transaction() as db:
        assert ballots.my_questions(db, principal(db, BEBOER2)) == []
        for who in (
            principal(db, BEBOER2),  # another department's resident
            org_service.build_principal(db, person_id=sub_id),  # a sub-tenant
            principal(db, ADMIN),  # staff, not on the roll
        ):
            with pytest.raises(NotFound):
                ballots.cast(db, who, question_id=question_id, choice="yes")
        with pytest.raises(NotFound):
            ballots.question_state(db, principal(db, BEBOER2), question_id)
        with pytest.raises(NotFound):  # a question that does not exist
            ballots.cast(db, principal(db, BEBOER), question_id=question_id + 10_000, choice="yes")


def test_bad_choice_and_units_are_422_and_nothing_is_spent(demo: Database) -> None:
    question_id, _roll_id, _closes = _open(demo)
    beboer = principal(demo, BEBOER)
    for kwargs in ({"choice": "maybe"}, {"choice": "yes", "units": 3}, {"choice": "yes", "units": 2}):
        with demo.transaction() as db, pytest.raises(ValidationFailed):
            ballots.cast(db, beboer, question_id=question_id, **kwargs)  # type: ignore[arg-type]
    with demo.transaction() as db:
        assert (
            db.scalar(select(func.sum(HouseholdUnits.used)).where(HouseholdUnits.question_id == question_id))
            == 0
        )


def test_two_units_then_a_third_is_409_across_channels(demo: Database) -> None:
    question_id, roll_id, _closes = _open(demo)
    with demo.transaction() as db:
        household, (first, second) = two_voter_household(db, roll_id)
        household_id = household.id
        a = org_service.build_principal(db, person_id=first)
        b = org_service.build_principal(db, person_id=second)
    with demo.transaction() as db:
        receipt = ballots.cast(db, a, question_id=question_id, choice="no")
        assert receipt.status == "registered" and receipt.message == "Din stemme er registreret"
        assert "no" not in repr(receipt)
    with demo.transaction() as db, pytest.raises(Conflict) as err:  # one person, one unit
        ballots.cast(db, a, question_id=question_id, choice="yes")
    assert err.value.code == "person_voted"
    with demo.transaction() as db:  # the other voter's unit by letter
        ballots.register_letter(
            db, principal(db, ADMIN), question_id=question_id, household_id=household_id, choices=["yes"]
        )
    with demo.transaction() as db, pytest.raises(Conflict) as err:
        ballots.cast(db, b, question_id=question_id, choice="yes")
    assert err.value.code == "units_used" and "Husstanden har brugt sine 2 stemmer" in err.value.message
    with demo.transaction() as db, pytest.raises(Conflict) as err:
        ballots.register_letter(
            db, principal(db, ADMIN), question_id=question_id, household_id=household_id, choices=["no"]
        )
    assert err.value.code == "units_used"
    with demo.transaction() as db:
        state = ballots.question_state(db, b, question_id)
        assert state.household is not None and (state.household.used, state.household.left) == (2, 0)
        assert state.result is None  # hidden until the close
        channels = dict(
            db.execute(
                select(Participation.channel, func.sum(Participation.units))
                .where(Participation.question_id == question_id)
                .group_by(Participation.channel)
            ).all()
        )
        assert channels == {"online": 1, "letter": 1}
        assert (
            db.scalar(select(func.count()).select_from(Ballot).where(Ballot.question_id == question_id)) == 2
        )


def test_letter_votes_are_for_managers_and_households_on_the_roll(demo: Database) -> None:
    question_id, roll_id, _closes = _open(demo)
    with demo.transaction() as db:
        home_id = household_of(db, roll_id, BEBOER).id
        with pytest.raises(NotFound):
            ballots.register_letter(
                db, principal(db, BEBOER), question_id=question_id, household_id=home_id, choices=["yes"]
            )
        with pytest.raises(NotFound):  # a household of another roll
            ballots.register_letter(
                db, principal(db, ADMIN), question_id=question_id, household_id=10**6, choices=["yes"]
            )
        with pytest.raises(ValidationFailed):
            ballots.register_letter(
                db, principal(db, ADMIN), question_id=question_id, household_id=home_id, choices=[]
            )


def test_one_person_both_units_when_the_organisation_allows(demo: Database) -> None:
    question_id, _roll_id, _closes = _open(demo, both_units=True)
    beboer = principal(demo, BEBOER)
    with demo.transaction() as db:
        ballots.cast(db, beboer, question_id=question_id, choice="yes", units=2)
    with demo.transaction() as db, pytest.raises(Conflict) as err:
        ballots.cast(db, beboer, question_id=question_id, choice="yes")
    assert err.value.code == "units_used"
    with demo.transaction() as db:
        mine = ballots.my_questions(db, beboer)
        assert [q.question.id for q in mine] == [question_id]
        assert mine[0].household is not None and mine[0].household.left == 0


def test_results_ballots_and_participation_after_the_close(demo: Database) -> None:
    question_id, roll_id, closes = _open(demo, meeting_counts={"yes": 2, "no": 5, "blank": 0})
    beboer = principal(demo, BEBOER)
    with demo.transaction() as db:
        ballots.cast(db, beboer, question_id=question_id, choice="yes")
        with pytest.raises(Conflict):
            ballots.stored_ballots(db, beboer, question_id)
        with pytest.raises(Conflict):
            ballots.participation_list(db, principal(db, CHAIR), question_id)
    with demo.transaction() as db:
        tally.close_job(db, {"question_id": question_id})  # not due yet: nothing
        assert db.get(Question, question_id).status == "open"
        assert tally.close_due(db, now=closes) == 1
    with demo.transaction() as db:
        state = ballots.question_state(db, beboer, question_id)
        assert state.result is not None and state.result["counts"] == {"yes": 3, "no": 5, "blank": 0}
        assert state.result["outcome"] == "rejected"
        assert [c for _i, c in ballots.stored_ballots(db, beboer, question_id)] == ["yes"]
        with pytest.raises(Forbidden):  # a voter sees the tally, not who voted
            ballots.participation_list(db, beboer, question_id)
        rows = ballots.participation_list(db, principal(db, CHAIR), question_id)
        assert [(r.channel, r.units) for r in rows] == [("online", 1)]
        assert rows[0].household_id == household_of(db, roll_id, BEBOER).id


# --- end to end through the API ---------------------------------------------------------------------


def _token(demo: Database, person_id: int) -> dict[str, str]:
    with demo.transaction() as db:
        _t, secret = auth.create_api_token(db, person_id=person_id, name="test")
    return {"Authorization": f"Bearer {secret}"}


def test_meeting_then_online_then_the_third_is_refused_through_the_api(
    demo: Database, client: TestClient
) -> None:
    """Issue 18's done-when: a household votes once at the meeting (checked in, counted by the
    chair) and once online; the third attempt is refused — every step through /api/v1."""
    chair = api_token(demo, CHAIR)
    with demo.transaction() as db:
        dept = engparken(db)
        board = db.scalar(
            select(org_service.Board).where(
                org_service.Board.department_id == dept.id, org_service.Board.kind == "department_board"
            )
        )
        starts = utcnow() - timedelta(hours=1)
        meeting = Meeting(
            board_id=board.id,
            department_id=dept.id,
            kind="ordinary_department",
            title="Afdelingsmøde (API-test)",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            status="invited",
            invited_at=starts - timedelta(days=14),
        )
        db.add(meeting)
        db.flush()
        item = AgendaItem(meeting_id=meeting.id, position=1, title="Altaner i blok B", kind="decision")
        decision = AgendaItem(meeting_id=meeting.id, position=2, title="Digital afstemning", kind="decision")
        db.add_all([item, decision])
        db.flush()
        meeting_id, item_id, decision_id = meeting.id, item.id, decision.id
    base = "/api/v1"
    r = client.post(f"{base}/meetings/{meeting_id}/roll", json={}, headers=chair)
    assert r.status_code in (200, 201), r.text
    with demo.transaction() as db:
        roll_row = db.scalar(select(Roll).where(Roll.meeting_id == meeting_id))
        roll_row.one_person_both_units = False  # whatever the organisation's setting: one each
        household, (first, second) = two_voter_household(db, roll_row.id)
        household_id = household.id
    r = client.post(f"{base}/meetings/{meeting_id}/check-ins", json={"person_id": first}, headers=chair)
    assert r.status_code in (200, 201), r.text
    r = client.post(
        f"{base}/agenda-items/{item_id}/votes",
        json={
            "kind": "proposal",
            "question": "Skal der sættes altaner op i blok B?",
            "method": "show_of_hands",
            "counts": {"for": 1, "against": 0, "blank": 0},
        },
        headers=chair,
    )
    assert r.status_code in (200, 201), r.text
    question_id = r.json()["id"]
    r = client.post(
        f"{base}/meetings/{meeting_id}/digital-decision",
        json={"agenda_item_id": decision_id, "text": "Afstemningen fortsætter digitalt."},
        headers=chair,
    )
    assert r.status_code in (200, 201), r.text
    r = client.post(f"{base}/meetings/{meeting_id}/end", json={}, headers=chair)
    assert r.status_code in (200, 201), r.text
    with demo.transaction() as db:
        ended = db.scalar(select(Roll.ended_at).where(Roll.meeting_id == meeting_id))
        ended = ballots.aware(ended)
        assert ended is not None
    late = (ended + timedelta(days=7, minutes=1)).isoformat()
    r = client.post(f"{base}/questions/{question_id}/digital", json={"closes_at": late}, headers=chair)
    assert r.status_code == 422, r.text
    closes = ended + timedelta(days=7)
    r = client.post(
        f"{base}/questions/{question_id}/digital", json={"closes_at": closes.isoformat()}, headers=chair
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "open" and r.json()["result"] is None

    a, b = _token(demo, first), _token(demo, second)
    r = client.get(f"{base}/questions/{question_id}", headers=b)
    assert r.status_code == 200 and r.json()["household"]["used"] == 1 and r.json()["household"]["left"] == 1
    r = client.post(f"{base}/ballots", json={"question_id": question_id, "choice": "yes"}, headers=b)
    assert r.status_code == 201, r.text
    assert r.json() == {"status": "registered", "message": "Din stemme er registreret"}
    for who, choice in ((a, "no"), (b, "no")):  # the third attempt, from either voter
        r = client.post(f"{base}/ballots", json={"question_id": question_id, "choice": choice}, headers=who)
        assert r.status_code == 409, r.text
        assert r.json()["error"]["code"] == "units_used"
        assert "Husstanden har brugt sine 2 stemmer" in r.json()["error"]["message"]
    r = client.post(
        f"{base}/questions/{question_id}/letter-votes",
        json={"household_id": household_id, "choices": ["no"]},
        headers=chair,
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "units_used"
    r = client.post(
        f"{base}/ballots",
        json={"question_id": question_id, "choice": "yes"},
        headers=api_token(demo, BEBOER2),
    )
    assert r.status_code == 404
    r = client.get(f"{base}/questions/{question_id}/ballots", headers=b)
    assert r.status_code == 409

    with demo.transaction() as db:
        assert tally.close_question(db, question_id, now=closes)
    r = client.get(f"{base}/questions/{question_id}", headers=a)
    assert r.status_code == 200
    assert r.json()["result"]["counts"] == {"yes": 2, "no": 0, "blank": 0}
    r = client.get(f"{base}/questions/{question_id}/ballots", headers=a)
    assert r.status_code == 200 and [i["choice"] for i in r.json()["items"]] == ["yes"]
    r = client.get(f"{base}/questions/{question_id}/participation", headers=chair)
    assert r.status_code == 200
    assert sorted(
        (i["channel"], i["units"]) for i in r.json()["items"] if i["household_id"] == household_id
    ) == [
        ("meeting", 1),
        ("online", 1),
    ]
    assert "choice" not in r.text
    r = client.post(f"{base}/ballots", json={"question_id": question_id, "choice": "yes"}, headers=a)
    assert r.status_code == 409 and r.json()["error"]["code"] == "closed"
    with demo.transaction() as db:  # the final tally is in the minutes
        minutes = minutes_service.find_minutes(db, meeting_id=meeting_id)
        assert minutes is not None
        votes = {i["agenda_item_id"]: i.get("votes") for i in minutes.content["items"]}
        assert votes[item_id] == {"for": 2, "against": 0, "blank": 0}


# --- the jobs: letters to paper households, the reminder, the close -----------------------------------


def test_letters_to_paper_households_and_one_reminder(demo: Database, settings: Settings) -> None:
    question_id, roll_id, closes = _open(demo)
    with demo.transaction() as db:
        paper = {
            h.tenancy_id
            for h in db.scalars(
                select(RollHousehold).where(RollHousehold.roll_id == roll_id, RollHousehold.paper.is_(True))
            )
        }
        assert paper
        assert digital.send_letters(db, question_id=question_id, settings=settings) == len(paper)
        letters = db.scalars(
            select(Letter).where(Letter.kind == "notice", Letter.tenancy_id.in_(paper))
        ).all()
        mine = [x for x in letters if x.content.get("notice_kind") == digital.LETTER_NOTICE]
        assert {x.tenancy_id for x in mine} == paper
        assert (
            "ved brev" in mine[0].content["body"] and "Skal der sættes altaner op" in mine[0].content["body"]
        )
    beboer = principal(demo, BEBOER)
    with demo.transaction() as db:
        ballots.cast(db, beboer, question_id=question_id, choice="yes")
    with demo.transaction() as db:  # too early: nothing
        assert (
            digital.send_reminder(
                db, question_id=question_id, settings=settings, now=closes - timedelta(days=2)
            )
            == 0
        )
        assert db.get(Question, question_id).reminded_at is None
    day_before = closes - timedelta(hours=23)
    with demo.transaction() as db:
        assert digital.remind_due(db, settings=settings, now=day_before) == 1
        assert digital.remind_due(db, settings=settings, now=day_before) == 0  # once per question
        notice = db.scalar(
            select(Notice).where(Notice.kind == digital.REMINDER_NOTICE, Notice.object_id == question_id)
        )
        assert notice is not None
        reached = set(
            db.scalars(select(NoticeDelivery.tenancy_id).where(NoticeDelivery.notice_id == notice.id))
        )
        assert not reached & paper  # households on paper are not reminded digitally
        left = set(
            db.scalars(
                select(RollHousehold.tenancy_id)
                .join(HouseholdUnits, HouseholdUnits.household_id == RollHousehold.id)
                .where(HouseholdUnits.question_id == question_id, HouseholdUnits.used >= HouseholdUnits.units)
            )
        )
        assert not reached & left  # households that used their units are not reminded


def test_the_worker_closes_a_due_vote(demo: Database, settings: Settings) -> None:
    """The close runs as the worker's jobs: a sweep every 30 s backs up the job at the moment."""
    runner = build_runner(demo, settings)
    assert runner.periodic[tally.CLOSE_SWEEP_JOB] == tally.CLOSE_SWEEP_SECONDS
    assert {tally.CLOSE_JOB, digital.LETTERS_JOB, digital.REMIND_JOB} <= set(runner.handlers)
    question_id, _roll_id, _closes = _open(demo)
    runner.run_until_idle()  # the letters; the close is not due
    with demo.transaction() as db:
        question = db.get(Question, question_id)
        assert question is not None and question.status == "open"
        question.closes_at = utcnow() - timedelta(seconds=1)  # as if the time had come
    assert tally.CLOSE_SWEEP_JOB in runner.schedule_periodic()
    runner.run_until_idle()
    with demo.transaction() as db:
        question = db.get(Question, question_id)
        assert question is not None and question.status == "closed" and question.result["total"] == 0
