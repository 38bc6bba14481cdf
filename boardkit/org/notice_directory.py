"""The organisation's side of the notification service: people's contact details and households."""

from __future__ import annotations

from collections.abc import Collection, Iterator

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from boardkit.core.notify import Contact, Household
from boardkit.org.models import Person, Residency, Tenancy
from boardkit.org.service import current_homes, today

# Ids per query: a notice to a whole large organisation (100,000 people) would otherwise be one
# IN list longer than PostgreSQL's 65,535 parameters (or SQLite's 32,766).
BATCH = 10_000


def _batches(ids: Collection[int]) -> Iterator[list[int]]:
    ordered = list(ids)
    for start in range(0, len(ordered), BATCH):
        yield ordered[start : start + BATCH]


def contacts(db: Session, person_ids: Collection[int]) -> dict[int, Contact]:
    found: dict[int, Contact] = {}
    for ids in _batches(person_ids):
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
            ).where(Person.id.in_(ids))
        )
        found.update((r.id, Contact(*r)) for r in rows)
    return found


def households(db: Session, tenancy_ids: Collection[int]) -> dict[int, Household]:
    """Homes with the names of the adults living there today (the tenant first)."""
    found: dict[int, Household] = {}
    for ids in _batches(tenancy_ids):
        found.update(_households(db, ids))
    return found


def _households(db: Session, ids: list[int]) -> dict[int, Household]:
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
    found: dict[int, Tenancy] = {}
    names: dict[int, str] = {}
    for ids in _batches(person_ids):
        lives = current_homes(db, person_ids=ids)
        found.update(lives)
        names.update(db.execute(select(Person.id, Person.name).where(Person.id.in_(list(lives)))).all())
    return {
        person_id: Household(
            tenancy_id=t.id,
            paper=True,
            resident_names=(names[person_id],),
            address_lines=(t.address_line, f"{t.postcode} {t.city}".strip()),
        )
        for person_id, t in found.items()
    }
