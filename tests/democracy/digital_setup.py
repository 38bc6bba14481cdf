"""A department meeting of Engparken (demo) that has ended, with its roll and a proposal recorded
at the meeting, for the tests of digital voting (window, ballots, secrecy, concurrency)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.db import Database, utcnow
from boardkit.core.permissions import Principal
from boardkit.democracy import roll
from boardkit.democracy.models import Question, Roll, RollHousehold, RollVoter
from boardkit.meetings.service import Meeting
from boardkit.org import service as org_service
from boardkit.org.periods import today

BEBOER = "beboer@demo.boardkit.dk"
BEBOER2 = "beboer2@demo.boardkit.dk"  # Søbakken: another department
CHAIR = "formand@demo.boardkit.dk"
MEMBER = "medlem@demo.boardkit.dk"
ADMIN = "admin@demo.boardkit.dk"
OPTIONS = [{"key": "yes", "label": "Ja"}, {"key": "no", "label": "Nej"}, {"key": "blank", "label": "Blank"}]


@dataclass(frozen=True)
class Setup:
    meeting_id: int
    roll_id: int
    question_id: int
    ended_at: datetime


def person(db: Session, email: str) -> org_service.Person:
    found = db.scalar(select(org_service.Person).where(org_service.Person.email == email))
    assert found is not None, email
    return found


def principal(db: Database | Session, email: str) -> Principal:
    if isinstance(db, Database):
        with db.transaction() as s:
            return principal(s, email)
    return org_service.build_principal(db, person_id=person(db, email).id)


def engparken(db: Session) -> org_service.Department:
    dept = db.scalar(select(org_service.Department).where(org_service.Department.name == "Engparken"))
    assert dept is not None
    return dept


def make_meeting(
    db: Session,
    *,
    ended_ago: timedelta | None = timedelta(hours=1),
    decided: bool = True,
    both_units: bool = False,
    meeting_counts: dict[str, int] | None = None,
) -> Setup:
    """A fresh ordinary department meeting of Engparken that ended ``ended_ago`` ago (None: no
    recorded end), its roll (the meeting's decision to vote digitally when ``decided``) and one
    proposal recorded at it."""
    dept = engparken(db)
    board = db.scalar(
        select(org_service.Board).where(
            org_service.Board.department_id == dept.id, org_service.Board.kind == "department_board"
        )
    )
    assert board is not None
    now = utcnow()
    ended = now - ended_ago if ended_ago is not None else None
    starts = (ended or now) - timedelta(hours=2)
    meeting = Meeting(
        board_id=board.id,
        department_id=dept.id,
        kind="ordinary_department",
        title="Ekstraordinært afdelingsmøde (test)",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        status="held",
        invited_at=starts - timedelta(days=14),
    )
    db.add(meeting)
    db.flush()
    r = roll.make_roll(
        db,
        organisation_id=dept.organisation_id,
        department_id=dept.id,
        reference_date=today(),
        meeting_id=meeting.id,
    )
    r.one_person_both_units = both_units
    r.ended_at = ended
    if decided:
        r.digital_decided_at = starts + timedelta(minutes=30)
        r.digital_decision_text = "Afstemningen fortsætter digitalt i 7 dage."
    question = Question(
        organisation_id=dept.organisation_id,
        department_id=dept.id,
        roll_id=r.id,
        meeting_id=meeting.id,
        kind="proposal",
        text="Forslag 3: Skal der sættes altaner op i blok B?",
        method="show_of_hands",
        options=OPTIONS,
        status="recorded",
        meeting_counts=meeting_counts or {"yes": 0, "no": 0, "blank": 0},
        counted_at=starts + timedelta(hours=1),
    )
    db.add(question)
    db.flush()
    return Setup(meeting.id, r.id, question.id, ended or now)


def household_of(db: Session, roll_id: int, email: str) -> RollHousehold:
    voter = roll.voter_for(db, roll_id, person(db, email).id)
    assert voter is not None
    return voter.household


def two_voter_household(db: Session, roll_id: int) -> tuple[RollHousehold, list[int]]:
    """A household of the roll with at least two voters who are people (their ids)."""
    for household in db.scalars(select(RollHousehold).where(RollHousehold.roll_id == roll_id)):
        ids = [v.person_id for v in household.voters if v.person_id is not None]
        if len(ids) >= 2:
            return household, ids[:2]
    raise AssertionError("no household with two voters")


def roll_of(db: Session, roll_id: int) -> Roll:
    found = db.get(Roll, roll_id)
    assert found is not None
    return found


def voters(db: Session, roll_id: int) -> list[RollVoter]:
    return list(
        db.scalars(
            select(RollVoter)
            .join(RollHousehold, RollHousehold.id == RollVoter.household_id)
            .where(RollHousehold.roll_id == roll_id)
        )
    )


def engparken_board_member(db: Session) -> Principal:
    """A sitting member (not chair or vice chair) of Engparken's department board."""
    dept = engparken(db)
    for membership in db.scalars(
        select(org_service.Membership)
        .join(org_service.Board, org_service.Board.id == org_service.Membership.board_id)
        .where(org_service.Board.department_id == dept.id, org_service.Board.kind == "department_board")
    ):
        p = org_service.build_principal(db, person_id=membership.person_id)
        if p.board_roles.get(membership.board_id) == "member":
            return p
    raise AssertionError("no member")
