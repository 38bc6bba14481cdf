"""Who may see and decide a permit case, and the one loader every page, API route and job uses.

* The tenants of the tenancy see its cases (the applicant among them).
* The administration (staff of the organisation or of the department) sees and decides every case.
* The department's board sees a named case only when the organisation delegated its kind to the
  board; then its chair decides it, and every opening is written to the audit log (GDPR: a board
  has no general need to know who keeps a pet). Otherwise the board sees counts only.

Anyone else gets 404, as for anything that is not theirs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, joinedload

from boardkit.core import audit, permissions
from boardkit.core.errors import NotFound
from boardkit.core.permissions import Principal, Resource
from boardkit.org import service as org_service
from boardkit.permits.models import Permit, PermitEvent, PermitKind

Later = Callable[[Hashable, Callable[[Session], Any]], None]


def is_staff_for(principal: Principal, permit: Permit) -> bool:
    return is_staff_in(principal, permit.organisation_id, permit.department_id)


def is_staff_in(principal: Principal, organisation_id: int, department_id: int) -> bool:
    """The administration of the organisation or of the department (the one permission policy)."""
    return permissions.is_staff_for(principal, Resource(organisation_id, department_id))


def staff_cases(principal: Principal) -> ColumnElement[bool]:
    """The cases this staff member administers, as a query condition."""
    return Permit.organisation_id.in_(principal.staff_organisation_ids) | Permit.department_id.in_(
        principal.staff_department_ids
    )


def board_roles_for(principal: Principal, department_id: int) -> set[str]:
    """The person's roles on the department's own board (afdelingsbestyrelse)."""
    return {
        role
        for board_id, role in principal.board_roles.items()
        if principal.board_departments.get(board_id) == department_id
    }


def is_tenant_of(db: Session, principal: Principal, permit: Permit) -> bool:
    if principal.person_id is None:
        return False
    return any(t.id == permit.tenancy_id for t in org_service.rented_homes(db, person_id=principal.person_id))


def may_decide(principal: Principal, permit: Permit) -> bool:
    """The administration; the department board's chair when the kind is delegated to the board."""
    if is_staff_for(principal, permit):
        return True
    return permit.kind.delegated_to_board and "chair" in board_roles_for(principal, permit.department_id)


def get_permit(
    db: Session, *, principal: Principal, permit_id: int, lock: bool = False, later: Later | None = None
) -> Permit:
    """The case for someone who may see it by name (404 for anyone else). A board member's opening
    of a delegated case is audited: at once in a write, after the response in a read (``later``:
    ``Ctx.bookkeep``; a read request writes nothing itself)."""
    query = select(Permit).options(joinedload(Permit.kind)).where(Permit.id == permit_id)
    permit = db.scalar(query.with_for_update(of=Permit) if lock else query)
    if permit is None:
        raise NotFound()
    if is_staff_for(principal, permit) or is_tenant_of(db, principal, permit):
        return permit
    if permit.kind.delegated_to_board and board_roles_for(principal, permit.department_id):
        opened = partial(
            _record_opening,
            actor_id=principal.person_id,
            permit_id=permit.id,
            organisation_id=permit.organisation_id,
        )
        if later is None:
            opened(db)
        else:  # every opening counts: a key of its own
            later(("permit_opened", permit.id, principal.person_id, time.monotonic_ns()), opened)
        return permit
    raise NotFound()


def _record_opening(db: Session, *, actor_id: int | None, permit_id: int, organisation_id: int) -> None:
    audit.record(
        db,
        actor_id=actor_id,
        action="permit.opened_by_board",
        object_type="permit",
        object_id=permit_id,
        organisation_id=organisation_id,
    )


def get_kind(db: Session, *, organisation_id: int, code: str) -> PermitKind | None:
    return db.scalar(
        select(PermitKind).where(
            PermitKind.organisation_id == organisation_id, PermitKind.code == code, PermitKind.active
        )
    )


def organisations_of(db: Session, principal: Principal) -> set[int]:
    """The organisations whose permit kinds this person deals with (as staff, tenant or board member)."""
    department_ids = set(principal.staff_department_ids) | {
        d for d in principal.board_departments.values() if d is not None
    }
    if principal.person_id is not None:
        department_ids |= {
            t.department_id for t in org_service.rented_homes(db, person_id=principal.person_id)
        }
    found = set(principal.staff_organisation_ids)
    if department_ids:
        found |= set(
            db.scalars(
                select(org_service.Department.organisation_id).where(
                    org_service.Department.id.in_(department_ids)
                )
            )
        )
    return found


def kinds_for(db: Session, *, principal: Principal) -> list[PermitKind]:
    """The active kinds of the person's organisations, in the organisation's order."""
    organisations = organisations_of(db, principal)
    if not organisations:
        return []
    return list(
        db.scalars(
            select(PermitKind)
            .where(PermitKind.organisation_id.in_(organisations), PermitKind.active)
            .order_by(PermitKind.organisation_id, PermitKind.position, PermitKind.id)
        )
    )


def history(db: Session, permit: Permit) -> list[PermitEvent]:
    query = select(PermitEvent).where(PermitEvent.permit_id == permit.id)
    return list(db.scalars(query.order_by(PermitEvent.at, PermitEvent.id)))
