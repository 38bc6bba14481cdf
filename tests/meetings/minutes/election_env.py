"""Shared bits for the election tests: Engparken's residents and board as the demo has them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.db import Database
from boardkit.org.models import Board, Department, Membership, Person, Residency, Tenancy
from tests.meetings.meeting_env import ENGPARKEN


@dataclass(frozen=True)
class Board_:
    members: list[int]  # sitting members (not substitutes), by person id
    substitutes: list[int]
    outsiders: list[int]  # adult residents of Engparken on no board
    elsewhere: int  # an adult resident of Søbakken


def residents_of(s: Session, department: str) -> list[int]:
    return list(
        s.scalars(
            select(Person.id)
            .join(Residency, Residency.person_id == Person.id)
            .join(Tenancy, Tenancy.id == Residency.tenancy_id)
            .join(Department, Department.id == Tenancy.department_id)
            .where(Department.name == department, Residency.adult.is_(True))
            .order_by(Person.id)
        )
    )


def engparken(db: Database) -> Board_:
    with db.transaction() as s:
        rows = s.execute(
            select(Membership.person_id, Membership.role)
            .join(Board, Board.id == Membership.board_id)
            .where(Board.name == ENGPARKEN, Membership.end_date.is_(None))
            .order_by(Membership.id)
        ).all()
        on_boards = set(s.scalars(select(Membership.person_id)))
        outsiders = [p for p in residents_of(s, "Engparken") if p not in on_boards][:6]
        elsewhere = residents_of(s, "Søbakken")[0]
    return Board_(
        members=[p for p, role in rows if role != "substitute"],
        substitutes=[p for p, role in rows if role == "substitute"],
        outsiders=outsiders,
        elsewhere=elsewhere,
    )
