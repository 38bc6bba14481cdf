"""The organisation's side of the notification service: people's contact details and households."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from boardkit.core.notify import Contact, Household
from boardkit.org.models import Person, Residency, Tenancy
from boardkit.org.service import current_homes, today


def contacts(db: Session, person_ids: Collection[int]) -> dict[int, Contact]:
    rows = db.execute(
        select(
            Person.id,
            Person.name,
            Person.email,
            Person.phone,
            Person.preferred_channel,
            Person.paper,
            Person.language,
            Person.active,
            Person.external_id,
        ).where(Person.id.in_(list(person_ids)))
    )
    return {r.id: Contact(*r) for r in rows}


def households(db: Session, tenancy_ids: Collection[int]) -> dict[int, Household]:
    """Homes with the names of the adults living there today (the tenant first)."""
    ids = list(tenancy_ids)
    day = today()
    names: dict[int, list[str]] = {}
    for tenancy_id, name in db.execute(
        select(Residency.tenancy_id, Person.name)
        .join(Person, Person.id == Residency.person_id)
        .where(
            Residency.tenancy_id.in_(ids),
            Residency.adult.is_(True),
            or_(Residency.start_date.is_(None), Residency.start_date <= day),
            or_(Residency.end_date.is_(None), Residency.end_date >= day),
        )
        .order_by(Residency.tenancy_id, Residency.role.desc(), Person.name, Person.id)
    ):
        names.setdefault(tenancy_id, []).append(name)
    return {
        t.id: Household(
            tenancy_id=t.id,
            paper=t.paper,
            resident_names=tuple(names.get(t.id, [])),
            address_lines=(t.address_line, f"{t.postcode} {t.city}".strip()),
        )
        for t in db.scalars(select(Tenancy).where(Tenancy.id.in_(ids)))
    }


def homes(db: Session, person_ids: Collection[int]) -> dict[int, Household]:
    """Where each person lives today, as a household addressed to them alone (a board member on paper
    gets their own letter, not one to everybody in the home)."""
    found = current_homes(db, person_ids=person_ids)
    names = dict(db.execute(select(Person.id, Person.name).where(Person.id.in_(list(found)))).all())
    return {
        person_id: Household(
            tenancy_id=t.id,
            paper=True,
            resident_names=(names[person_id],),
            address_lines=(t.address_line, f"{t.postcode} {t.city}".strip()),
        )
        for person_id, t in found.items()
    }
