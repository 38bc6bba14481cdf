"""The default kinds (seeded once per organisation, editable) and the banned breeds."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from boardkit.core.db import Database
from boardkit.org.models import Organisation
from boardkit.permits.catalogue import DEFAULT_KINDS, banned_breed, seed_kinds
from boardkit.permits.models import PermitKind


def test_every_organisation_gets_the_default_kinds_once(db: Database) -> None:
    with db.transaction() as s:
        org = Organisation(name="Boligselskabet Øst", short_name="oest")
        s.add(org)
        s.flush()
        kinds = seed_kinds(s, organisation_id=org.id)
        assert [k.code for k in kinds] == [k.code for k in DEFAULT_KINDS]
        kitchen = next(k for k in kinds if k.code == "kitchen")
        assert (kitchen.track, kitchen.life_years, kitchen.group) == ("report", 20, "improvement")
        kitchen.life_years = 15  # the administration's own choice survives seeding again
        seed_kinds(s, organisation_id=org.id)
        assert s.scalar(select(func.count()).select_from(PermitKind)) == len(DEFAULT_KINDS)
        assert s.scalar(select(PermitKind.life_years).where(PermitKind.code == "kitchen")) == 15


@pytest.mark.parametrize(
    ("breed", "banned"),
    [
        ("Pitbull terrier", "Pitbull terrier"),
        ("pit-bull blanding", "Pitbull terrier"),
        ("AmStaff", "Amerikansk staffordshire terrier"),
        ("Tosa Inu", "Tosa inu"),
        ("Kangal x schæfer", "Kangal"),
        ("Staffordshire bull terrier", None),  # the English one is allowed
        ("Labrador retriever", None),
        ("Bulldog", None),
    ],
)
def test_banned_breeds_are_recognised_however_they_are_written(breed: str, banned: str | None) -> None:
    assert banned_breed(breed, {}) == banned


def test_the_organisation_can_ban_more_breeds() -> None:
    assert banned_breed("Rottweiler", {"permits_banned_breeds": ["Rottweiler"]}) == "Rottweiler"
    assert banned_breed("Rottweiler", {}) is None
