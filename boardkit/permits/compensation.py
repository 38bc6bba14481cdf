"""Godtgørelse: what a resident who moves out is paid for a råderet improvement.

The base is what firms invoiced for the work: a line counts only when the firm has a valid CVR
number and is VAT registered, and never for own labour or white goods. The base is capped by the
maximum in force on the day the improvement was taken into use (a dated configuration value the
organisation keeps, never a constant), then written down straight-line, by whole months, over the
item's life (10–20 years, per item type):

    kitchen 75,000 kr, life 20 years, in use 2020-06-01, moving out 2025-06-01 → 56,250 kr
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from boardkit.core.errors import ValidationFailed
from boardkit.core.i18n import _

MIN_LIFE_YEARS, MAX_LIFE_YEARS = 10, 20
CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    amount_ore: int
    cvr: str = ""
    vat_registered: bool = False
    own_labour: bool = False
    white_goods: bool = False


@dataclass(frozen=True)
class DatedAmount:
    """A maximum in force from ``valid_from`` until the next one."""

    valid_from: date
    amount_ore: int


@dataclass(frozen=True)
class Compensation:
    eligible_ore: int  # the invoice lines that count
    base_ore: int  # after the maximum in force when taken into use
    owed_ore: int  # written down to the day of moving out
    months_used: int
    life_months: int
    excluded: list[tuple[InvoiceLine, str]] = field(default_factory=list)


def valid_cvr(cvr: str) -> bool:
    """Eight digits passing the modulus 11 check of the Danish CVR register."""
    digits = cvr.replace(" ", "")
    if len(digits) != 8 or not digits.isdigit() or digits[0] == "0":
        return False
    return sum(int(d) * w for d, w in zip(digits, CVR_WEIGHTS, strict=True)) % 11 == 0


def why_excluded(line: InvoiceLine) -> str | None:
    """Why a line does not count towards the compensation (None: it counts)."""
    if line.own_labour:
        return _("Eget arbejde giver ikke godtgørelse.")
    if line.white_goods:
        return _("Hvidevarer giver ikke godtgørelse.")
    if not valid_cvr(line.cvr):
        return _("Fakturaen skal være fra et firma med et gyldigt CVR-nummer.")
    if not line.vat_registered:
        return _("Firmaet skal være momsregistreret.")
    return None


def maximum_on(day: date, maxima: Sequence[DatedAmount]) -> int | None:
    """The maximum in force on ``day`` (None when none was set yet)."""
    current = [m for m in maxima if m.valid_from <= day]
    return max(current, key=lambda m: m.valid_from).amount_ore if current else None


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (0 when ``end`` comes first)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return max(months, 0)


def compensation(
    lines: Sequence[InvoiceLine],
    *,
    life_years: int,
    taken_into_use: date,
    moved_out: date,
    maxima: Sequence[DatedAmount] = (),
) -> Compensation:
    """What is owed for an improvement when the resident moves out on ``moved_out``."""
    if not MIN_LIFE_YEARS <= life_years <= MAX_LIFE_YEARS:
        raise ValidationFailed(
            _("Levetiden skal være mellem %(lo)s og %(hi)s år.", lo=MIN_LIFE_YEARS, hi=MAX_LIFE_YEARS),
            fields={"life_years": "out_of_range"},
        )
    excluded = [(line, reason) for line in lines if (reason := why_excluded(line)) is not None]
    eligible = sum(line.amount_ore for line in lines if why_excluded(line) is None)
    cap = maximum_on(taken_into_use, maxima)
    base = eligible if cap is None else min(eligible, cap)
    life_months = life_years * 12
    used = min(months_between(taken_into_use, moved_out), life_months)
    owed = base * (life_months - used) // life_months
    return Compensation(eligible, base, owed, used, life_months, excluded)
