"""Votes counted at the department meeting, elections, the meeting's end and its decision to vote
digitally, and what of it reaches the minutes and the decision register (issue 18)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from boardkit.core.db import Database, utcnow
from boardkit.core.errors import AppError, Conflict, Forbidden, NotFound, ValidationFailed
from boardkit.core.templating import TZ
from boardkit.democracy import ballots, questions
from boardkit.democracy import roll as rolls
from boardkit.democracy.models import (
    CheckIn,
    HouseholdUnits,
    Participation,
    Question,
    Roll,
    RollHousehold,
)
from boardkit.meetings.minutes import service as minutes_service
from boardkit.meetings.models import AgendaItem, Decision, Meeting, Minutes
from boardkit.org import service as org_service
from boardkit.org.models import Person
from tests.helpers import api_token, csrf_from, login_as
from tests.meetings.meeting_env import ADMIN, CHAIR, RESIDENT, TREASURER
from tests.meetings.minutes.election_env import residents_of
from tests.meetings.minutes.minutes_env import held_department_meeting


@dataclass(frozen=True)
class Env:
    meeting_id: int
    items: list[int]  # the meeting's agenda items by position
    roll_id: int
    full: list[int]  # households with both voters checked in
    half: int  # a household of two voters with one checked in
    absent: int  # a household nobody came from
    candidates: list[int]  # people on the roll (not checked in, it does not matter)
    people: dict[str, int]


def setup(db: Database, *, present: bool = True) -> Env:
    """An ordinary department meeting of Engparken held 3 days ago with its roll: two households
    with both voters present, one with one of its two voters present (5 units present)."""
    meeting_id = held_department_meeting(db)
    with db.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        roll = rolls.make_roll(
            s,
            organisation_id=meeting.board.organisation_id,
            department_id=int(meeting.department_id or meeting.board.department_id or 0),
            reference_date=meeting.starts_at.astimezone(TZ).date(),
            meeting_id=meeting_id,
        )
        pairs = [h for h in roll.households if len(h.voters) >= 2]
        singles = [h for h in roll.households if h not in pairs[:3]]
        assert len(pairs) >= 3 and singles
        if present:
            for h in pairs[:2]:
                for v in h.voters[:2]:
                    s.add(CheckIn(roll_id=roll.id, household_id=h.id, voter_id=v.id))
            s.add(CheckIn(roll_id=roll.id, household_id=pairs[2].id, voter_id=pairs[2].voters[0].id))
        candidates = [v.person_id for h in roll.households for v in h.voters if v.person_id][:5]
        items = list(
            s.scalars(
                select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.position)
            )
        )
        people = {str(email): pid for email, pid in s.execute(select(Person.email, Person.id))}
        return Env(
            meeting_id,
            items,
            roll.id,
            [pairs[0].id, pairs[1].id],
            pairs[2].id,
            singles[-1].id,
            [c for c in candidates if c is not None],
            people,
        )


def record(db: Database, env: Env, email: str, item: int, data: Any) -> int:
    with db.transaction() as s:
        principal = org_service.build_principal(s, person_id=env.people[email])
        return questions.record_vote(s, principal, agenda_item_id=item, data=data).id


def content(db: Database, meeting_id: int) -> dict[str, Any]:
    with db.transaction(readonly=True) as s:
        minutes = s.scalar(select(Minutes).where(Minutes.meeting_id == meeting_id))
        assert minutes is not None
        return dict(minutes.content)


def item_of(content: dict[str, Any], item_id: int) -> dict[str, Any]:
    return next(i for i in content["items"] if i["agenda_item_id"] == item_id)


def vote(f: int, a: int, b: int, text: str = "Skal forslaget om hønsehold vedtages?") -> questions.VoteInput:
    return questions.VoteInput(question=text, method="show_of_hands", votes_for=f, against=a, blank=b)


# --- counts -------------------------------------------------------------------------------------


def test_counts_larger_than_the_units_present_are_refused(demo: Database) -> None:
    env = setup(demo)
    with pytest.raises(ValidationFailed) as caught:
        record(demo, env, CHAIR, env.items[3], vote(3, 2, 1))
    assert caught.value.status == 422
    assert "(5)" in caught.value.fields["counts"]
    with pytest.raises(ValidationFailed):
        record(demo, env, CHAIR, env.items[3], vote(-1, 0, 0))
    with demo.transaction(readonly=True) as s:
        assert s.scalar(select(func.count(Question.id))) == 0  # nothing half saved
    record(demo, env, CHAIR, env.items[3], vote(3, 1, 1))  # exactly the units present


def test_nobody_checked_in_is_refused(demo: Database) -> None:
    env = setup(demo, present=False)
    with pytest.raises(ValidationFailed):
        record(demo, env, CHAIR, env.items[3], vote(0, 0, 0))


@pytest.mark.postgres
def test_a_household_with_one_member_present_has_one_unit_left(demo: Database) -> None:
    env = setup(demo)
    qid = record(demo, env, CHAIR, env.items[3], vote(3, 1, 1))
    with demo.transaction() as s:
        HU = HouseholdUnits
        used = dict(s.execute(select(HU.household_id, HU.used).where(HU.question_id == qid)).all())
        on_roll = s.scalar(select(func.count(RollHousehold.id)).where(RollHousehold.roll_id == env.roll_id))
        assert len(used) == on_roll  # a row for every household on the roll
        assert used[env.half] == 1 and used[env.full[0]] == used[env.full[1]] == 2 and used[env.absent] == 0
        rows = s.execute(
            select(Participation.household_id, Participation.units, Participation.channel).where(
                Participation.question_id == qid
            )
        ).all()
        assert sorted(rows) == sorted(
            [(env.full[0], 2, "meeting"), (env.full[1], 2, "meeting"), (env.half, 1, "meeting")]
        )
        question = s.get(Question, qid)
        assert question is not None
        assert question.meeting_counts == {"yes": 3, "no": 1, "blank": 1} and question.units_present == 5
        assert question.counted_at is not None and question.status == "recorded"
        # The half-present household votes its last unit online; a third is refused.
        ballots.use_units(s, question=question, household_id=env.half, choices=["yes"], channel="online")
    with demo.transaction() as s:
        question = s.get(Question, qid)
        assert question is not None
        with pytest.raises(Conflict):
            ballots.use_units(s, question=question, household_id=env.half, choices=["no"], channel="online")


@pytest.mark.postgres
def test_a_correction_starts_over_and_is_refused_once_digital_voting_opened(demo: Database) -> None:
    env = setup(demo)
    qid = record(demo, env, CHAIR, env.items[3], vote(3, 1, 1))
    assert record(demo, env, ADMIN, env.items[3], vote(1, 3, 0)) == qid
    with demo.transaction() as s:
        assert s.scalar(select(func.count(Participation.id)).where(Participation.question_id == qid)) == 3
        assert s.scalar(select(func.sum(HouseholdUnits.used)).where(HouseholdUnits.question_id == qid)) == 5
        s.execute(update(Question).where(Question.id == qid).values(status="open"))
    with pytest.raises(Conflict):
        record(demo, env, CHAIR, env.items[3], vote(2, 2, 1))


# --- the minutes and the register ----------------------------------------------------------------


@pytest.mark.postgres
def test_the_minutes_get_attendance_votes_and_the_decision_without_retyping(demo: Database) -> None:
    env = setup(demo)
    record(demo, env, CHAIR, env.items[3], vote(3, 1, 1))
    got = content(demo, env.meeting_id)
    assert got["residents_present"] == 5 and got["households_represented"] == 3
    entry = item_of(got, env.items[3])
    assert entry["votes"] == {"for": 3, "against": 1, "blank": 1}
    assert entry["decision"] == "Forslaget blev vedtaget med 3 stemmer for, 1 imod og 1 blanke."
    # The minute taker writes around it; a correction replaces the sentence, not their words.
    with demo.transaction() as s:
        minutes = s.scalar(select(Minutes).where(Minutes.meeting_id == env.meeting_id))
        assert minutes is not None
        c = dict(minutes.content)
        c["items"] = [
            {**i, "decision": "Mødet drøftede hønsene.\n" + i["decision"]}
            if i["agenda_item_id"] == env.items[3]
            else i
            for i in c["items"]
        ]
        minutes.content = c
    record(demo, env, CHAIR, env.items[3], vote(1, 2, 2))
    entry = item_of(content(demo, env.meeting_id), env.items[3])
    assert entry["votes"] == {"for": 1, "against": 2, "blank": 2}
    assert entry["decision"] == (
        "Mødet drøftede hønsene.\nForslaget blev forkastet med 1 stemme for, 2 imod og 2 blanke."
    )
    # Approved, the decision register shows the result.
    with demo.transaction() as s:
        meeting = s.get(Meeting, env.meeting_id)
        minutes = s.scalar(select(Minutes).where(Minutes.meeting_id == env.meeting_id))
        assert meeting is not None and minutes is not None
        minutes.status = "approved"
        minutes_service.sync_decisions(s, meeting=meeting, minutes=minutes)
        decision = s.scalar(select(Decision).where(Decision.agenda_item_id == env.items[3]))
        assert decision is not None
        assert decision.votes == {"for": 1, "against": 2, "blank": 2}
        assert "forkastet" in decision.text
    # Approved minutes are left alone.
    record(demo, env, CHAIR, env.items[3], vote(2, 2, 1))
    kept = item_of(content(demo, env.meeting_id), env.items[3])
    assert kept["votes"] == {"for": 1, "against": 2, "blank": 2}


def test_submitted_minutes_get_a_new_version(demo: Database) -> None:
    env = setup(demo)
    record(demo, env, CHAIR, env.items[3], vote(3, 1, 1))
    with demo.transaction() as s:
        s.execute(update(Minutes).where(Minutes.meeting_id == env.meeting_id).values(status="submitted"))
    record(demo, env, CHAIR, env.items[4], vote(0, 4, 1))
    with demo.transaction(readonly=True) as s:
        minutes = s.scalar(select(Minutes).where(Minutes.meeting_id == env.meeting_id))
        assert minutes is not None and minutes.version == 2 and minutes.status == "submitted"
    added = item_of(content(demo, env.meeting_id), env.items[4])
    assert added["votes"] == {"for": 0, "against": 4, "blank": 1}


def test_a_digital_tally_replaces_the_meeting_count_and_the_form_accepts_it(demo: Database) -> None:
    env = setup(demo)
    qid = record(demo, env, CHAIR, env.items[3], vote(3, 1, 1))
    with demo.transaction() as s:
        question = s.get(Question, qid)
        assert question is not None
        assert questions.result_to_minutes(s, question, {"yes": 40, "no": 41, "blank": 3})
    entry = item_of(content(demo, env.meeting_id), env.items[3])
    assert entry["votes"] == {"for": 40, "against": 41, "blank": 3}
    assert entry["decision"] == "Forslaget blev forkastet med 40 stemmer for, 41 imod og 3 blanke."
    # Saving the minutes' form again keeps the digital count (more than the households present).
    with demo.transaction() as s:
        meeting = s.get(Meeting, env.meeting_id)
        assert meeting is not None
        principal = org_service.build_principal(s, person_id=env.people[CHAIR])
        data = minutes_service.MinutesInput(
            residents_present=5,
            households_represented=3,
            items=[minutes_service.ItemInput(env.items[3], decision=entry["decision"], votes=entry["votes"])],
        )
        minutes_service.save_minutes(s, principal=principal, meeting=meeting, data=data)
        data.items[0].votes = {"for": 41, "against": 41, "blank": 3}  # a typed count is still judged
        with pytest.raises(ValidationFailed):
            minutes_service.save_minutes(s, principal=principal, meeting=meeting, data=data)


# --- elections ----------------------------------------------------------------------------------


def election(env: Env, counts: list[int], **extra: Any) -> questions.ElectionVoteInput:
    return questions.ElectionVoteInput(
        question="Valg af to bestyrelsesmedlemmer og en suppleant",
        method="written",
        candidates=[questions.CandidateInput(p, n) for p, n in zip(env.candidates, counts, strict=False)],
        blank=extra.pop("blank", 0),
        seats=extra.pop("seats", 2),
        substitutes=extra.pop("substitutes", 1),
        **extra,
    )


@pytest.mark.postgres
def test_the_election_result_reaches_the_minutes_election_block(demo: Database) -> None:
    env = setup(demo)
    with pytest.raises(ValidationFailed) as caught:
        record(demo, env, CHAIR, env.items[7], election(env, [6, 3, 2, 1]))
    assert "candidates.0.votes" in caught.value.fields
    qid = record(demo, env, CHAIR, env.items[7], election(env, [2, 5, 4, 1], blank=1))
    with demo.transaction(readonly=True) as s:
        meeting = s.get(Meeting, env.meeting_id)
        question = s.get(Question, qid)
        assert meeting is not None and question is not None
        year = meeting.starts_at.astimezone(TZ).year
        assert question.kind == "election" and question.seats == 2
        assert question.meeting_counts[f"p{env.candidates[1]}"] == 5
    got = content(demo, env.meeting_id)["election"]
    assert [e["person_id"] for e in got["elected"]] == [env.candidates[1], env.candidates[2]]
    assert {e["until_year"] for e in got["elected"]} == {year + 2}
    assert [(x["person_id"], x["order"], x["until_year"]) for x in got["substitutes"]] == [
        (env.candidates[0], 1, year + 1)
    ]
    decision = item_of(content(demo, env.meeting_id), env.items[7])["decision"]
    assert decision.startswith("Valgt ved afstemning: ") and "(5 stemmer)" in decision
    assert "Suppleanter: 1." in decision


def test_an_election_candidate_must_be_on_the_roll(demo: Database) -> None:
    env = setup(demo)
    with demo.transaction(readonly=True) as s:
        stranger = residents_of(s, "Søbakken")[0]
    data = election(env, [1, 1])
    data.candidates.append(questions.CandidateInput(stranger, 1))
    with pytest.raises(ValidationFailed) as caught:
        record(demo, env, CHAIR, env.items[7], data)
    assert "candidates.2.person_id" in caught.value.fields


# --- the meeting's end and the digital decision ---------------------------------------------------


def principal_of(s: Any, env: Env, email: str) -> Any:
    return org_service.build_principal(s, person_id=env.people[email])


def test_the_meeting_end_is_not_before_the_start_nor_in_the_future(demo: Database) -> None:
    env = setup(demo)
    with demo.transaction() as s:
        meeting = s.get(Meeting, env.meeting_id)
        assert meeting is not None
        for wrong in (meeting.starts_at - timedelta(minutes=1), utcnow() + timedelta(hours=1)):
            with pytest.raises(ValidationFailed):
                questions.end_meeting(s, principal_of(s, env, CHAIR), meeting, ended_at=wrong)
        at = meeting.starts_at + timedelta(hours=2, minutes=15)
        questions.end_meeting(s, principal_of(s, env, CHAIR), meeting, ended_at=at)
    with demo.transaction(readonly=True) as s:
        roll = s.get(Roll, env.roll_id)
        assert roll is not None and roll.ended_at == at
    got = content(demo, env.meeting_id)
    assert got["residents_present"] == 5 and got["households_represented"] == 3


def test_the_digital_decision_is_recorded_and_both_lock_once_digital_voting_opened(demo: Database) -> None:
    env = setup(demo)
    with demo.transaction() as s:
        meeting = s.get(Meeting, env.meeting_id)
        assert meeting is not None
        chair = principal_of(s, env, CHAIR)
        with pytest.raises(ValidationFailed):
            questions.record_digital_decision(s, chair, meeting, text="  ")
        with pytest.raises(ValidationFailed):
            questions.record_digital_decision(s, chair, meeting, agenda_item_id=10**6, text="Ja")
        text = "Mødet besluttede at fortsætte afstemningen om punkt 4 digitalt i 7 dage."
        questions.record_digital_decision(s, chair, meeting, agenda_item_id=env.items[1], text=text)
        questions.end_meeting(s, chair, meeting)
    with demo.transaction(readonly=True) as s:
        roll = s.get(Roll, env.roll_id)
        assert roll is not None and roll.digital_decided_at is not None
        assert roll.digital_decision_item_id == env.items[1] and roll.digital_decision_text == text
    assert item_of(content(demo, env.meeting_id), env.items[1])["decision"] == text
    qid = record(demo, env, CHAIR, env.items[3], vote(3, 1, 1))
    with demo.transaction() as s:
        s.execute(update(Question).where(Question.id == qid).values(status="open"))
    with demo.transaction() as s:
        meeting = s.get(Meeting, env.meeting_id)
        assert meeting is not None
        with pytest.raises(Conflict):
            questions.end_meeting(s, principal_of(s, env, CHAIR), meeting)
        with pytest.raises(Conflict):
            questions.record_digital_decision(s, principal_of(s, env, CHAIR), meeting, text="Nej")


# --- permissions --------------------------------------------------------------------------------


def test_a_resident_gets_404_and_a_board_member_403(demo: Database) -> None:
    env = setup(demo)
    for email, error in ((RESIDENT, NotFound), (TREASURER, Forbidden)):
        with pytest.raises(error):
            record(demo, env, email, env.items[3], vote(1, 0, 0))
        with demo.transaction() as s:
            meeting = s.get(Meeting, env.meeting_id)
            assert meeting is not None
            with pytest.raises(error):
                questions.end_meeting(s, principal_of(s, env, email), meeting)
            with pytest.raises(error):
                questions.record_digital_decision(s, principal_of(s, env, email), meeting, text="Ja")


def test_no_roll_is_409(demo: Database) -> None:
    meeting_id = held_department_meeting(demo)
    with demo.transaction() as s:
        item = s.scalar(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id).limit(1))
        chair = s.scalar(select(Person.id).where(Person.email == CHAIR))
        assert item is not None and chair is not None
        with pytest.raises(AppError) as caught:
            questions.record_vote(
                s, org_service.build_principal(s, person_id=chair), agenda_item_id=item, data=vote(1, 0, 0)
            )
        assert caught.value.status == 409


# --- the API ------------------------------------------------------------------------------------


def test_the_api_records_votes_the_end_and_the_digital_decision(client: TestClient, demo: Database) -> None:
    env = setup(demo)
    chair = api_token(demo, CHAIR)
    url = f"/api/v1/agenda-items/{env.items[3]}/votes"
    body: dict[str, Any] = {
        "question": "Skal forslaget om hønsehold vedtages?",
        "method": "show_of_hands",
        "counts": {"for": 3, "against": 2, "blank": 1},
    }
    r = client.post(url, json=body, headers=chair)
    assert r.status_code == 422, r.text
    assert "(5)" in r.json()["error"]["fields"]["counts"]
    r = client.post(url, json={**body, "counts": {"for": 3, "against": 1, "blank": 1}}, headers=chair)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["status"] == "recorded" and got["units_present"] == 5 and got["kind"] == "proposal"
    assert got["counts"] == {"for": 3, "against": 1, "blank": 1}
    for email, status in ((RESIDENT, 404), (TREASURER, 403)):
        r = client.post(url, json=body, headers=api_token(demo, email))
        assert r.status_code == status, (email, r.text)
    r = client.post(
        f"/api/v1/agenda-items/{env.items[7]}/votes",
        json={
            "kind": "election",
            "question": "Valg af to medlemmer og en suppleant",
            "method": "written",
            "candidates": [
                {"person_id": p, "votes": n} for p, n in zip(env.candidates, [2, 5, 4, 1], strict=False)
            ],
            "blank": 1,
            "seats": 2,
            "substitutes": 1,
        },
        headers=chair,
    )
    assert r.status_code == 200, r.text
    result = r.json()["election"]
    assert [e["person_id"] for e in result["elected"]] == [env.candidates[1], env.candidates[2]]
    assert [s["person_id"] for s in result["substitutes"]] == [env.candidates[0]] and not result["tie"]
    meeting = f"/api/v1/meetings/{env.meeting_id}"
    r = client.post(f"{meeting}/digital-decision", json={"text": " "}, headers=chair)
    assert r.status_code == 422 and "text" in r.json()["error"]["fields"]
    r = client.post(
        f"{meeting}/digital-decision",
        json={"agenda_item_id": env.items[1], "text": "Afstemningen fortsætter digitalt i 7 dage."},
        headers=chair,
    )
    assert r.status_code == 200, r.text
    assert r.json()["digital_decision_item_id"] == env.items[1] and r.json()["digital_decided_at"]
    r = client.post(f"{meeting}/end", json={"ended_at": "2000-01-01T20:00:00+01:00"}, headers=chair)
    assert r.status_code == 422 and "ended_at" in r.json()["error"]["fields"]
    r = client.post(f"{meeting}/end", headers=chair)
    assert r.status_code == 200, r.text
    assert r.json()["ended_at"] and r.json()["residents_present"] == 5
    r = client.get(f"{meeting}/votes", headers=chair)
    assert r.status_code == 200 and len(r.json()["questions"]) == 2
    assert client.get(f"{meeting}/votes", headers=api_token(demo, RESIDENT)).status_code == 404


# --- the pages ----------------------------------------------------------------------------------


def test_the_chairs_page_records_votes_and_shows_errors_in_the_form(
    client: TestClient, demo: Database
) -> None:
    env = setup(demo)
    login_as(client, demo, CHAIR)
    meeting_page = client.get(f"/meetings/{env.meeting_id}")
    assert f"/meetings/{env.meeting_id}/votes" in meeting_page.text
    r = client.get(f"/meetings/{env.meeting_id}/votes")
    assert r.status_code == 200, r.text
    assert "Stemmer til stede nu" in r.text and "Mødet er slut" in r.text
    csrf = csrf_from(r.text)
    iid = env.items[3]
    form = {
        "csrf_token": csrf,
        f"kind-{iid}": "proposal",
        f"question-{iid}": "Skal der holdes høns i gården?",
        f"method-{iid}": "show_of_hands",
        f"for-{iid}": "4",
        f"against-{iid}": "2",
        f"blank-{iid}": "0",
    }
    url = f"/meetings/{env.meeting_id}/votes/items/{iid}"
    r = client.post(url, data=form, follow_redirects=False)
    assert r.status_code == 422, r.text
    assert "Der er flere stemmer end de fremmødte husstandes stemmer (5)" in r.text
    assert "Skal der holdes høns i gården?" in r.text  # nothing typed is lost
    r = client.post(url, data={**form, f"for-{iid}": "abc"}, follow_redirects=False)
    assert r.status_code == 422 and "Skriv et helt tal fra 0 og op." in r.text
    r = client.post(url, data={**form, f"for-{iid}": "3"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert item_of(content(demo, env.meeting_id), iid)["votes"] == {"for": 3, "against": 2, "blank": 0}
    # An election through the page, with a candidate counted above the units present.
    eid = env.items[7]
    election_form = {
        "csrf_token": csrf,
        f"kind-{eid}": "election",
        f"question-{eid}": "Valg af et medlem",
        f"method-{eid}": "written",
        f"cand-{eid}-0": str(env.candidates[0]),
        f"cvotes-{eid}-0": "9",
        f"cand-{eid}-2": str(env.candidates[1]),
        f"cvotes-{eid}-2": "2",
        f"seats-{eid}": "1",
        f"subs-{eid}": "1",
    }
    r = client.post(
        f"/meetings/{env.meeting_id}/votes/items/{eid}", data=election_form, follow_redirects=False
    )
    assert r.status_code == 422 and f'id="cvotes-{eid}-0-error"' in r.text
    election_form[f"cvotes-{eid}-0"] = "4"
    r = client.post(
        f"/meetings/{env.meeting_id}/votes/items/{eid}", data=election_form, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    assert [e["person_id"] for e in content(demo, env.meeting_id)["election"]["elected"]] == [
        env.candidates[0]
    ]
    r = client.post(
        f"/meetings/{env.meeting_id}/votes/digital",
        data={"csrf_token": csrf, "digital_text": ""},
        follow_redirects=False,
    )
    assert r.status_code == 422 and "Skriv mødets beslutning om digital afstemning." in r.text
    r = client.post(
        f"/meetings/{env.meeting_id}/votes/end",
        data={"csrf_token": csrf, "ended_at": "2000-01-01T21:00"},
        follow_redirects=False,
    )
    assert r.status_code == 422 and "Mødet kan ikke slutte, før det begyndte." in r.text
    r = client.post(
        f"/meetings/{env.meeting_id}/votes/end", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    assert "Mødet sluttede" in client.get(f"/meetings/{env.meeting_id}/votes").text


def test_the_votes_page_is_404_for_residents_and_403_for_board_members(
    client: TestClient, demo: Database
) -> None:
    env = setup(demo)
    login_as(client, demo, RESIDENT)
    assert client.get(f"/meetings/{env.meeting_id}/votes").status_code == 404
    login_as(client, demo, TREASURER)
    assert client.get(f"/meetings/{env.meeting_id}/votes").status_code == 403
