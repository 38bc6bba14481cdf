"""The kinds an organisation starts with (the administration edits them afterwards), and the
rules that belong to a kind: the breeds no dog permit can be given for, where an installation
outside the home goes.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.permits.deadlines import Track
from boardkit.permits.models import PermitKind

# Hundeloven § 1 a: breeds (and crosses) nobody may keep in Denmark. The organisation may add more
# (``Organisation.rules["permits_banned_breeds"]``).
BANNED_BREEDS = (
    "Pitbull terrier",
    "Tosa inu",
    "Amerikansk staffordshire terrier",
    "Fila brasileiro",
    "Dogo argentino",
    "Amerikansk bulldog",
    "Boerboel",
    "Kangal",
    "Centralasiatisk ovtcharka",
    "Kaukasisk ovtcharka",
    "Sydrussisk ovtcharka",
    "Tornjak",
    "Sarplaninac",
)
BANNED_BREEDS_RULE = "permits_banned_breeds"
EXPLICIT_APPROVAL_RULE = "permits_explicit_approval"  # reports need a decision (no silence rule)
RETENTION_RULE = "permits_retention_years"  # closed cases kept after the tenancy ends (default 5)
OUTDOOR_OTHER = "outdoor_other"


@dataclass(frozen=True)
class KindDefault:
    code: str
    name: str
    group: str
    track: Track
    reestablish: bool = False
    life_years: int | None = None
    building_permit: bool = False


A, R, N = Track.APPLICATION, Track.REPORT, Track.NOTICE
DEFAULT_KINDS = (
    KindDefault("dog", "Hund", "pets", A),
    KindDefault("cat", "Kat", "pets", A),
    KindDefault("other_pet", "Andet husdyr", "pets", A),
    KindDefault("washing_machine", "Vaskemaskine", "installations", N, reestablish=True),
    KindDefault("dishwasher", "Opvaskemaskine", "installations", N, reestablish=True),
    KindDefault("tumble_dryer", "Tørretumbler", "installations", N, reestablish=True),
    KindDefault("hood", "Emhætte", "installations", N, reestablish=True),
    KindDefault("stove", "Komfur", "installations", N, reestablish=True),
    KindDefault("other_installation", "Anden installation i boligen", "installations", N, reestablish=True),
    KindDefault("antenna", "Antenne eller parabol", "antenna", A, reestablish=True),
    KindDefault("kitchen", "Nyt køkken", "improvement", R, life_years=20),
    KindDefault("bathroom", "Nyt badeværelse", "improvement", R, life_years=20),
    KindDefault("floors", "Nye gulve", "improvement", R, life_years=15),
    KindDefault("doors", "Nye døre", "improvement", R, life_years=15),
    KindDefault("other_improvement", "Anden forbedring", "improvement", R, life_years=10),
    KindDefault("alteration", "Ændring af boligen (f.eks. fjerne en væg)", "alteration", R, reestablish=True),
    KindDefault("conservatory", "Udestue", "outdoor", A, building_permit=True),
    KindDefault("pergola", "Pergola", "outdoor", A),
    KindDefault("carport", "Carport", "outdoor", A, building_permit=True),
    KindDefault("fence", "Hegn", "outdoor", A),
    KindDefault("ev_charger", "Ladestander på ydermur", "outdoor", A, reestablish=True),
    KindDefault(OUTDOOR_OTHER, "Andet arbejde udendørs", "outdoor", A, reestablish=True),
)


def seed_kinds(db: Session, *, organisation_id: int) -> list[PermitKind]:
    """Give an organisation the default kinds it does not have yet (by code); returns all its kinds."""
    have = set(db.scalars(select(PermitKind.code).where(PermitKind.organisation_id == organisation_id)))
    for position, kind in enumerate(DEFAULT_KINDS):
        if kind.code not in have:
            db.add(
                PermitKind(
                    organisation_id=organisation_id,
                    code=kind.code,
                    name=kind.name,
                    group=kind.group,
                    track=kind.track.value,
                    reestablish_on_move_out=kind.reestablish,
                    life_years=kind.life_years,
                    needs_building_permit=kind.building_permit,
                    position=position,
                )
            )
    db.flush()
    query = (
        select(PermitKind).where(PermitKind.organisation_id == organisation_id).order_by(PermitKind.position)
    )
    return list(db.scalars(query))


def _plain(name: str) -> str:
    """A breed name compared without case, accents or punctuation ("Pit-bull Terrier" = "pitbull terrier")."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in folded if c.isalnum())


# What people also write for a banned breed (English names, short forms).
ALIASES = {
    "Pitbull terrier": ("pitbull", "pit bull"),
    "Amerikansk staffordshire terrier": ("american staffordshire", "amstaff"),
    "Amerikansk bulldog": ("american bulldog",),
    "Dogo argentino": ("argentinsk dogge",),
    "Centralasiatisk ovtcharka": ("central asian shepherd", "alabai"),
    "Kaukasisk ovtcharka": ("caucasian shepherd",),
    "Sydrussisk ovtcharka": ("south russian shepherd",),
}


def banned_breed(breed: str, rules: dict[str, object]) -> str | None:
    """The banned breed that ``breed`` names or is a cross of (None: it may be approved)."""
    extra = rules.get(BANNED_BREEDS_RULE)
    banned = [*BANNED_BREEDS, *(str(b) for b in extra)] if isinstance(extra, list) else list(BANNED_BREEDS)
    plain = _plain(breed)
    for name in banned:
        if any(_plain(form) and _plain(form) in plain for form in (name, *ALIASES.get(name, ()))):
            return name
    return None
