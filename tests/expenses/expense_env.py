"""Shared bits for the expense tests: demo people, claims and lines made through the services."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.db import Database
from boardkit.core.permissions import Principal
from boardkit.expenses import flow, rules, service
from boardkit.expenses.models import ExpenseClaim
from boardkit.org import service as org_service
from boardkit.org.models import Board, Membership, Person
from tests.meetings.meeting_env import ADMIN, CHAIR, ENGPARKEN, MEMBER_SOEBAKKEN, SOEBAKKEN, TREASURER

BOOKKEEPER = "bogholder@demo.boardkit.dk"
SECRET = "test-secret-key"
__all__ = ["ADMIN", "BOOKKEEPER", "CHAIR", "ENGPARKEN", "MEMBER_SOEBAKKEN", "SOEBAKKEN", "TREASURER"]


def pid(s: Session, email: str) -> int:
    found = s.scalar(select(Person.id).where(Person.email == email))
    assert found is not None, email
    return found


def who(s: Session, email: str) -> Principal:
    return org_service.build_principal(s, person_id=pid(s, email))


def board(s: Session, name: str = ENGPARKEN) -> int:
    found = s.scalar(select(Board.id).where(Board.name == name))
    assert found is not None
    return found


def member_email(s: Session, name: str = ENGPARKEN, role: str = "member") -> str:
    email = s.scalar(
        select(Person.email)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.board_id == board(s, name), Membership.role == role, Membership.end_date.is_(None))
        .order_by(Person.id)
        .limit(1)
    )
    assert email
    return email


def new_claim(s: Session, email: str, *, purpose: str = "Kaffe til mødet", bank: bool = True) -> ExpenseClaim:
    return service.create_claim(
        s,
        principal=who(s, email),
        board_id=board(s),
        purpose=purpose,
        account_code="119",
        bank_registration="1234" if bank else "",
        bank_account="0012345678" if bank else "",
        secret_key=SECRET,
    )


def receipt(s: Session, email: str, claim: ExpenseClaim, amount_ore: int, day: date, **kw: object) -> int:
    data = rules.ReceiptInput(amount_ore=amount_ore, spent_on=day, description="Kaffe", **kw)  # type: ignore[arg-type]
    return service.lines.add_receipt_line(s, principal=who(s, email), claim=claim, data=data).id


def trip(
    s: Session,
    email: str,
    claim: ExpenseClaim,
    km: int,
    day: date,
    vehicle: str = "car",
    to: str = "Fællesbo",
) -> int:
    data = rules.MileageInput(
        travelled_on=day,
        from_place="Engparken 1, Valby",
        to_place=to,
        purpose="Bestyrelseskursus",
        km_tenths=km * 10,
        vehicle=vehicle,
    )
    return service.lines.add_mileage_line(s, principal=who(s, email), claim=claim, data=data).id


def through(db: Database, claim_id: int, *, to: str, claimant: str = TREASURER) -> None:
    """Move a claim along the flow up to (and including) the status ``to``."""
    steps = ["submitted", "attested", "approved"]
    with db.transaction() as s:
        flow.submit_claim(s, principal=who(s, claimant), claim_id=claim_id, secret_key=SECRET)
    if steps.index(to) >= 1:
        attester = TREASURER if claimant == CHAIR else CHAIR
        with db.transaction() as s:
            flow.attest_claim(s, principal=who(s, attester), claim_id=claim_id)
    if steps.index(to) >= 2:
        with db.transaction() as s:
            flow.approve_claim(s, principal=who(s, BOOKKEEPER), claim_id=claim_id)
