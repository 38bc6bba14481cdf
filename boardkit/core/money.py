"""Amounts as people type and read them on a Danish (or English) page: "1.250,50" ↔ 125050 øre."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from boardkit.core import i18n

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
