"""Who may read and write where.

A board's forum: the board's members and the administration (anyone else — a resident, another
board's member — gets 404, as for a thread that does not exist). A department's bulletin board:
its current residents, the department's board members and the administration; residents post,
the board posts announcements, and moderators (the department board's chair and vice chair, and
the administration) hide, restore and delete.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.errors import NotFound
from boardkit.core.permissions import MANAGING_ROLES, Principal
from boardkit.forum.models import Space, Thread
from boardkit.org import service as org_service


def _staff(principal: Principal, organisation_id: int, department_id: int | None) -> bool:
    if organisation_id in principal.staff_organisation_ids:
        return True
    return department_id is not None and department_id in principal.staff_department_ids


def board_space(db: Session, *, board_id: int) -> Space:
    """The board's forum (made on first use)."""
    space = db.scalar(select(Space).where(Space.kind == "board", Space.board_id == board_id))
    if space is None:
        board = db.get(org_service.Board, board_id)
        if board is None:
            raise NotFound()
        space = Space(organisation_id=board.organisation_id, kind="board", board_id=board.id)
        db.add(space)
        db.flush()
    return space


def bulletin_space(db: Session, *, department_id: int) -> Space:
    """The department's bulletin board (made on first use)."""
    space = db.scalar(select(Space).where(Space.kind == "bulletin", Space.department_id == department_id))
    if space is None:
        department = db.get(org_service.Department, department_id)
        if department is None:
            raise NotFound()
        space = Space(
            organisation_id=department.organisation_id, kind="bulletin", department_id=department.id
        )
        db.add(space)
        db.flush()
    return space


def find_board_space(db: Session, *, board_id: int) -> Space | None:
    return db.scalar(select(Space).where(Space.kind == "board", Space.board_id == board_id))


def find_bulletin_space(db: Session, *, department_id: int) -> Space | None:
    return db.scalar(select(Space).where(Space.kind == "bulletin", Space.department_id == department_id))


def board_department(db: Session, board_id: int | None) -> int | None:
    board = db.get(org_service.Board, board_id) if board_id else None
    return board.department_id if board else None


def department_board_ids(principal: Principal, department_id: int) -> set[int]:
    return {b for b, d in principal.board_departments.items() if d == department_id}


def may_read(db: Session, principal: Principal, space: Space) -> bool:
    if not principal.is_authenticated:
        return False
    if space.kind == "board":
        return _staff(principal, space.organisation_id, board_department(db, space.board_id)) or (
            space.board_id in principal.board_roles
        )
    assert space.department_id is not None
    return (
        _staff(principal, space.organisation_id, space.department_id)
        or space.department_id in principal.resident_department_ids
        or bool(department_board_ids(principal, space.department_id))
    )


def may_moderate(db: Session, principal: Principal, space: Space) -> bool:
    """The administration; in a bulletin board also the department board's chair and vice chair;
    in a board forum the board's chair and vice chair."""
    if space.kind == "board":
        department = board_department(db, space.board_id)
        return _staff(principal, space.organisation_id, department) or (
            principal.board_roles.get(space.board_id or 0) in MANAGING_ROLES
        )
    assert space.department_id is not None
    if _staff(principal, space.organisation_id, space.department_id):
        return True
    return any(
        principal.board_roles.get(b) in MANAGING_ROLES
        for b in department_board_ids(principal, space.department_id)
    )


def may_announce(principal: Principal, space: Space) -> bool:
    """Board announcements on the bulletin board: the department's board members and the administration."""
    assert space.department_id is not None
    return _staff(principal, space.organisation_id, space.department_id) or bool(
        department_board_ids(principal, space.department_id)
    )


def readable_space(db: Session, principal: Principal, space_id: int) -> Space:
    space = db.get(Space, space_id)
    if space is None or not may_read(db, principal, space):
        raise NotFound()
    return space


def readable_thread(db: Session, principal: Principal, thread_id: int) -> Thread:
    thread = db.get(Thread, thread_id)
    if thread is None or not may_read(db, principal, thread.space):
        raise NotFound()
    return thread
