"""The one policy that answers "may this person see/do this".

Pure functions over two small value objects, so the whole policy is tested as a table:
a :class:`Principal` (what the person is, today) and a :class:`Resource` (where a thing
lives and who its audience is). Domains describe their objects as resources; the ``org``
domain builds principals from memberships, residencies and staff roles. Anything a person may
not see must answer 404, exactly like something that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

MANAGING_ROLES = frozenset({"chair", "vice_chair"})


class Audience(StrEnum):
    RESIDENTS = "residents"  # the department's residents (public material)
    BOARD = "board"  # the board's members only
    STAFF = "staff"  # administration only


class Action(StrEnum):
    VIEW = "view"
    VIEW_CLOSED = "view_closed"
    MANAGE = "manage"  # create and change a board's material: chair, vice chair, staff
    ADMINISTER = "administer"  # master data, approvals, audit: staff only


@dataclass(frozen=True)
class Principal:
    person_id: int | None
    board_roles: dict[int, str] = field(default_factory=dict)  # active memberships only
    board_departments: dict[int, int | None] = field(default_factory=dict)
    resident_department_ids: frozenset[int] = frozenset()
    staff_organisation_ids: frozenset[int] = frozenset()
    staff_department_ids: frozenset[int] = frozenset()
    # Boards whose closed items wait for this member's signature of a declaration (onboarding's
    # "kræver underskrevet erklæring"); staff are never locked out.
    closed_locked_boards: frozenset[int] = frozenset()

    @property
    def is_staff(self) -> bool:
        return bool(self.staff_organisation_ids or self.staff_department_ids)

    @property
    def is_authenticated(self) -> bool:
        return self.person_id is not None


ANONYMOUS = Principal(person_id=None)


@dataclass(frozen=True)
class Resource:
    organisation_id: int
    department_id: int | None = None
    board_id: int | None = None
    audience: Audience = Audience.BOARD
    closed: bool = False


def meeting_audience(*, department_meeting: bool, department_board: bool, announced: bool) -> Audience:
    """Who a meeting is for beyond its board and the administration.

    The department's residents see a department meeting of their department and every meeting of
    their department's own board (afdelingsbestyrelse: agenda before, minutes after), but only
    once it has been announced (invitations sent, or its minutes published); until then it is
    the board's draft.
    """
    if announced and (department_meeting or department_board):
        return Audience.RESIDENTS
    return Audience.BOARD


def is_staff_for(p: Principal, r: Resource) -> bool:
    if r.organisation_id in p.staff_organisation_ids:
        return True
    return r.department_id is not None and r.department_id in p.staff_department_ids


def board_role(p: Principal, r: Resource) -> str | None:
    return p.board_roles.get(r.board_id) if r.board_id is not None else None


def _sits_on_department_board(p: Principal, department_id: int | None) -> bool:
    return department_id is not None and department_id in p.board_departments.values()


def can(p: Principal, action: Action, r: Resource) -> bool:
    """Whether ``p`` may perform ``action`` on ``r``."""
    if not p.is_authenticated:
        return False
    staff = is_staff_for(p, r)
    if action is Action.ADMINISTER:
        return staff
    role = board_role(p, r)
    if action is Action.MANAGE:
        return staff or role in MANAGING_ROLES
    if action is Action.VIEW_CLOSED:
        # Substitutes only step in when called; closed items stay with the sitting board.
        if staff:
            return True
        return role is not None and role != "substitute" and r.board_id not in p.closed_locked_boards
    # VIEW
    if staff or role is not None:
        return not r.closed or can(p, Action.VIEW_CLOSED, r)
    if r.closed or r.audience is not Audience.RESIDENTS:
        return False
    return r.department_id in p.resident_department_ids or _sits_on_department_board(p, r.department_id)


def visible(p: Principal, r: Resource) -> bool:
    return can(p, Action.VIEW, r)
