"""Shared setup for permit tests: the demo with the default kinds, people as principals."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.core.permissions import Principal
from boardkit.org import service as org_service
from boardkit.org.models import Organisation, Person, Residency, Tenancy
from boardkit.permits import catalogue

ADMIN = "admin@demo.boardkit.dk"
CHAIR = "formand@demo.boardkit.dk"
RESIDENT = "beboer@demo.boardkit.dk"
RESIDENT2 = "beboer2@demo.boardkit.dk"
SETTINGS = Settings(secret_key="test-secret-key", base_url="http://testserver")


def seed(db: Database) -> None:
    with db.transaction() as s:
        for org_id in s.scalars(select(Organisation.id)):
            catalogue.seed_kinds(s, organisation_id=org_id)


def who(s: Session, email: str) -> Principal:
    person = s.scalar(select(Person).where(Person.email == email))
    assert person is not None, email
    return org_service.build_principal(s, person_id=person.id)


def household_member_of(s: Session, email: str) -> Principal:
    """Someone who lives in the same home as ``email`` without renting it."""
    tenant = s.scalar(select(Person.id).where(Person.email == email))
    tenancy_id = s.scalar(select(Residency.tenancy_id).where(Residency.person_id == tenant))
    member = s.scalar(
        select(Residency.person_id)
        .where(Residency.tenancy_id != tenancy_id, Residency.role == "household_member")
        .join(Tenancy, Tenancy.id == Residency.tenancy_id)
        .limit(1)
    )
    assert member is not None
    return org_service.build_principal(s, person_id=member)


def set_rule(s: Session, name: str, value: object) -> None:
    for org in s.scalars(select(Organisation)):
        org.rules = {**(org.rules or {}), name: value}
