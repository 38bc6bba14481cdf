"""People: reading them (for the administration, with its scope), creating and correcting them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from boardkit.core import audit
from boardkit.core.errors import Conflict, NotFound
from boardkit.core.i18n import _
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

PERSON_FIELDS = ("name", "email", "phone", "preferred_channel", "paper", "language", "active")


def normalise_email(email: str | None) -> str | None:
    email = (email or "").strip().lower()
    return email or None


def get_person(db: Session, *, person_id: int) -> Person:
    person = db.get(Person, person_id)
    if person is None:
        raise NotFound()
    return person


def get_person_by_email(db: Session, *, email: str) -> Person | None:
    return db.scalar(select(Person).where(Person.email == normalise_email(email)))


def email_taken(db: Session, *, email: str | None, except_id: int | None = None) -> bool:
    if not email:
        return False
    q = select(Person.id).where(Person.email == normalise_email(email))
    if except_id is not None:
        q = q.where(Person.id != except_id)
    return db.scalar(q) is not None


def people_of_organisations(organisation_ids: frozenset[int]) -> ColumnElement[bool]:
    """People connected to the organisations: residents, board members and staff."""
    residents = (
        select(Residency.person_id)
        .join(Tenancy, Tenancy.id == Residency.tenancy_id)
        .join(Department, Department.id == Tenancy.department_id)
        .where(Department.organisation_id.in_(organisation_ids))
    )
    members = (
        select(Membership.person_id)
        .join(Board, Board.id == Membership.board_id)
        .where(Board.organisation_id.in_(organisation_ids))
    )
    staff = select(StaffRole.person_id).where(StaffRole.organisation_id.in_(organisation_ids))
    return or_(
        Person.organisation_id.in_(organisation_ids),
        Person.id.in_(residents),
        Person.id.in_(members),
        Person.id.in_(staff),
    )


def list_people(
    db: Session, *, principal: Principal, q: str = "", offset: int = 0, limit: int = 50
) -> tuple[list[Person], int]:
    query = select(Person).where(people_of_organisations(principal.staff_organisation_ids))
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(Person.name).like(like), func.lower(Person.email).like(like)))
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    people = db.scalars(query.order_by(Person.name, Person.id).offset(offset).limit(limit)).all()
    return list(people), total


def find_person_for_admin(db: Session, *, principal: Principal, text: str) -> list[Person]:
    """People of the staff member's organisations by e-mail, person number or full name (a paper member
    has no e-mail); more than one only when a name is shared."""
    text = " ".join(text.split())
    if not text:
        return []
    mine = people_of_organisations(principal.staff_organisation_ids)
    for column, value in ((Person.email, normalise_email(text)), (Person.external_id, text)):
        person = db.scalar(select(Person).where(column == value, mine))
        if person is not None:
            return [person]
    return list(
        db.scalars(
            select(Person).where(func.lower(Person.name) == text.lower(), mine).order_by(Person.id).limit(10)
        )
    )


def get_person_for_admin(db: Session, *, principal: Principal, person_id: int) -> Person:
    person = db.scalar(
        select(Person).where(
            Person.id == person_id, people_of_organisations(principal.staff_organisation_ids)
        )
    )
    if person is None:
        raise NotFound()
    return person


def update_person(
    db: Session, person: Person, *, actor_id: int | None, organisation_id: int | None, **values: object
) -> Person:
    """Change a person's master data, audited."""
    if "email" in values:
        values["email"] = normalise_email(str(values["email"] or ""))
        if email_taken(db, email=values["email"], except_id=person.id):  # type: ignore[arg-type]
            raise Conflict(_("E-mailadressen bruges allerede af en anden person."), fields={"email": "taken"})
    before = audit.snapshot(person, PERSON_FIELDS)
    for key, value in values.items():
        setattr(person, key, value)
    diff = audit.changes(before, audit.snapshot(person, PERSON_FIELDS))
    if diff:
        audit.record(
            db,
            actor_id=actor_id,
            action="person.update",
            obj=person,
            organisation_id=organisation_id,
            summary=person.name,
            diff=diff,
        )
    return person


def create_person(
    db: Session,
    *,
    actor_id: int | None,
    organisation_id: int | None,
    name: str,
    email: str | None = None,
    **values: object,
) -> Person:
    email = normalise_email(email)
    if email_taken(db, email=email):
        raise Conflict(_("E-mailadressen bruges allerede af en anden person."), fields={"email": "taken"})
    person = Person(name=name, email=email, organisation_id=organisation_id, **values)
    db.add(person)
    audit.record(
        db,
        actor_id=actor_id,
        action="person.create",
        obj=person,
        organisation_id=organisation_id,
        summary=name,
        diff=audit.changes({}, audit.snapshot(person, PERSON_FIELDS)),
    )
    return person


def get_people(db: Session, *, ids: Iterable[int]) -> dict[int, Person]:
    """People by id, in one query (missing ids are left out)."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {p.id: p for p in db.scalars(select(Person).where(Person.id.in_(wanted)))}
