"""The administration's view of the organisation: its scope, counts and a person's details."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from boardkit.core.errors import NotFound
from boardkit.core.permissions import Principal
from boardkit.org.models import (
    Board,
    Department,
    Membership,
    Person,
    Residency,
    StaffRole,
    Tenancy,
)
from boardkit.org.people import people_of_organisations


def staff_organisation(principal: Principal) -> int | None:
    """The organisation an administrator acts for when one is needed (the lowest id)."""
    return min(principal.staff_organisation_ids) if principal.staff_organisation_ids else None


def organisation_counts(db: Session, *, organisation_ids: frozenset[int]) -> dict[str, int]:
    """Headline figures for the administration's overview."""
    ids = list(organisation_ids)
    departments = select(Department.id).where(Department.organisation_id.in_(ids))
    tenancies = select(Tenancy.id).where(Tenancy.department_id.in_(departments))
    return {
        "departments": db.scalar(select(func.count()).select_from(departments.subquery())) or 0,
        "households": db.scalar(select(func.count()).select_from(tenancies.subquery())) or 0,
        "people": db.scalar(select(func.count(Person.id)).where(people_of_organisations(organisation_ids)))
        or 0,
        "boards": db.scalar(select(func.count(Board.id)).where(Board.organisation_id.in_(ids))) or 0,
    }


@dataclass(frozen=True)
class PersonDetails:
    residencies: list[Residency]
    memberships: list[Membership]
    staff_roles: list[StaffRole]


def person_details(db: Session, *, person: Person) -> PersonDetails:
    residencies = db.scalars(
        select(Residency)
        .options(joinedload(Residency.tenancy).joinedload(Tenancy.department))
        .where(Residency.person_id == person.id)
        .order_by(Residency.start_date)
    ).all()
    memberships = db.scalars(
        select(Membership)
        .options(joinedload(Membership.board))
        .where(Membership.person_id == person.id)
        .order_by(Membership.start_date.desc())
    ).all()
    staff = db.scalars(
        select(StaffRole).options(joinedload(StaffRole.organisation)).where(StaffRole.person_id == person.id)
    ).all()
    return PersonDetails(list(residencies), list(memberships), list(staff))


def require_staff(principal: Principal) -> Principal:
    """Administration exists only for staff of an organisation; everyone else meets a 404."""
    if not principal.staff_organisation_ids:
        raise NotFound()
    return principal
