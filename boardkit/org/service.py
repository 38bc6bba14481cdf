"""Organisation services, the public face of ``org``: who a person is today (the principal and the
identity a request carries), and — re-exported from the modules that hold them — people
(``people.py``), boards (``boards.py``), memberships (``memberships.py``), the administration's view
(``staff.py``), who gets a notice (``households.py``) and the dates (``periods.py``). Other
domains import this module; the modules of ``org`` import each other directly, never this one."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    CompoundSelect,
    bindparam,
    case,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from boardkit.core.db import utcnow
from boardkit.core.permissions import Principal
from boardkit.core.web import Identity
from boardkit.org.boards import MyBoard as MyBoard
from boardkit.org.boards import board_resource as board_resource
from boardkit.org.boards import create_board as create_board
from boardkit.org.boards import get_board as get_board
from boardkit.org.boards import get_boards as get_boards
from boardkit.org.boards import list_board_members as list_board_members
from boardkit.org.boards import list_departments as list_departments
from boardkit.org.boards import list_my_boards as list_my_boards
from boardkit.org.boards import list_organisations as list_organisations
from boardkit.org.boards import list_visible_boards as list_visible_boards
from boardkit.org.boards import role_name as role_name
from boardkit.org.boards import visible_board_ids as visible_board_ids
from boardkit.org.households import Household as Household
from boardkit.org.households import current_homes as current_homes
from boardkit.org.households import list_administration_contacts as list_administration_contacts
from boardkit.org.households import list_households as list_households
from boardkit.org.households import rented_homes as rented_homes
from boardkit.org.memberships import END_REASONS as END_REASONS
from boardkit.org.memberships import MEMBERSHIP_FIELDS as MEMBERSHIP_FIELDS
from boardkit.org.memberships import add_membership as add_membership
from boardkit.org.memberships import check_membership as check_membership
from boardkit.org.memberships import end_membership as end_membership
from boardkit.org.memberships import get_membership as get_membership
from boardkit.org.memberships import get_own_membership as get_own_membership
from boardkit.org.memberships import lock_board as lock_board
from boardkit.org.memberships import my_membership as my_membership
from boardkit.org.memberships import on_membership_added as on_membership_added
from boardkit.org.memberships import on_membership_ended as on_membership_ended
from boardkit.org.memberships import run_end_effects as run_end_effects
from boardkit.org.memberships import update_membership as update_membership

# The models other domains read through this module.
from boardkit.org.models import BOARD_KINDS as BOARD_KINDS
from boardkit.org.models import CHANNELS as CHANNELS
from boardkit.org.models import LANGUAGES as LANGUAGES
from boardkit.org.models import ROLES as ROLES
from boardkit.org.models import Board as Board
from boardkit.org.models import Department as Department
from boardkit.org.models import Membership as Membership
from boardkit.org.models import Organisation as Organisation
from boardkit.org.models import Person as Person
from boardkit.org.models import Residency as Residency
from boardkit.org.models import StaffRole as StaffRole
from boardkit.org.models import Tenancy as Tenancy
from boardkit.org.models import Transition as Transition
from boardkit.org.people import PERSON_FIELDS as PERSON_FIELDS
from boardkit.org.people import create_person as create_person
from boardkit.org.people import email_taken as email_taken
from boardkit.org.people import find_person_for_admin as find_person_for_admin
from boardkit.org.people import get_people as get_people
from boardkit.org.people import get_person as get_person
from boardkit.org.people import get_person_by_email as get_person_by_email
from boardkit.org.people import get_person_for_admin as get_person_for_admin
from boardkit.org.people import list_people as list_people
from boardkit.org.people import normalise_email as normalise_email
from boardkit.org.people import people_of_organisations as people_of_organisations
from boardkit.org.people import update_person as update_person
from boardkit.org.periods import day_end as day_end
from boardkit.org.periods import day_start as day_start
from boardkit.org.periods import in_office_clause as in_office_clause
from boardkit.org.periods import local_day as local_day
from boardkit.org.periods import periods_overlap as periods_overlap
from boardkit.org.periods import today as today
from boardkit.org.staff import PersonDetails as PersonDetails
from boardkit.org.staff import organisation_counts as organisation_counts
from boardkit.org.staff import person_details as person_details
from boardkit.org.staff import require_staff as require_staff
from boardkit.org.staff import staff_organisation as staff_organisation
from boardkit.org.transitions import Departure as Departure
from boardkit.org.transitions import Elected as Elected
from boardkit.org.transitions import ElectedSubstitute as ElectedSubstitute
from boardkit.org.transitions import ElectionOutcome as ElectionOutcome
from boardkit.org.transitions import confirm as confirm_transition  # noqa: F401 (re-exported)
from boardkit.org.transitions import departure as departure
from boardkit.org.transitions import describe as describe_transition  # noqa: F401 (re-exported)
from boardkit.org.transitions import dismiss as dismiss_transition  # noqa: F401 (re-exported)
from boardkit.org.transitions import end_seats_of_movers as end_seats_of_movers
from boardkit.org.transitions import get_transition as get_transition
from boardkit.org.transitions import list_transitions as list_transitions
from boardkit.org.transitions import propose_election as propose_election
from boardkit.org.transitions import resign as resign
from boardkit.org.transitions import transitions_board as transitions_board


def build_principal(db: Session, *, person_id: int, now: datetime | None = None) -> Principal:
    """What a person may see at the moment ``now`` (default: this instant): the memberships in
    office then (to the second: a seat that ended at 21:30 gives nothing at 21:30), the
    residencies of that day, staff scopes — read in one statement."""
    now = now or utcnow()
    rows = db.execute(_principal_statement(), _principal_params(person_id, now)).all()
    return _principal(db, person_id, rows)


def _principal_params(person_id: int, now: datetime) -> dict[str, Any]:
    return {"person_id": person_id, "now": now, "day": local_day(now)}


@functools.cache
def _principal_parts() -> list[Any]:
    """The rows a principal is made of, as (kind, a, b, c, d, e): "m" a membership in office (board,
    its department, role), "r" a residency's department, "s" a staff scope (organisation,
    department). Built once; the person, the moment and its day are parameters."""
    person: BindParameter[int] = bindparam("person_id")
    now: BindParameter[datetime] = bindparam("now")
    day: BindParameter[date] = bindparam("day")
    none = null()
    return [
        select(literal_column("'m'"), Membership.board_id, Board.department_id, Membership.role, none, none)
        .join(Board, Board.id == Membership.board_id)
        .where(Membership.person_id == person, in_office_clause(cast(datetime, now))),
        select(literal_column("'r'"), Tenancy.department_id, none, none, none, none)
        .join(Residency, Residency.tenancy_id == Tenancy.id)
        .where(
            Residency.person_id == person,
            or_(Residency.start_date.is_(None), Residency.start_date <= day),
            or_(Residency.end_date.is_(None), Residency.end_date >= day),
        ),
        select(
            literal_column("'s'"), StaffRole.organisation_id, StaffRole.department_id, none, none, none
        ).where(StaffRole.person_id == person),
    ]


@functools.cache
def _principal_statement() -> CompoundSelect[Any]:
    return union_all(*_principal_parts())


@functools.cache
def _identity_statement() -> CompoundSelect[Any]:
    """The person ("p": id, active, name, email, language) and the principal's rows in one statement."""
    person = select(
        literal_column("'p'"),
        Person.id,
        case((Person.active, 1), else_=0),
        Person.name,
        Person.email,
        Person.language,
    ).where(Person.id == bindparam("person_id"))
    return union_all(person, *_principal_parts())


