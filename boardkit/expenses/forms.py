"""Reading the expense pages' forms: Danish amounts ("1.250,50"), dates and kilometres."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from boardkit.core import i18n
from boardkit.core.i18n import _
from boardkit.expenses import mileage, rules

# "125", "125,5", "125,50", "1.250,50", "1250.50" (a point before two last digits is a decimal point)
_KR = re.compile(r"^-?(\d{1,3}(\.\d{3})+|\d+)(,\d{1,2})?$")
_KR_POINT = re.compile(r"^-?\d+\.\d{1,2}$")
# "1,250.50", "1,250" as typed on an English page (a comma before three digits is never Danish)
_KR_ENGLISH = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d{1,2})?$")


def parse_kr(text: str) -> int | None:
    """Kroner as typed on a Danish page → øre; None when it is not an amount."""
    text = text.strip().removesuffix("kr").removesuffix("kr.").strip().replace(" ", "")
    if not text or len(text) > 20:
        return None
    if _KR_POINT.match(text):
        normal = text
    elif _KR_ENGLISH.match(text):
        normal = text.replace(",", "")
    elif _KR.match(text):
        normal = text.replace(".", "").replace(",", ".")
    else:
        return None
    try:
        return int((Decimal(normal) * 100).to_integral_value())
    except InvalidOperation:
        return None


def format_kr(ore: int) -> str:
    """Øre as an amount to put back in a field, as the reader writes it: 125050 → "1.250,50", or on an
    English page "1250.50" (both read back by :func:`parse_kr`)."""
    sign = "-" if ore < 0 else ""
    kr, rest = divmod(abs(ore), 100)
    if i18n.current_language() == "en":
        return f"{sign}{kr}.{rest:02d}"
    return f"{sign}{kr:,}".replace(",", ".") + f",{rest:02d}"


def parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if len(text.strip()) == 10 else None
    except ValueError:
        return None


def money(value: str, key: str, errors: dict[str, str]) -> int | None:
    """An amount field: empty is None, anything else must be an amount."""
    if not value.strip():
        return None
    ore = parse_kr(value)
    if ore is None:
        errors[key] = _("Skriv beløbet i kroner, fx 125,50.")
    return ore


def day(value: str, key: str, errors: dict[str, str]) -> date | None:
    if not value.strip():
        return None
    found = parse_day(value)
    if found is None:
        errors[key] = _("Skriv en gyldig dato.")
    return found


def receipt_input(values: dict[str, str]) -> tuple[rules.ReceiptInput, dict[str, str]]:
    """A receipt line's fields (amount and VAT in kroner) and the errors of reading them."""
    errors: dict[str, str] = {}
    data = rules.ReceiptInput(
        amount_ore=money(values.get("amount", ""), "amount_ore", errors),
        vat_ore=money(values.get("vat", ""), "vat_ore", errors),
        spent_on=day(values.get("spent_on", ""), "spent_on", errors),
        description=values.get("description", ""),
    )
    return data, errors


def mileage_input(values: dict[str, str]) -> tuple[rules.MileageInput, dict[str, str]]:
    errors: dict[str, str] = {}
    km_text = values.get("km", "")
    km = mileage.parse_km(km_text) if km_text else None
    if km_text and km is None:
        errors["km"] = _("Skriv antal kilometer som et tal, fx 12,5.")
    data = rules.MileageInput(
        travelled_on=day(values.get("travelled_on", ""), "travelled_on", errors),
        from_place=values.get("from_place", ""),
        to_place=values.get("to_place", ""),
        stops=[s.strip() for s in re.split(r"[\n;]", values.get("stops", "")) if s.strip()],
        purpose=values.get("purpose", ""),
        km_tenths=km,
        vehicle=values.get("vehicle", "car"),
    )
    return data, errors
