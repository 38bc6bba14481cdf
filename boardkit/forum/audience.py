"""Who a forum space speaks to, as SQL (so a bulletin board of 10,000 residents is one query).

* A board's forum: the board's members in office at the moment.
* A department's bulletin board: the department's residents on the moment's day (every residency, as
  ``org.service.build_principal`` lets them see the department) and the members in office of
  the department's board.

The administration reads both spaces but is not told about posts: it has its own lists.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import ColumnElement, CompoundSelect, Select, or_, select, union

from boardkit.forum.models import Space
from boardkit.org import service as org_service


def _current_residency(day: date) -> ColumnElement[bool]:
    R = org_service.Residency
    return or_(R.start_date.is_(None), R.start_date <= day) & or_(R.end_date.is_(None), R.end_date >= day)


def audience(
    space_ids: Collection[int], *, now: datetime, person_ids: Collection[int] | None = None
) -> CompoundSelect[int, int]:
    """``(person_id, space_id)`` of everyone each space speaks to at the moment ``now`` (once each);
    ``person_ids`` narrows it to those people."""
    day = org_service.local_day(now)
    Membership, Board = org_service.Membership, org_service.Board
    Residency, Tenancy = org_service.Residency, org_service.Tenancy
    in_office = org_service.in_office_clause(now)
    spaces = sorted(space_ids)
    board_members = (
        select(Membership.person_id, Space.id.label("space_id"))
        .select_from(Space)
        .join(Membership, Membership.board_id == Space.board_id)
        .where(Space.kind == "board", in_office)
    )
    residents = (
        select(Residency.person_id, Space.id.label("space_id"))
        .select_from(Space)
        .join(Tenancy, Tenancy.department_id == Space.department_id)
        .join(Residency, Residency.tenancy_id == Tenancy.id)
        .where(Space.kind == "bulletin", _current_residency(day))
    )
    department_board = (
        select(Membership.person_id, Space.id.label("space_id"))
        .select_from(Space)
        .join(Board, (Board.department_id == Space.department_id) & (Board.kind == "department_board"))
        .join(Membership, Membership.board_id == Board.id)
        .where(Space.kind == "bulletin", in_office)
    )
    parts: list[Select[int, int]] = []
    for part, person in (
        (board_members, Membership.person_id),
        (residents, Residency.person_id),
        (department_board, Membership.person_id),
    ):
        part = part.where(Space.id.in_(spaces))
        if person_ids is not None:
            part = part.where(person.in_(sorted(person_ids)))
        parts.append(part)
    return union(*parts)
