"""The organisation's rules for resident democracy, kept by its administration:

- ``one_person_both_units``: may one person present use both of the household's two units
  (default no: each unit needs its own voter present);
- ``urafstemning_demand_share``: the share of the voters present at a department meeting who must
  demand an urafstemning (almenboligloven § 37, stk. 3: the statutes set it, at most 25%).

A roll copies the first rule when it is made, so a change never alters a running vote.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from boardkit.core import audit
from boardkit.core.errors import NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.democracy.roll import BOTH_UNITS_RULE
from boardkit.org import service as org_service

DEMAND_SHARE_RULE = "urafstemning_demand_share"  # a fraction, e.g. 0.25
MAX_DEMAND_SHARE = 0.25


@dataclass(frozen=True)
class Rules:
    one_person_both_units: bool
    demand_percent: int  # of the voters present


def rules_of(organisation: org_service.Organisation) -> Rules:
    rules = organisation.rules or {}
    share = float(rules.get(DEMAND_SHARE_RULE, MAX_DEMAND_SHARE))
    return Rules(
        one_person_both_units=bool(rules.get(BOTH_UNITS_RULE, False)),
        demand_percent=round(min(share, MAX_DEMAND_SHARE) * 100),
    )


def demand_share(db: Session, organisation_id: int) -> float:
    organisation = db.get(org_service.Organisation, organisation_id)
    if organisation is None:
        return MAX_DEMAND_SHARE
    return rules_of(organisation).demand_percent / 100


def kept_organisation(db: Session, principal: Principal) -> org_service.Organisation:
    """The one organisation whose rules this staff member keeps (404 for anyone else)."""
    if len(principal.staff_organisation_ids) != 1:
        raise NotFound()
    organisation = db.get(org_service.Organisation, next(iter(principal.staff_organisation_ids)))
    if organisation is None:
        raise NotFound()
    return organisation


def update_rules(db: Session, *, principal: Principal, both_units: bool, demand_percent: str) -> Rules:
    organisation = kept_organisation(db, principal)
    text = demand_percent.strip().rstrip("%").strip()
    if not text.isdigit() or not 1 <= int(text) <= 25:
        raise ValidationFailed(
            _("Nogle felter skal rettes."),
            fields={"demand_percent": _("Skriv et helt tal fra 1 til 25 (procent af de fremmødte).")},
        )
    before = rules_of(organisation)
    rules = dict(organisation.rules or {})
    rules[BOTH_UNITS_RULE] = both_units
    rules[DEMAND_SHARE_RULE] = int(text) / 100
    organisation.rules = rules
    after = rules_of(organisation)
    if after != before:
        audit.record(
            db,
            actor_id=principal.person_id,
            action="organisation.democracy_rules",
            obj=organisation,
            organisation_id=organisation.id,
            diff={
                k: [getattr(before, k), getattr(after, k)]
                for k in Rules.__dataclass_fields__
                if getattr(before, k) != getattr(after, k)
            },
        )
    return after
