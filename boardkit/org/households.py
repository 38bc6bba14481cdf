"""Who gets a notice: the households of a department, people's current homes,
the administration's contacts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from boardkit.org.models import (
    Person,
    Residency,
    StaffRole,
    Tenancy,
)
from boardkit.org.periods import today


@dataclass(frozen=True)
class Household:
    tenancy: Tenancy
    residents: list[Person]  # the adults living there on the day asked


def list_households(db: Session, *, department_id: int, day: date | None = None) -> list[Household]:
    """Every home of a department with its adult residents of the day (homes with none listed too)."""
    day = day or today()
    tenancies = db.scalars(
        select(Tenancy).where(Tenancy.department_id == department_id).order_by(Tenancy.number, Tenancy.id)
    ).all()
    rows = db.execute(
        select(Residency.tenancy_id, Person)
        .join(Person, Person.id == Residency.person_id)
        .join(Tenancy, Tenancy.id == Residency.tenancy_id)
        .where(
            Tenancy.department_id == department_id,
            Residency.adult.is_(True),
            or_(Residency.start_date.is_(None), Residency.start_date <= day),
            or_(Residency.end_date.is_(None), Residency.end_date >= day),
        )
        .order_by(Residency.tenancy_id, Residency.role.desc(), Person.name, Person.id)
    ).all()
    residents: dict[int, list[Person]] = {}
    for tenancy_id, person in rows:
        residents.setdefault(tenancy_id, []).append(person)
    return [Household(t, residents.get(t.id, [])) for t in tenancies]


def current_homes(db: Session, *, person_ids: Iterable[int], day: date | None = None) -> dict[int, Tenancy]:
    """Where each person lives on the day (their tenancy as tenant first), for letters to a person
    who is reached on paper outside a department's households — a board member without e-mail."""
    wanted = list(set(person_ids))
    if not wanted:
        return {}
    day = day or today()
    rows = db.execute(
        select(Residency.person_id, Tenancy)
        .join(Tenancy, Tenancy.id == Residency.tenancy_id)
        .where(
            Residency.person_id.in_(wanted),
            or_(Residency.start_date.is_(None), Residency.start_date <= day),
            or_(Residency.end_date.is_(None), Residency.end_date >= day),
        )
        .order_by(Residency.person_id, Residency.role.desc(), Residency.start_date, Residency.id)
    ).all()
    homes: dict[int, Tenancy] = {}
    for person_id, tenancy in rows:
        homes.setdefault(person_id, tenancy)
    return homes


def list_administration_contacts(
    db: Session, *, organisation_id: int, department_id: int | None
) -> list[Person]:
    """The account managers (kundechefer) of an organisation, or of the department when given."""
    scope: ColumnElement[bool] = StaffRole.department_id.is_(None)
    if department_id is not None:
        scope = or_(scope, StaffRole.department_id == department_id)
    return list(
        db.scalars(
            select(Person)
            .join(StaffRole, StaffRole.person_id == Person.id)
            .where(StaffRole.organisation_id == organisation_id, StaffRole.role == "account_manager", scope)
            .order_by(Person.name, Person.id)
        ).unique()
    )


def rented_homes(db: Session, *, person_id: int, day: date | None = None) -> list[Tenancy]:
    """The tenancies this person rents on the day as a tenant (not as a household member)."""
    day = day or today()
    return list(
        db.scalars(
            select(Tenancy)
            .join(Residency, Residency.tenancy_id == Tenancy.id)
            .where(
                Residency.person_id == person_id,
                Residency.role == "tenant",
                or_(Residency.start_date.is_(None), Residency.start_date <= day),
                or_(Residency.end_date.is_(None), Residency.end_date >= day),
            )
            .order_by(Tenancy.id)
        )
    )
