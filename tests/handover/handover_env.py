"""Shared setup for handover tests: Engparken's board in the demo, with approved minutes (decisions),
and its treasurer's seat ended yesterday (the departing member) and the vice chair as successor."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import select

from boardkit.core.db import Database
from boardkit.demo.minutes import add_demo_minutes
from boardkit.org import service as org_service
from boardkit.org.models import Board, Department, Membership, Person, Residency, Tenancy

CHAIR = "formand@demo.boardkit.dk"
TREASURER = "kasserer@demo.boardkit.dk"
OTHER_BOARD = "medlem@demo.boardkit.dk"
RESIDENT = "beboer@demo.boardkit.dk"
ADMIN = "admin@demo.boardkit.dk"


@dataclass(frozen=True)
class Env:
    board_id: int
    organisation_id: int
    treasurer_id: int
    vice_id: int
    vice_email: str


def setup(db: Database, *, end_treasurer: bool = True) -> Env:
    with db.transaction() as s:
        board = s.scalar(select(Board).where(Board.name == "Afdelingsbestyrelsen i Engparken"))
        assert board is not None
        add_demo_minutes(s, board=board)
        treasurer = s.scalar(select(Person).where(Person.email == TREASURER))
        assert treasurer is not None
        if end_treasurer:
            seat = s.scalar(
                select(Membership).where(
                    Membership.board_id == board.id, Membership.person_id == treasurer.id
                )
            )
            assert seat is not None
            seat.end_date = org_service.today() - timedelta(days=1)
        vice = s.scalar(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.board_id == board.id, Membership.role == "vice_chair")
        )
        assert vice is not None and vice.email
        return Env(board.id, board.organisation_id, treasurer.id, vice.id, vice.email)


@dataclass(frozen=True)
class Residents:
    names: list[str]
    addresses: list[str]
    phones: list[str]


def residents(db: Database, organisation_id: int) -> Residents:
    """Every person living in or sitting on a board of the organisation, and every home's address."""
    with db.transaction(readonly=True) as s:
        living = (
            select(Residency.person_id)
            .join(Tenancy, Tenancy.id == Residency.tenancy_id)
            .join(Department, Department.id == Tenancy.department_id)
            .where(Department.organisation_id == organisation_id)
        )
        sitting = (
            select(Membership.person_id)
            .join(Board, Board.id == Membership.board_id)
            .where(Board.organisation_id == organisation_id)
        )
        people = s.execute(
            select(Person.name, Person.phone).where(Person.id.in_(living) | Person.id.in_(sitting))
        ).all()
        homes = s.scalars(
            select(Tenancy.address)
            .join(Department, Department.id == Tenancy.department_id)
            .where(Department.organisation_id == organisation_id)
        ).all()
    return Residents([n for n, _p in people], sorted(set(homes)), [p for _n, p in people if p])


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def outline_titles(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    out: list[str] = []

    def walk(items: list[object]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out.append(str(getattr(item, "title", "")))

    walk(reader.outline)
    return out


def assert_names_no_resident(text: str, found: Residents) -> None:
    """Neither a resident's name, nor a home's address, nor a resident's phone number is in ``text``."""
    flat = " ".join(text.split())
    compact = re.sub(r"\s", "", text)
    for name in found.names:
        assert name not in flat, name
    for address in found.addresses:
        assert re.search(rf"{re.escape(address)}(?!\d)", flat) is None, address
    for phone in found.phones:
        digits = re.sub(r"\D", "", phone)
        digits = digits[2:] if len(digits) == 10 and digits.startswith("45") else digits
        assert digits not in compact, phone
