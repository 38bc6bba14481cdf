"""The organisation's rules for the year plan, kept by its administration in ``Organisation.rules``:
the financial year's first day, the month of the inspection walk, the month of the accounts' approval
(or the default), and the days until the constituting board meeting. Every change is in the audit log.

The keys and their meaning are ``yearplan``'s; what ``yearplan`` would read as invalid is refused here
with a message per field, so the rules always say what the plan shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from boardkit.core import audit
from boardkit.core.errors import NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.onboarding import yearplan
from boardkit.org import service as org_service

FINANCIAL_YEAR_START = "financial_year_start"
INSPECTION_MONTH = "inspection_month"
ACCOUNTS_APPROVAL_MONTH = "accounts_approval_month"
CONSTITUTING_DAYS = "constituting_meeting_days"
KEYS = (FINANCIAL_YEAR_START, INSPECTION_MONTH, ACCOUNTS_APPROVAL_MONTH, CONSTITUTING_DAYS)
MAX_CONSTITUTING_DAYS = 365
_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")


@dataclass(frozen=True)
class PlanRules:
    """The rules as the form shows them: what the plan uses (the default where none is set)."""

    financial_year_start: str  # "MM-DD"
    inspection_month: int
    accounts_approval_month: int | None  # None: the default, the 5th month after the year ends
    default_accounts_approval_month: int
    constituting_meeting_days: int


def organisation_of(principal: Principal) -> int:
    """The one organisation whose rules this staff member keeps (404 for anyone else)."""
    if len(principal.staff_organisation_ids) != 1:
        raise NotFound()
    return next(iter(principal.staff_organisation_ids))


def _organisation(db: Session, principal: Principal) -> org_service.Organisation:
    organisation = db.get(org_service.Organisation, organisation_of(principal))
    if organisation is None:
        raise NotFound()
    return organisation


def rules_of(rules: dict[str, Any] | None) -> PlanRules:
    start = yearplan.financial_year_start(rules, 2001)
    own_accounts = (rules or {}).get(ACCOUNTS_APPROVAL_MONTH)
    return PlanRules(
        financial_year_start=f"{start:%m-%d}",
        inspection_month=yearplan.inspection_month(rules),
        accounts_approval_month=yearplan.accounts_approval_month(rules) if own_accounts is not None else None,
        default_accounts_approval_month=yearplan.accounts_approval_month(
            {FINANCIAL_YEAR_START: (rules or {}).get(FINANCIAL_YEAR_START)}
        ),
        constituting_meeting_days=yearplan.constituting_days(rules),
    )


def plan_rules(db: Session, *, principal: Principal) -> tuple[org_service.Organisation, PlanRules]:
    """The administration's organisation and its rules for the year plan (404 for anyone else)."""
    organisation = _organisation(db, principal)
    return organisation, rules_of(organisation.rules)


def _month_day(raw: str) -> str | None:
    found = _MONTH_DAY.match(raw.strip())
    if not found:
        return None
    month, day = int(found.group(1)), int(found.group(2))
    try:
        date(2001, month, day)  # a day every year has: not 29 February
    except ValueError:
        return None
    return f"{month:02d}-{day:02d}"


def _whole(raw: str, *, low: int, high: int) -> int | None:
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 4:
        return None
    value = int(raw)
    return value if low <= value <= high else None


def parse(
    *, financial_year_start: str, inspection_month: str, accounts_approval_month: str, constituting_days: str
) -> dict[str, Any]:
    """The rules from the form's text, or ``ValidationFailed`` with a Danish message per field. An empty
    accounts month means the default (the key is removed)."""
    errors: dict[str, str] = {}
    start = _month_day(financial_year_start)
    if start is None:
        errors[FINANCIAL_YEAR_START] = _(
            "Skriv regnskabsårets første dag som MM-DD, fx 07-01 for 1. juli. Dagen skal findes i alle år "
            "(ikke 29. februar)."
        )
    inspection = _whole(inspection_month, low=1, high=12)
    if inspection is None:
        errors[INSPECTION_MONTH] = _("Vælg måneden for markvandringen.")
    accounts: int | None = None
    if accounts_approval_month.strip():
        accounts = _whole(accounts_approval_month, low=1, high=12)
        if accounts is None:
            errors[ACCOUNTS_APPROVAL_MONTH] = _("Vælg måneden for godkendelse af regnskabet, eller standard.")
    days = _whole(constituting_days, low=1, high=MAX_CONSTITUTING_DAYS)
    if days is None:
        errors[CONSTITUTING_DAYS] = _(
            "Skriv et helt antal dage mellem 1 og %(max)s.", max=MAX_CONSTITUTING_DAYS
        )
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    return {
        FINANCIAL_YEAR_START: start,
        INSPECTION_MONTH: inspection,
        ACCOUNTS_APPROVAL_MONTH: accounts,
        CONSTITUTING_DAYS: days,
    }


def update_plan_rules(
    db: Session,
    *,
    principal: Principal,
    financial_year_start: str,
    inspection_month: str,
    accounts_approval_month: str,
    constituting_days: str,
) -> org_service.Organisation:
    """Save the organisation's rules for the year plan (the administration only; 404 for anyone else;
    ``ValidationFailed`` and nothing saved for bad input), audited when anything changed."""
    organisation = _organisation(db, principal)
    values = parse(
        financial_year_start=financial_year_start,
        inspection_month=inspection_month,
        accounts_approval_month=accounts_approval_month,
        constituting_days=constituting_days,
    )
    rules = dict(organisation.rules or {})
    before = {k: rules.get(k) for k in KEYS}
    for key, value in values.items():
        if value is None:
            rules.pop(key, None)
        else:
            rules[key] = value
    after = {k: rules.get(k) for k in KEYS}
    if after != before:
        organisation.rules = rules
        audit.record(
            db,
            actor_id=principal.person_id,
            action="organisation.year_plan_rules",
            obj=organisation,
            organisation_id=organisation.id,
            diff={k: [before[k], after[k]] for k in KEYS if before[k] != after[k]},
        )
    return organisation
