"""Boards: reading them with permissions, the boards I sit on, their members, creating one;
organisations and departments."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from boardkit.core import audit
from boardkit.core.db import utcnow
from boardkit.core.errors import NotFound
from boardkit.core.i18n import _
from boardkit.core.permissions import Action, Audience, Principal, Resource, can
from boardkit.org.models import (
    Board,
    Department,
    Membership,
    Organisation,
)


def board_resource(board: Board, *, closed: bool = False, audience: Audience = Audience.BOARD) -> Resource:
    return Resource(
        organisation_id=board.organisation_id,
        department_id=board.department_id,
        board_id=board.id,
        audience=audience,
        closed=closed,
    )


def get_board(db: Session, *, principal: Principal, board_id: int, action: Action = Action.VIEW) -> Board:
    """A board the principal may see (or act on); 404 otherwise, exactly like a missing one."""
    board = db.get(Board, board_id, options=[joinedload(Board.department), joinedload(Board.organisation)])
    if board is None or not can(principal, action, board_resource(board)):
        raise NotFound()
    return board


def list_visible_boards(db: Session, *, principal: Principal) -> list[Board]:
    """Boards the principal sits on plus, for staff, every board of their organisations."""
    conditions = [Board.id.in_(list(principal.board_roles))]
    if principal.staff_organisation_ids:
        conditions.append(Board.organisation_id.in_(principal.staff_organisation_ids))
    if principal.staff_department_ids:
        conditions.append(Board.department_id.in_(principal.staff_department_ids))
    return list(
        db.scalars(
            select(Board)
            .options(joinedload(Board.department), joinedload(Board.organisation))
            .where(or_(*conditions))
            .order_by(Board.organisation_id, Board.kind.desc(), Board.name)
        ).unique()
    )


def visible_board_ids(db: Session, *, principal: Principal) -> list[int]:
    """Boards whose material staff may see through their organisation or department scope."""
    conditions = []
    if principal.staff_organisation_ids:
        conditions.append(Board.organisation_id.in_(principal.staff_organisation_ids))
    if principal.staff_department_ids:
        conditions.append(Board.department_id.in_(principal.staff_department_ids))
    if not conditions:
        return []
    return list(db.scalars(select(Board.id).where(or_(*conditions))))


@dataclass(frozen=True)
class MyBoard:
    board: Board
    role: str


def list_my_boards(db: Session, *, principal: Principal) -> list[MyBoard]:
    """Every board the person sits on today, organisation boards first."""
    if not principal.board_roles:
        return []
    boards = db.scalars(
        select(Board)
        .options(joinedload(Board.department), joinedload(Board.organisation))
        .where(Board.id.in_(list(principal.board_roles)))
    ).unique()
    order = {"organisation_board": 0, "department_board": 1, "committee": 2}
    return sorted(
        (MyBoard(b, principal.board_roles[b.id]) for b in boards),
        key=lambda mb: (order.get(mb.board.kind, 9), mb.board.name),
    )


def list_board_members(db: Session, *, board_id: int, include_ended: bool = False) -> list[Membership]:
    q = (
        select(Membership)
        .options(joinedload(Membership.person))
        .where(Membership.board_id == board_id)
        .order_by(Membership.end_date.is_not(None), Membership.start_date, Membership.id)
    )
    if not include_ended:
        q = q.where(or_(Membership.ends_at.is_(None), Membership.ends_at > utcnow()))
    return list(db.scalars(q))


def list_organisations(db: Session, *, ids: frozenset[int]) -> list[Organisation]:
    return list(db.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)))


def list_departments(db: Session, *, organisation_ids: frozenset[int]) -> list[Department]:
    return list(
        db.scalars(
            select(Department)
            .where(Department.organisation_id.in_(organisation_ids))
            .order_by(Department.number)
        )
    )


def create_board(
    db: Session, *, actor_id: int, organisation_id: int, department_id: int | None, kind: str, name: str
) -> Board:
    board = Board(organisation_id=organisation_id, department_id=department_id, kind=kind, name=name)
    db.add(board)
    audit.record(
        db,
        actor_id=actor_id,
        action="board.create",
        obj=board,
        organisation_id=organisation_id,
        summary=name,
        diff={"kind": [None, kind], "department_id": [None, department_id]},
    )
    return board


def role_name(role: str) -> str:
    """A board role in running text ("som formand")."""
    names = {
        "chair": _("formand"),
        "vice_chair": _("næstformand"),
        "treasurer": _("kasserer"),
        "member": _("medlem"),
        "substitute": _("suppleant"),
    }
    return names.get(role, role)


def get_boards(db: Session, *, ids: Iterable[int]) -> dict[int, Board]:
    """Boards by id, in one query (missing ids are left out); no permission check: callers filter."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {b.id: b for b in db.scalars(select(Board).where(Board.id.in_(wanted)))}
