"""The organisation's part of the application: the administration pages (under /admin), the jobs
that make a membership's end take effect on time, the people directory core.notify sends by, and
the names of people, boards, memberships and organisations in the audit log."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core import notify
from boardkit.core.audit import ObjectRef, register_object_names
from boardkit.core.registry import Registry
from boardkit.org import memberships, notice_directory, resign_views, transition_views, transitions
from boardkit.org.models import Board, Membership, Organisation, Person, Transition
from boardkit.org.views import routes


def _people(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(select(Person.id, Person.name).where(Person.id.in_(ids)))
    return {i: ObjectRef(name, "org:person", {"person_id": i}) for i, name in rows}


def _boards(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(select(Board.id, Board.name).where(Board.id.in_(ids)))
    return {i: ObjectRef(name, "org:board", {"board_id": i}) for i, name in rows}


def _memberships(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(
        select(Membership.id, Person.name, Board.id, Board.name)
        .join(Person, Person.id == Membership.person_id)
        .join(Board, Board.id == Membership.board_id)
        .where(Membership.id.in_(ids))
    )
    return {i: ObjectRef(f"{person} → {board}", "org:board", {"board_id": b}) for i, person, b, board in rows}


def _organisations(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids)))
    return {i: ObjectRef(name) for i, name in rows}


def _sweep(db: Session, _payload: dict[str, object]) -> None:
    memberships.sweep_ended(db)


def _transitions(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(
        select(Transition.id, Board.id, Board.name)
        .join(Board, Board.id == Transition.board_id)
        .where(Transition.id.in_(ids))
    )
    return {i: ObjectRef(name, "board_changes", {"board_id": b}) for i, b, name in rows}


def register(reg: Registry) -> None:
    reg.routes(transition_views.routes)
    reg.mount("/admin", routes, name="org")
    reg.routes(resign_views.routes)
    # A membership's end takes effect on time: a job at the moment (queued by end_membership and
    # update_membership), and a sweep for every end that passed without one (imports, dates).
    reg.job(memberships.END_EFFECTS_JOB, memberships.end_effects_job)
    reg.every(memberships.END_SWEEP_JOB, _sweep, seconds=memberships.END_SWEEP_SECONDS)

    settings = reg.settings

    def notice(db: Session, payload: dict[str, Any]) -> None:
        transitions.send_notice(db, transition_id=int(payload["transition_id"]), settings=settings)

    reg.job(transitions.NOTICE_JOB, notice)
    notify.register_directory(
        contacts=notice_directory.contacts,
        households=notice_directory.households,
        homes=notice_directory.homes,
    )
    names = {
        "person": _people,
        "board": _boards,
        "membership": _memberships,
        "organisation": _organisations,
        "membership_transition": _transitions,
    }
    for object_type, resolve in names.items():
        register_object_names(object_type, resolve)
