"""Urafstemning: the demand against the organisation's threshold, a call by the board, ballot letters
to every household (paper letters with a one-time code, digital notices with the link), no second
urafstemning on a proposal before the next ordinary meeting, paper ballots by code sharing the
household's two units with its online votes, and the result to every household after the close."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from boardkit.app import build_runner
from boardkit.config import Settings
from boardkit.core.db import Database, utcnow
from boardkit.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from boardkit.core.models import AuditEntry, Job
from boardkit.core.notify.models import Notice, NoticeDelivery
from boardkit.democracy import ballots, tally, urafstemning
from boardkit.democracy.models import (
    Ballot,
    BallotCode,
    HouseholdUnits,
    Participation,
    Question,
    Roll,
    RollHousehold,
    RollVoter,
)
from boardkit.meetings.models import AgendaItem, Letter, Meeting
from boardkit.org import service as org_service

ADMIN = "admin@demo.boardkit.dk"
CHAIR = "formand@demo.boardkit.dk"
TREASURER = "kasserer@demo.boardkit.dk"
RESIDENT = "beboer@demo.boardkit.dk"
CODE = re.compile(r"engangskode: ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})")


def principal(db: Session, email: str) -> Any:
    person = db.scalar(select(org_service.Person).where(org_service.Person.email == email))
    assert person is not None
    return org_service.build_principal(db, person_id=person.id)


def engparken(db: Session) -> org_service.Department:
    dept = db.scalar(select(org_service.Department).where(org_service.Department.name == "Engparken"))
    assert dept is not None
    return dept


def board_of(db: Session, dept: org_service.Department) -> org_service.Board:
    board = urafstemning.department_board(db, dept.id)
    assert board is not None
    return board


def add_meeting(
    db: Session, *, starts: datetime, kind: str = "ordinary_department", item: str = "Forslag om altaner"
) -> tuple[int, int]:
    """A department meeting of Engparken starting at ``starts``, with one agenda item; their ids."""
    dept = engparken(db)
    meeting = Meeting(
        board_id=board_of(db, dept).id,
        department_id=dept.id,
        kind=kind,
        title="Afdelingsmøde",
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        status="invited",
        invited_at=starts - timedelta(days=30),
    )
    db.add(meeting)
    db.flush()
    agenda_item = AgendaItem(meeting_id=meeting.id, position=1, title=item, kind="decision")
    db.add(agenda_item)
    db.flush()
    return meeting.id, agenda_item.id


def call_from_meeting(db: Session, *, demanding: int = 10, present: int = 40, **extra: Any) -> Question:
    dept = engparken(db)
    meeting_id = extra.pop("meeting_id", None)
    item_id = extra.pop("agenda_item_id", None)
    if meeting_id is None:
        meeting_id, item_id = add_meeting(db, starts=utcnow() - timedelta(hours=1))
    return urafstemning.call(
        db,
        principal(db, CHAIR),
        meeting_id=meeting_id,
        department_id=dept.id,
        agenda_item_id=item_id,
        text=extra.pop("text", "Skal afdelingen bygge altaner (lejen stiger 18 %)?"),
        closes_at=extra.pop("closes_at", utcnow() + timedelta(days=14)),
        called_by="meeting",
        demanding=demanding,
        present=present,
        **extra,
    )


def called(demo: Database, settings: Settings, **extra: Any) -> int:
    """An urafstemning called at a meeting, its ballot letters sent (by the job); its id."""
    with demo.transaction() as db:
        qid = call_from_meeting(db, **extra).id
    build_runner(demo, settings).run_until_idle()
    return qid


def letters_of(db: Session, qid: int) -> list[Letter]:
    notice = db.scalar(select(Notice).where(Notice.object_id == qid, Notice.kind == urafstemning.CALL_NOTICE))
    assert notice is not None
    return [
        letter
        for letter in db.scalars(select(Letter).order_by(Letter.id))
        if letter.content.get("notice_id") == notice.id
    ]


def codes_of(db: Session, qid: int) -> dict[int, str]:
    """tenancy id → the one-time code printed in its letter."""
    codes = {}
    for letter in letters_of(db, qid):
        found = CODE.search(letter.content["body"])
        assert found, letter.content["body"]
        codes[letter.tenancy_id] = found.group(1)
    return codes


def household_of(db: Session, qid: int, tenancy_id: int) -> RollHousehold:
    q = db.get(Question, qid)
    assert q is not None
    house = db.scalar(
        select(RollHousehold).where(
            RollHousehold.roll_id == q.roll_id, RollHousehold.tenancy_id == tenancy_id
        )
    )
    assert house is not None
    return house


# --- calling ---------------------------------------------------------------------------------------


def test_demand_below_the_threshold_is_refused_at_it_created(demo: Database) -> None:
    with demo.transaction() as db:
        with pytest.raises(ValidationFailed) as below:
            call_from_meeting(db, demanding=9, present=40)
        assert below.value.status == 422
        assert (
            "9 af 40" in below.value.message and "25 %" in below.value.message and "10" in below.value.message
        )
    with demo.transaction() as db, pytest.raises(ValidationFailed):
        call_from_meeting(db, demanding=41, present=40)  # more demanding than present
    with demo.transaction() as db:
        q = call_from_meeting(db, demanding=10, present=40)  # exactly 25 %
        assert q.kind == "urafstemning" and q.status == "open" and q.called_by == "meeting"
        assert q.demand["demanding"] == 10 and q.demand["present"] == 40
        assert [o["key"] for o in q.options] == ["yes", "no", "blank"]
        roll = db.get(Roll, q.roll_id)
        assert roll is not None and roll.purpose == "urafstemning" and roll.meeting_id is None
        houses = db.scalar(
            select(func.count()).select_from(RollHousehold).where(RollHousehold.roll_id == roll.id)
        )
        assert houses and houses > 100
        units = db.scalar(
            select(func.count()).select_from(HouseholdUnits).where(HouseholdUnits.question_id == q.id)
        )
        assert units == houses
        assert q.proposal_key.startswith("item:")
        assert (
            db.scalar(select(func.count()).select_from(Job).where(Job.kind == urafstemning.LETTERS_JOB)) == 1
        )


def test_the_organisations_share_applies_and_is_at_most_a_quarter(demo: Database) -> None:
    with demo.transaction() as db:
        org = db.get(org_service.Organisation, engparken(db).organisation_id)
        assert org is not None
        org.rules = {**(org.rules or {}), urafstemning.DEMAND_RULE: 0.1}
        db.flush()
        assert call_from_meeting(db, demanding=4, present=40).status == "open"
    with demo.transaction() as db:
        org = db.get(org_service.Organisation, engparken(db).organisation_id)
        assert org is not None
        org.rules = {**(org.rules or {}), urafstemning.DEMAND_RULE: 0.5}  # beyond the law: 25 % applies
        db.flush()
        assert call_from_meeting(db, demanding=10, present=40, text="Et andet forslag").status == "open"


def test_the_board_calls_one_and_only_its_chair_or_the_administration(demo: Database) -> None:
    closes = utcnow() + timedelta(days=21)
    with demo.transaction() as db:
        dept = engparken(db)
        q = urafstemning.call(
            db,
            principal(db, CHAIR),
            department_id=dept.id,
            text="Skal vaskeriet moderniseres?",
            closes_at=closes,
            called_by="board",
        )
        assert q.called_by == "board" and q.demand == {} and q.meeting_id is None and q.status == "open"
        assert q.proposal_key.startswith("text:")
    with demo.transaction() as db:
        dept = engparken(db)
        with pytest.raises(Forbidden):
            urafstemning.call(
                db,
                principal(db, TREASURER),
                department_id=dept.id,
                text="X",
                closes_at=closes,
                called_by="board",
            )
        with pytest.raises(NotFound):
            urafstemning.call(
                db,
                principal(db, RESIDENT),
                department_id=dept.id,
                text="X",
                closes_at=closes,
                called_by="board",
            )
    with demo.transaction() as db:
        dept = engparken(db)
        q = urafstemning.call(
            db, principal(db, ADMIN), department_id=dept.id, text="Y", closes_at=closes, called_by="board"
        )
        assert q.created_by is not None


def test_the_period_is_checked(demo: Database) -> None:
    now = utcnow()
    with demo.transaction() as db:
        for closes in (now - timedelta(hours=1), now + timedelta(weeks=9)):
            with pytest.raises(ValidationFailed) as err:
                call_from_meeting(db, closes_at=closes)
            assert "closes_at" in err.value.fields


# --- ballot letters --------------------------------------------------------------------------------


def test_every_household_gets_a_code_letter_or_a_notice_with_the_link(
    demo: Database, settings: Settings
) -> None:
    qid = called(demo, settings)
    with demo.transaction() as db:
        q = db.get(Question, qid)
        assert q is not None
        houses = list(db.scalars(select(RollHousehold).where(RollHousehold.roll_id == q.roll_id)))
        notice = db.scalar(
            select(Notice).where(Notice.object_id == qid, Notice.kind == urafstemning.CALL_NOTICE)
        )
        assert notice is not None and notice.link_path == f"/votes/{qid}"
        reached = {
            d.person_id
            for d in db.scalars(select(NoticeDelivery).where(NoticeDelivery.notice_id == notice.id))
            if d.channel in ("email", "sms", "digital_post")
        }
        codes = codes_of(db, qid)
        hashes = set(db.scalars(select(BallotCode.code_hash).where(BallotCode.question_id == qid)))
        assert {urafstemning.code_hash(c) for c in codes.values()} == hashes
        assert len(set(codes.values())) == len(codes)  # every code its own
        paper = [h for h in houses if h.paper]
        assert paper and len(codes) >= len(paper) and len(codes) < len(houses)
        for house in houses:
            if house.paper or house.tenancy_id in codes:
                assert house.tenancy_id in codes
                continue
            voters = set(db.scalars(select(RollVoter.person_id).where(RollVoter.household_id == house.id)))
            assert voters & reached, house.address
        letter = letters_of(db, qid)[0]
        body = letter.content["body"]
        assert letter.kind == "notice" and letter.batch_id
        assert body.count("[  ] Ja        [  ] Nej        [  ] Blank") == 2
        assert "Stemme 1" in body and "Stemme 2" in body and "senest" in body
        assert q.text in body
    # The job again sends nothing more.
    with demo.transaction() as db:
        before = db.scalar(select(func.count()).select_from(Letter))
        sent = urafstemning.send_ballot_letters(db, question_id=qid, settings=settings)
        assert sent.paper_letters == 0 and db.scalar(select(func.count()).select_from(Letter)) == before


def test_no_new_urafstemning_on_a_proposal_before_the_next_ordinary_meeting(demo: Database) -> None:
    with demo.transaction() as db:
        meeting_id, item_id = add_meeting(
            db, starts=utcnow() - timedelta(hours=2), kind="extraordinary_department"
        )
        first_id = call_from_meeting(db, meeting_id=meeting_id, agenda_item_id=item_id).id
    with demo.transaction() as db:
        with pytest.raises(Conflict) as err:
            call_from_meeting(db, meeting_id=meeting_id, agenda_item_id=item_id, text="Samme forslag igen")
        assert err.value.status == 409 and "næste ordinære afdelingsmøde" in err.value.message
        # An extraordinary meeting since does not count.
        earlier = db.get(Question, first_id)
        assert earlier is not None
        earlier.created_at = utcnow() - timedelta(days=60)
        add_meeting(db, starts=utcnow() - timedelta(days=20), kind="extraordinary_department")
        db.flush()
        with pytest.raises(Conflict):
            call_from_meeting(db, meeting_id=meeting_id, agenda_item_id=item_id)
    with demo.transaction() as db:
        first = db.get(Question, first_id)
        assert first is not None
        first.created_at = utcnow() - timedelta(days=60)
        add_meeting(db, starts=utcnow() - timedelta(days=10))  # the next ordinary meeting, held
        db.flush()
        again = call_from_meeting(db, meeting_id=meeting_id, agenda_item_id=item_id)
        assert again.proposal_key == first.proposal_key and again.id != first_id


# --- paper ballots and units -----------------------------------------------------------------------


def test_a_paper_ballot_by_its_code_once(demo: Database, settings: Settings) -> None:
    qid = called(demo, settings)
    with demo.transaction() as db:
        tenancy_id, code = next(iter(codes_of(db, qid).items()))
        admin = principal(db, ADMIN)
        assert (
            urafstemning.register_paper_ballot(db, admin, question_id=qid, code=code, choices=["yes", "no"])
            == 2
        )
        house = household_of(db, qid, tenancy_id)
        units = db.get(HouseholdUnits, (qid, house.id))
        assert units is not None and units.used == 2
        assert sorted(db.scalars(select(Ballot.choice).where(Ballot.question_id == qid))) == ["no", "yes"]
        channels = list(db.scalars(select(Participation.channel).where(Participation.question_id == qid)))
        assert channels == ["letter"]
    with demo.transaction() as db:
        admin = principal(db, ADMIN)
        with pytest.raises(Conflict) as used:
            urafstemning.register_paper_ballot(db, admin, question_id=qid, code=code.lower(), choices=["yes"])
        assert used.value.code == "code_used"
        with pytest.raises(NotFound):
            urafstemning.register_paper_ballot(
                db, admin, question_id=qid, code="AAAA-BBBB-CCCC", choices=["yes"]
            )
        with pytest.raises(ValidationFailed):
            urafstemning.register_paper_ballot(
                db, admin, question_id=qid, code=code, choices=["yes", "no", "blank"]
            )
        with pytest.raises(ValidationFailed):
            urafstemning.register_paper_ballot(db, admin, question_id=qid, code=code, choices=["maybe"])
        with pytest.raises(Forbidden):  # the chair manages, but letters are the administration's
            urafstemning.register_paper_ballot(
                db, principal(db, CHAIR), question_id=qid, code=code, choices=["no"]
            )


def test_online_and_paper_together_never_exceed_two_units(demo: Database, settings: Settings) -> None:
    qid = called(demo, settings)
    with demo.transaction() as db:
        codes = codes_of(db, qid)
        # A paper household with a voter who can log in votes online first …
        tenancy_id = next(
            t
            for t in codes
            if db.scalar(
                select(RollVoter.person_id).where(RollVoter.household_id == household_of(db, qid, t).id)
            )
        )
        house = household_of(db, qid, tenancy_id)
        person_id = db.scalar(select(RollVoter.person_id).where(RollVoter.household_id == house.id))
        assert person_id is not None
        voter = org_service.build_principal(db, person_id=person_id)
        ballots.cast(db, voter, question_id=qid, choice="yes")
    with demo.transaction() as db:
        # … then its letter with two votes is one too many, and nothing of it is kept.
        with pytest.raises(Conflict) as err:
            urafstemning.register_paper_ballot(
                db, principal(db, ADMIN), question_id=qid, code=codes[tenancy_id], choices=["no", "no"]
            )
        assert err.value.code == "units_used"
    with demo.transaction() as db:
        code = db.scalar(
            select(BallotCode).where(BallotCode.question_id == qid, BallotCode.household_id == house.id)
        )
        assert code is not None and code.used_at is None  # the refused registration left the code unused
        assert urafstemning.register_paper_ballot(
            db, principal(db, ADMIN), question_id=qid, code=codes[tenancy_id], choices=["no"]
        )
    with demo.transaction() as db:
        units = db.get(HouseholdUnits, (qid, house.id))
        assert units is not None and units.used == 2
        assert db.scalar(select(func.count()).select_from(Ballot).where(Ballot.question_id == qid)) == 2


def test_a_letter_after_the_close_is_refused(demo: Database, settings: Settings) -> None:
    qid = called(demo, settings)
    with demo.transaction() as db:
        code = next(iter(codes_of(db, qid).values()))
        q = db.get(Question, qid)
        assert q is not None
        q.closes_at = utcnow() - timedelta(minutes=1)
    with demo.transaction() as db, pytest.raises(Conflict):
        urafstemning.register_paper_ballot(
            db, principal(db, ADMIN), question_id=qid, code=code, choices=["no"]
        )


# --- the result ------------------------------------------------------------------------------------


def test_the_result_reaches_every_household_after_the_close(
    demo: Database, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    qid = called(demo, settings)
    with demo.transaction() as db:
        codes = codes_of(db, qid)
        admin = principal(db, ADMIN)
        first, second = list(codes.values())[:2]
        urafstemning.register_paper_ballot(db, admin, question_id=qid, code=first, choices=["yes", "yes"])
        urafstemning.register_paper_ballot(db, admin, question_id=qid, code=second, choices=["no", "blank"])
        voter = principal(db, RESIDENT)
        ballots.cast(db, voter, question_id=qid, choice="yes")
        assert urafstemning.publish_result(db, question_id=qid, settings=settings) is None  # still open
    with demo.transaction() as db:
        q = db.get(Question, qid)
        assert q is not None and q.closes_at is not None
        assert tally.close_question(db, qid, now=q.closes_at + timedelta(seconds=1))
    build_runner(demo, settings).run_until_idle()
    with demo.transaction() as db:
        q = db.get(Question, qid)
        assert q is not None and q.status == "closed"
        notice = db.scalar(
            select(Notice).where(Notice.object_id == qid, Notice.kind == urafstemning.RESULT_NOTICE)
        )
        assert notice is not None
        expected = f"Resultatet af urafstemningen om »{q.text}«: Ja 3, Nej 1, Blank 1 — forslaget er vedtaget"
        assert expected in notice.body
        deliveries = list(db.scalars(select(NoticeDelivery).where(NoticeDelivery.notice_id == notice.id)))
        reached_people = {d.person_id for d in deliveries if d.channel in ("email", "sms", "digital_post")}
        paper_homes = {d.tenancy_id for d in deliveries if d.channel == "paper" and d.letter_id}
        for house in db.scalars(select(RollHousehold).where(RollHousehold.roll_id == q.roll_id)):
            voters = set(db.scalars(select(RollVoter.person_id).where(RollVoter.household_id == house.id)))
            assert house.tenancy_id in paper_homes or voters & reached_people, house.address
        # A household on paper reads the result itself in its letter.
        letters = [
            letter for letter in db.scalars(select(Letter)) if letter.content.get("notice_id") == notice.id
        ]
        assert letters and all(expected in letter.content["body"] for letter in letters)
        assert tally.published_matches(db, qid)
        # Published once: the job again does nothing.
        assert urafstemning.publish_result(db, question_id=qid, settings=settings) is None

        # No code is written anywhere but in the letters: not the audit log, jobs, notices or logs.
        audit_text = " ".join(f"{e.summary} {e.changes}" for e in db.scalars(select(AuditEntry))).upper()
        jobs_text = " ".join(str(j.payload) for j in db.scalars(select(Job))).upper()
        notices_text = " ".join(f"{n.subject} {n.body}" for n in db.scalars(select(Notice))).upper()
        logged = caplog.text.upper()
        for code in codes.values():
            for text in (audit_text, jobs_text, notices_text, logged):
                assert code not in text and urafstemning.normalise_code(code) not in text
        actions = set(db.scalars(select(AuditEntry.action).where(AuditEntry.object_id == qid)))
        assert {"democracy.urafstemning.call", "democracy.urafstemning.paper_ballot"} <= actions


# --- pages -----------------------------------------------------------------------------------------


def test_pages_call_list_and_register_without_showing_the_code(
    demo: Database, settings: Settings, client: Any
) -> None:
    from tests.helpers import csrf_from, login_as

    with demo.transaction() as db:
        meeting_id, item_id = add_meeting(db, starts=utcnow() - timedelta(hours=1))
        dept_id = engparken(db).id
    login_as(client, demo, CHAIR)
    page = client.get(f"/meetings/{meeting_id}/urafstemning")
    assert page.status_code == 200 and "25 %" in page.text
    form = {
        "csrf_token": csrf_from(page.text),
        "present": "40",
        "demanding": "9",
        "agenda_item_id": str(item_id),
        "question": "Skal afdelingen have altaner?",
        "closes_at": (utcnow() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
    }
    refused = client.post(f"/meetings/{meeting_id}/urafstemning", data=form)
    assert refused.status_code == 422 and "9 af 40" in refused.text
    done = client.post(
        f"/meetings/{meeting_id}/urafstemning", data={**form, "demanding": "10"}, follow_redirects=False
    )
    assert done.status_code == 303
    listing = client.get(f"/departments/{dept_id}/urafstemninger")
    assert listing.status_code == 200 and "Skal afdelingen have altaner?" in listing.text
    build_runner(demo, settings).run_until_idle()
    with demo.transaction() as db:
        qid = db.scalar(select(func.max(Question.id)))
        assert qid is not None
        code = next(iter(codes_of(db, qid).values()))
    # The chair may not register letters; the administration may.
    assert client.get(f"/urafstemninger/{qid}/paper-ballots").status_code == 403
    login_as(client, demo, ADMIN)
    form_page = client.get(f"/urafstemninger/{qid}/paper-ballots")
    assert form_page.status_code == 200
    token = csrf_from(form_page.text)
    ok = client.post(
        f"/urafstemninger/{qid}/paper-ballots",
        data={"csrf_token": token, "code": code, "choice1": "yes", "choice2": "no"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    again = client.post(
        f"/urafstemninger/{qid}/paper-ballots",
        data={"csrf_token": token, "code": code, "choice1": "yes", "choice2": ""},
    )
    assert again.status_code == 409 and code not in again.text
    unknown = client.post(
        f"/urafstemninger/{qid}/paper-ballots",
        data={"csrf_token": token, "code": "AAAA-BBBB-CCCC", "choice1": "yes"},
    )
    assert unknown.status_code == 404 and "AAAA-BBBB-CCCC" not in unknown.text
    assert code not in client.get(f"/departments/{dept_id}/urafstemninger").text
    login_as(client, demo, RESIDENT)
    assert client.get(f"/departments/{dept_id}/urafstemninger").status_code == 404


# --- API -------------------------------------------------------------------------------------------


def test_api_demand_and_paper_ballots(demo: Database, settings: Settings, client: Any) -> None:
    from tests.helpers import api_token

    with demo.transaction() as db:
        meeting_id, item_id = add_meeting(db, starts=utcnow() - timedelta(hours=1))
    chair = api_token(demo, CHAIR)
    body = {
        "question": "Skal afdelingen have altaner?",
        "agenda_item_id": item_id,
        "demanding": 4,
        "present": 20,
        "closes_at": (utcnow() + timedelta(days=14)).isoformat(),
    }
    below = client.post(f"/api/v1/meetings/{meeting_id}/urafstemning", json=body, headers=chair)
    assert below.status_code == 422 and "4 af 20" in below.json()["error"]["message"]
    made = client.post(
        f"/api/v1/meetings/{meeting_id}/urafstemning", json={**body, "demanding": 5}, headers=chair
    )
    assert made.status_code == 201, made.text
    answer = made.json()
    assert answer["kind"] == "urafstemning" and answer["status"] == "open" and answer["households"] > 100
    assert answer["demand"] == {"demanding": 5, "present": 20, "share": 0.25, "needed": 5}
    again = client.post(
        f"/api/v1/meetings/{meeting_id}/urafstemning", json={**body, "demanding": 5}, headers=chair
    )
    assert again.status_code == 409
    build_runner(demo, settings).run_until_idle()
    with demo.transaction() as db:
        code = next(iter(codes_of(db, answer["id"]).values()))
    admin = api_token(demo, ADMIN)
    url = f"/api/v1/questions/{answer['id']}/paper-ballots"
    assert client.post(url, json={"code": code, "choices": ["yes"]}, headers=chair).status_code == 403
    ok = client.post(url, json={"code": code, "choices": ["yes", "blank"]}, headers=admin)
    assert ok.status_code == 200 and ok.json()["votes"] == 2
    assert client.post(url, json={"code": code, "choices": ["no"]}, headers=admin).status_code == 409
    assert (
        client.post(url, json={"code": "ZZZZ-ZZZZ-ZZZZ", "choices": ["no"]}, headers=admin).status_code == 404
    )
    assert client.post(url, json={"code": code, "choices": []}, headers=admin).status_code == 422


def test_the_meeting_page_links_the_chair_to_the_demand(demo: Database, client: Any) -> None:
    from tests.helpers import login_as

    with demo.transaction() as db:
        meeting_id, _item = add_meeting(db, starts=utcnow() - timedelta(hours=1))
    login_as(client, demo, CHAIR)
    page = client.get(f"/meetings/{meeting_id}")
    assert page.status_code == 200 and f"/meetings/{meeting_id}/urafstemning" in page.text
    login_as(client, demo, RESIDENT)
    assert f"/meetings/{meeting_id}/urafstemning" not in client.get(f"/meetings/{meeting_id}").text
