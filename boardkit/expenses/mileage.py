"""Mileage allowance: the year's rate table and the 20,000 km step across all of a claimant's claims.

The step counts the claimant's km already claimed that year for the same vehicle, in every claim
that is not rejected, in the order the lines were registered (lower line ids first), so an
approved line never changes when a later one is added. A line that crosses the step is split:
the km up to it at the year's rate, the rest at the rate above. A claim's mileage lines are
computed again on submit, when a deleted draft line or a rejected claim may have lowered the count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from boardkit.core import i18n
from boardkit.core.errors import RuleViolation
from boardkit.core.i18n import _
from boardkit.core.templating import fmt_money, fmt_number
from boardkit.expenses.models import ExpenseClaim, ExpenseLine, MileageRate

MAX_KM_TENTHS = 20_000  # 2,000 km on one line


def parse_km(value: Any) -> int | None:
    """Kilometres (a number, or text like "12,5") as tenths of a km; None when not a number."""
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip().replace(",", ".") if isinstance(value, str | int | float) else ""
    if not text or len(text) > 12:
        return None
    try:
        km = Decimal(text)
    except InvalidOperation:
        return None
    if not km.is_finite():
        return None
    return int((km * 10).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_km(tenths: int) -> str:
    return f"{tenths // 10},{tenths % 10}" if tenths % 10 else str(tenths // 10)


def km_text(value: int | str) -> str:
    """Kilometres for the reader (tenths, or a stored Danish text like "12,5"): "12,5" / "12.5"."""
    tenths = value if isinstance(value, int) else (parse_km(value) or 0)
    return fmt_number(tenths / 10, 1)


def calculation_text(calculation: dict[str, Any]) -> str:
    """A line's stored calculation ("12,5 km × 3,94 kr", kept in Danish as the voucher has it) in
    the reader's language."""
    parts = calculation.get("parts") or []
    if i18n.current_language() == "da" or not parts:
        return str(calculation.get("text", ""))
    return " + ".join(f"{km_text(p['km'])} km × {fmt_money(p['rate_ore'])}" for p in parts)


def _amount(rate_ore: int, tenths: int) -> int:
    return int((Decimal(rate_ore) * tenths / 10).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Part:
    km_tenths: int
    rate_ore: int
    amount_ore: int


def split(rate: MileageRate, *, km_before_tenths: int, km_tenths: int) -> list[Part]:
    """The line's km priced at the year's rates, split where the yearly step is crossed."""
    if rate.rate_above_ore is None:
        return [Part(km_tenths, rate.rate_ore, _amount(rate.rate_ore, km_tenths))]
    below = max(0, min(km_tenths, rate.threshold_km * 10 - km_before_tenths))
    parts = []
    if below:
        parts.append(Part(below, rate.rate_ore, _amount(rate.rate_ore, below)))
    if km_tenths - below:
        above = km_tenths - below
        parts.append(Part(above, rate.rate_above_ore, _amount(rate.rate_above_ore, above)))
    return parts


def get_rate(db: Session, *, year: int, vehicle: str) -> MileageRate:
    rate = db.scalar(select(MileageRate).where(MileageRate.year == year, MileageRate.vehicle == vehicle))
    if rate is None:
        raise RuleViolation(
            _("Der er ingen kilometertakst for %(year)s endnu. Kontakt administrationen.", year=year),
            code="no_mileage_rate",
            fields={"travelled_on": "no_mileage_rate"},
        )
    return rate


def km_claimed_before(db: Session, *, claimant_id: int, vehicle: str, year: int, before_line_id: int) -> int:
    """Tenths of km the claimant registered earlier in ``year`` for ``vehicle``, rejected claims left out."""
    total = db.scalar(
        select(func.coalesce(func.sum(ExpenseLine.km_tenths), 0))
        .join(ExpenseClaim, ExpenseClaim.id == ExpenseLine.claim_id)
        .where(
            ExpenseClaim.claimant_id == claimant_id,
            ExpenseClaim.status != "rejected",
            ExpenseLine.kind == "mileage",
            ExpenseLine.vehicle == vehicle,
            ExpenseLine.spent_on >= date(year, 1, 1),
            ExpenseLine.spent_on <= date(year, 12, 31),
            ExpenseLine.id < before_line_id,
        )
    )
    return int(total or 0)


def price_line(db: Session, *, line: ExpenseLine, claimant_id: int) -> None:
    """Set the line's amount and its calculation from the rate table (the line must have an id)."""
    assert line.spent_on is not None and line.id is not None
    year = line.spent_on.year
    rate = get_rate(db, year=year, vehicle=line.vehicle)
    before = km_claimed_before(
        db, claimant_id=claimant_id, vehicle=line.vehicle, year=year, before_line_id=line.id
    )
    parts = split(rate, km_before_tenths=before, km_tenths=line.km_tenths)
    line.amount_ore = sum(p.amount_ore for p in parts)
    line.vat_ore = 0
    line.calculation = {
        "year": year,
        "vehicle": line.vehicle,
        "km_before": format_km(before),
        "threshold_km": rate.threshold_km,
        "parts": [
            {"km": format_km(p.km_tenths), "rate_ore": p.rate_ore, "amount_ore": p.amount_ore} for p in parts
        ],
        "text": " + ".join(
            f"{format_km(p.km_tenths)} km × {p.rate_ore / 100:.2f} kr".replace(".", ",") for p in parts
        ),
    }
