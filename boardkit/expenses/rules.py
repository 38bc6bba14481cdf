"""The rules of expense claims: what a line may hold, who may see and do what, and retention.

Who: the claimant sees and edits their own claim; the board's chair attests it (the treasurer
when the chair is the claimant); the organisation's administration approves or rejects it. Nobody
attests or approves their own claim (403). The chair, vice chair and treasurer see the board's
claims once submitted; everybody else gets 404, exactly as if the claim did not exist.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from boardkit.core.db import utcnow
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal, Resource, is_staff_for
from boardkit.core.templating import TZ
from boardkit.expenses.models import VEHICLES, ExpenseClaim

MAX_AMOUNT_ORE = 10_000_000  # 100,000 kr on one receipt is not a board's expense
MAX_TEXT = 500
MAX_PURPOSE = 2000
MAX_STOPS = 10
EARLIEST = date(2000, 1, 1)
SECOND_APPROVAL_RULE = "expense_second_approval_ore"
SECOND_APPROVAL_DEFAULT_ORE = 500_000  # 5,000 kr
RETENTION_YEARS = 5
FINANCIAL_YEAR_START_RULE = "financial_year_start"
_MONTH_DAY = re.compile(r"\d{2}-\d{2}")
BOARD_READERS = frozenset({"chair", "vice_chair", "treasurer"})
EDITABLE = ("draft",)


def today() -> date:
    return utcnow().astimezone(TZ).date()


def default_vat(amount_ore: int) -> int:
    """VAT of 25% is 20% of a price that includes it."""
    return (amount_ore + 2) // 5


@dataclass
class ReceiptInput:
    amount_ore: int | None = None
    vat_ore: int | None = None
    spent_on: date | None = None
    description: str = ""


@dataclass
class MileageInput:
    travelled_on: date | None = None
    from_place: str = ""
    to_place: str = ""
    stops: list[str] = field(default_factory=list)
    purpose: str = ""
    km_tenths: int | None = None
    vehicle: str = "car"


def _check_day(day: date | None, key: str, errors: dict[str, str], *, required: bool) -> None:
    if day is None:
        if required:
            errors[key] = _("Skriv datoen.")
    elif day > today():
        errors[key] = _("Datoen ligger i fremtiden.")
    elif day < EARLIEST:
        errors[key] = _("Datoen er for gammel.")


def check_receipt(data: ReceiptInput, *, complete: bool = True) -> dict[str, str]:
    """Field errors of a receipt line; ``complete=False`` lets a fresh upload wait for its amount."""
    errors: dict[str, str] = {}
    amount = data.amount_ore
    if amount is None:
        if complete:
            errors["amount_ore"] = _("Skriv beløbet inklusive moms.")
    elif amount <= 0:
        errors["amount_ore"] = _("Beløbet skal være større end 0 kr.")
    elif amount > MAX_AMOUNT_ORE:
        errors["amount_ore"] = _("Beløbet er urimeligt stort (højst %(max)s kr på ét bilag).", max="100.000")
    vat = data.vat_ore
    if vat is not None:
        if vat < 0:
            errors["vat_ore"] = _("Momsen kan ikke være negativ.")
        elif amount is not None and amount > 0 and vat > amount:
            errors["vat_ore"] = _("Momsen kan ikke være større end hele beløbet.")
    _check_day(data.spent_on, "spent_on", errors, required=complete)
    if len(data.description.strip()) > MAX_TEXT:
        errors["description"] = _("Højst %(n)s tegn.", n=MAX_TEXT)
    return errors


def check_mileage(data: MileageInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    _check_day(data.travelled_on, "travelled_on", errors, required=True)
    for key, value in (("from_place", data.from_place), ("to_place", data.to_place)):
        if not value.strip():
            errors[key] = _("Skriv stedet.")
        elif len(value.strip()) > 200:
            errors[key] = _("Højst %(n)s tegn.", n=200)
    if len(data.stops) > MAX_STOPS or any(len(s) > 200 for s in data.stops):
        errors["stops"] = _("Højst %(n)s mellemstop på en tur.", n=MAX_STOPS)
    if not data.purpose.strip():
        errors["purpose"] = _("Skriv formålet med turen.")
    elif len(data.purpose.strip()) > MAX_TEXT:
        errors["purpose"] = _("Højst %(n)s tegn.", n=MAX_TEXT)
    km = data.km_tenths
    if km is None:
        errors["km"] = _("Skriv antal kilometer som et tal, fx 12,5.")
    elif km <= 0:
        errors["km"] = _("Antal kilometer skal være større end 0.")
    elif km > 20_000:
        errors["km"] = _("Højst 2.000 km på én linje. Del turen op.")
    if data.vehicle not in VEHICLES:
        errors["vehicle"] = _("Vælg bil eller cykel.")
    return errors


def check_bank(registration: str, account: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if registration and (not registration.isdigit() or len(registration) != 4):
        errors["bank_registration"] = _("Registreringsnummeret har 4 cifre.")
    if account and (not account.isdigit() or not 4 <= len(account) <= 10):
        errors["bank_account"] = _("Kontonummeret har op til 10 cifre.")
    if bool(registration) != bool(account):
        key = "bank_account" if registration else "bank_registration"
        errors.setdefault(key, _("Skriv både registreringsnummer og kontonummer."))
    return errors


# --- who may ------------------------------------------------------------------------------


def claim_resource(claim: ExpenseClaim) -> Resource:
    return Resource(
        organisation_id=claim.organisation_id, department_id=claim.department_id, board_id=claim.board_id
    )


def is_claimant(p: Principal, claim: ExpenseClaim) -> bool:
    return p.person_id is not None and p.person_id == claim.claimant_id


def is_administration(p: Principal, claim: ExpenseClaim) -> bool:
    return p.is_authenticated and is_staff_for(p, claim_resource(claim))


def may_view(p: Principal, claim: ExpenseClaim) -> bool:
    if is_claimant(p, claim) or is_administration(p, claim):
        return True
    return claim.status != "draft" and p.board_roles.get(claim.board_id) in BOARD_READERS


def may_see_bank(p: Principal, claim: ExpenseClaim) -> bool:
    return is_claimant(p, claim) or is_administration(p, claim)


def status_name(status: str) -> str:
    """A claim's status in words, for messages (the pages use ``expenses/_labels.html``)."""
    names = {
        "draft": _("kladde"),
        "submitted": _("til attestation"),
        "attested": _("til godkendelse"),
        "approved": _("godkendt"),
        "rejected": _("afvist"),
        "exported": _("sendt til bogføring"),
        "paid": _("udbetalt"),
    }
    return names.get(status, status)


