"""The administration's settings for permits: each kind's track, life and flags (delegating a
kind to the department boards among them), and the organisation's rules (explicit approval instead
of the silence rule, banned breeds beyond the law's). Every change is in the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core import audit
from boardkit.core.errors import NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.org import service as org_service
from boardkit.permits import catalogue
from boardkit.permits.compensation import MAX_LIFE_YEARS, MIN_LIFE_YEARS
from boardkit.permits.deadlines import Track
from boardkit.permits.models import CompensationMaximum, PermitKind


@dataclass(frozen=True)
class KindSettings:
    track: str
    life_years: int | None
    reestablish_on_move_out: bool
    needs_building_permit: bool
    delegated_to_board: bool
    active: bool


def organisation_of(principal: Principal) -> int:
    """The one organisation whose settings this staff member keeps (404 for anyone else)."""
    if len(principal.staff_organisation_ids) != 1:
        raise NotFound()
    return next(iter(principal.staff_organisation_ids))


def kinds(db: Session, *, principal: Principal) -> tuple[org_service.Organisation, list[PermitKind]]:
    organisation = db.get(org_service.Organisation, organisation_of(principal))
    if organisation is None:
        raise NotFound()
    rows = db.scalars(
        select(PermitKind).where(PermitKind.organisation_id == organisation.id).order_by(PermitKind.position)
    )
    return organisation, list(rows)


def update_kind(db: Session, *, principal: Principal, code: str, settings: KindSettings) -> PermitKind:
    organisation_id = organisation_of(principal)
    kind = db.scalar(
        select(PermitKind).where(PermitKind.organisation_id == organisation_id, PermitKind.code == code)
    )
    if kind is None:
        raise NotFound()
    errors = {}
    if settings.track not in {t.value for t in Track}:
        errors["track"] = _("Vælg en behandling.")
    life = settings.life_years
    if kind.group == "improvement" and (life is None or not MIN_LIFE_YEARS <= life <= MAX_LIFE_YEARS):
        errors["life_years"] = _(
            "Levetiden skal være mellem %(lo)s og %(hi)s år.", lo=MIN_LIFE_YEARS, hi=MAX_LIFE_YEARS
        )
    if kind.group != "improvement" and life is not None:
        errors["life_years"] = _("Kun forbedringer har en levetid.")
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    before = {name: getattr(kind, name) for name in KindSettings.__dataclass_fields__}
    for name in KindSettings.__dataclass_fields__:
        setattr(kind, name, getattr(settings, name))
    changed = {k: [v, getattr(kind, k)] for k, v in before.items() if v != getattr(kind, k)}
    if changed:
        audit.record(
            db,
            actor_id=principal.person_id,
            action="permit_kind.update",
            obj=kind,
            organisation_id=organisation_id,
            summary=kind.name,
            diff=changed,
        )
    return kind


def update_rules(
    db: Session, *, principal: Principal, explicit_approval: bool, banned_breeds: list[str]
) -> org_service.Organisation:
    organisation = db.get(org_service.Organisation, organisation_of(principal))
    if organisation is None:
        raise NotFound()
    breeds = [" ".join(b.split())[:80] for b in banned_breeds if b.strip()][:100]
    rules = dict(organisation.rules or {})
    before = {k: rules.get(k) for k in (catalogue.EXPLICIT_APPROVAL_RULE, catalogue.BANNED_BREEDS_RULE)}
    rules[catalogue.EXPLICIT_APPROVAL_RULE] = explicit_approval
    rules[catalogue.BANNED_BREEDS_RULE] = breeds
    organisation.rules = rules
    after = {k: rules.get(k) for k in before}
    if after != before:
        audit.record(
            db,
            actor_id=principal.person_id,
            action="organisation.permit_rules",
            obj=organisation,
            organisation_id=organisation.id,
            diff={k: [before[k], after[k]] for k in before},
        )
    return organisation


def maxima(db: Session, *, principal: Principal) -> list[CompensationMaximum]:
    query = select(CompensationMaximum).where(
        CompensationMaximum.organisation_id == organisation_of(principal)
    )
    return list(db.scalars(query.order_by(CompensationMaximum.valid_from.desc())))


def set_maximum(
    db: Session, *, principal: Principal, valid_from: date | None, amount_ore: int | None
) -> None:
    """The maximum compensation base from ``valid_from`` on (the yearly indexed amount; a new one
    for the same day replaces it)."""
    organisation_id = organisation_of(principal)
    errors = {}
    if valid_from is None or valid_from.year < 1990:
        errors["valid_from"] = _("Skriv den dag, beløbet gælder fra.")
    if amount_ore is None or not 0 < amount_ore <= 100_000_000_00:
        errors["max_amount"] = _("Skriv beløbet i kroner, fx 75.000,00.")
    if errors or valid_from is None or amount_ore is None:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    row = db.scalar(
        select(CompensationMaximum).where(
            CompensationMaximum.organisation_id == organisation_id,
            CompensationMaximum.valid_from == valid_from,
        )
    )
    before = row.amount_ore if row is not None else None
    if row is None:
        row = CompensationMaximum(
            organisation_id=organisation_id, valid_from=valid_from, amount_ore=amount_ore
        )
        db.add(row)
    row.amount_ore = amount_ore
    audit.record(
        db,
        actor_id=principal.person_id,
        action="permit.compensation_maximum",
        obj=row,
        organisation_id=organisation_id,
        diff={valid_from.isoformat(): [before, amount_ore]},
    )
