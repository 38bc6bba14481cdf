"""Shared setup for onboarding tests: the demo organisation with a small programme for members."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.app import compose
from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.core.permissions import Principal
from boardkit.onboarding import service
from boardkit.org import service as org_service
from boardkit.org.models import Board, Organisation, Person

SETTINGS = Settings(secret_key="test-secret-key", base_url="http://testserver")
ADMIN = "admin@demo.boardkit.dk"
CHAIR = "formand@demo.boardkit.dk"
TREASURER = "kasserer@demo.boardkit.dk"
OTHER_BOARD = "medlem@demo.boardkit.dk"
START = date(2026, 12, 1)


@dataclass(frozen=True)
class Env:
    organisation_id: int
    board_id: int  # Engparken's department board
    declaration_id: int
    modules: dict[str, int]  # title → id


def who(s: Session, email: str) -> Principal:
    person = s.scalar(select(Person).where(Person.email == email))
    assert person is not None, email
    return org_service.build_principal(s, person_id=person.id)


def make_programme(db: Database, *, gates: bool = False) -> Env:
    compose(db, SETTINGS)  # a membership that starts gets its programme (onboarding's hook)
    with db.transaction() as s:
        organisation_id = s.scalar(select(Organisation.id))
        assert organisation_id is not None
        board = s.scalar(select(Board).where(Board.name == "Afdelingsbestyrelsen i Engparken"))
        assert board is not None
        declaration = service.create_declaration(
            s,
            organisation_id=organisation_id,
            actor_id=None,
            title="Tavshedserklæring",
            text="Jeg lover at holde lukkede punkter for mig selv.",
            gates=gates,
        )
        prog = service.programme(s, organisation_id=organisation_id, role="member", title="Ny i bestyrelsen")
        modules = {}
        for data in (
            service.ModuleInput(
                "declaration", "Underskriv tavshedserklæringen", declaration_id=declaration.id
            ),
            service.ModuleInput("task", "Mød driftschefen", due_days=30),
            service.ModuleInput("task", "Gennemgå budgettet med formanden", tick_by="chair", due_days=60),
            service.ModuleInput("link", "Kursus hos BL", url="https://bl.dk/kurser", due_days=90),
        ):
            module = service.add_module(s, prog, data, actor_id=None)
            service.publish(s, module, actor_id=None)
            modules[data.title] = module.id
        return Env(organisation_id, board.id, declaration.id, modules)


def new_member(
    db: Database, env: Env, name: str = "Ny Bestyrelsesmedlem Øberg", email: str = "ny@example.dk"
) -> int:
    """A person who joins Engparken's board as a member on START; returns the person's id."""
    with db.transaction() as s:
        person = Person(name=name, email=email)
        s.add(person)
        s.flush()
        board = s.get(Board, env.board_id)
        assert board is not None
        org_service.add_membership(s, board, actor_id=None, person=person, role="member", start_date=START)
        return person.id