def attester_role(claimant_role: str | None) -> str:
    """The chair attests; the treasurer attests the chair's own claims."""
    return "treasurer" if claimant_role == "chair" else "chair"


def second_approval_limit(rules: dict[str, object]) -> int:
    value = rules.get(SECOND_APPROVAL_RULE)
    return value if isinstance(value, int) and value >= 0 else SECOND_APPROVAL_DEFAULT_ORE


def financial_year(claim: ExpenseClaim) -> int:
    when = claim.submitted_at or claim.created_at
    return when.astimezone(TZ).year


def financial_year_start(org_rules: Mapping[str, Any] | None, day: date) -> date:
    """The first day of the financial year ``day`` falls in: the organisation rule
    ``financial_year_start`` ("MM-DD", as the year plan reads it), else 1 January."""
    month, first = 1, 1
    value = (org_rules or {}).get(FINANCIAL_YEAR_START_RULE)
    if isinstance(value, str) and _MONTH_DAY.fullmatch(value):
        try:
            date(2001, int(value[:2]), int(value[3:]))  # not a leap year: 02-29 is refused
            month, first = int(value[:2]), int(value[3:])
        except ValueError:
            pass
    start = date(day.year, month, first)
    return start if start <= day else start.replace(year=day.year - 1)


def retained_until(claim: ExpenseClaim, org_rules: Mapping[str, Any] | None = None) -> date | None:
    """The first day the claim may be deleted (5 years after the end of its financial year, by the
    organisation's ``org_rules``); None for a draft."""
    if claim.submitted_at is None:
        return None
    start = financial_year_start(org_rules, claim.submitted_at.astimezone(TZ).date())
    return start.replace(year=start.year + RETENTION_YEARS + 1)