def _principal(db: Session, person_id: int, rows: Sequence[Any]) -> Principal:
    rank = {"chair": 0, "vice_chair": 1, "treasurer": 2, "member": 3, "substitute": 4}
    board_roles: dict[int, str] = {}
    board_departments: dict[int, int | None] = {}
    departments: set[int] = set()
    staff_organisations: set[int] = set()
    staff_departments: set[int] = set()
    for kind, a, b, c, *_rest in rows:
        if kind == "m":
            if a not in board_roles or rank[c] < rank[board_roles[a]]:
                board_roles[a] = c
            board_departments[a] = b
        elif kind == "r":
            departments.add(a)
        elif kind == "s":
            if b is None:
                staff_organisations.add(a)
            else:
                staff_departments.add(b)
    locked: set[int] = set()
    for gate in _CLOSED_ITEM_GATES.values():
        locked |= gate(db, person_id, frozenset(board_roles))
    return Principal(
        person_id=person_id,
        board_roles=board_roles,
        board_departments=board_departments,
        resident_department_ids=frozenset(departments),
        staff_organisation_ids=frozenset(staff_organisations),
        staff_department_ids=frozenset(staff_departments),
        closed_locked_boards=frozenset(locked),
    )


ClosedItemGate = Callable[[Session, int, frozenset[int]], set[int]]
_CLOSED_ITEM_GATES: dict[str, ClosedItemGate] = {}


def register_closed_item_gate(owner: str, gate: ClosedItemGate) -> None:
    """``gate(db, person_id, board_ids)`` names the boards whose closed items stay locked for the
    person (e.g. until they have signed a declaration); registering again replaces."""
    _CLOSED_ITEM_GATES[owner] = gate


def load_identity(db: Session, person_id: int) -> Identity | None:
    """Who is asking (None for an unknown or deactivated person) and what they may see now: one
    statement for the person and their principal (every request runs it)."""
    rows = db.connection().execute(_identity_statement(), _principal_params(person_id, utcnow())).all()
    person = next((r for r in rows if r[0] == "p"), None)
    if person is None or not person[2]:
        return None
    return Identity(
        person_id=person[1],
        name=person[3],
        email=person[4],
        language=person[5],
        principal=_principal(db, person_id, [r for r in rows if r[0] != "p"]),
    )
