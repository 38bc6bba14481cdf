"""Reading the expense pages' forms: amounts (``core.money``), dates and kilometres."""

from __future__ import annotations

import re
from datetime import date

from boardkit.core.i18n import _
from boardkit.core.money import parse_kr
from boardkit.expenses import mileage, rules


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
