"""The one Jinja environment, for pages and e-mails, with gettext and Danish formatting."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from boardkit.core import i18n

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
TZ = ZoneInfo("Europe/Copenhagen")


def local(value: datetime) -> datetime:
    return value.astimezone(TZ)


def _pattern(fmt: str) -> str:
    """A date pattern written the Danish way ("d. MMMM y 'kl.' HH.mm") as the reader's language
    writes it: in English "4 December 2026 at 19:00", not "4. December 2026 kl. 19.00"."""
    if i18n.current_language() != "en":
        return fmt
    return fmt.replace("'den' ", "").replace("d. ", "d ").replace("'kl.'", "'at'").replace("HH.mm", "HH:mm")


def fmt_datetime(value: datetime | None, fmt: str = "d. MMMM y 'kl.' HH:mm") -> str:
    if value is None:
        return ""
    return format_datetime(local(value), _pattern(fmt), locale=i18n.current_language())


def fmt_date(value: date | datetime | None, fmt: str = "d. MMMM y") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return format_date(value, _pattern(fmt), locale=i18n.current_language())


def fmt_time(value: datetime | None) -> str:
    return format_time(local(value), "HH:mm", locale=i18n.current_language()) if value else ""


def fmt_weekday(value: datetime) -> str:
    return format_date(local(value), "EEEE", locale=i18n.current_language())


def fmt_number(value: float | int, digits: int = 0, *, fixed: bool = False) -> str:
    """A number in the reader's language: "1.250,5" / "1,250.5" (at most ``digits`` decimals, or
    exactly that many when ``fixed``)."""
    pattern = "#,##0" + ("." + ("0" if fixed else "#") * digits if digits else "")
    return format_decimal(value, pattern, locale=i18n.current_language())


def fmt_isodate(value: str | date | None) -> str:
    """A date stored as ISO text (history, audit log) as the reader's date; other text as it is."""
    if isinstance(value, date):
        return fmt_date(value)
    try:
        return fmt_date(date.fromisoformat(value)) if value else ""
    except ValueError:
        return str(value)


def fmt_money(ore: int) -> str:
    """Øre as kroner in the reader's language: "1.250,50 kr." / "DKK 1,250.50" (CLDR's English
    pattern has no space after a currency code, so one is put in)."""
    language = i18n.current_language()
    pattern = "¤\u00a0#,##0.00" if language == "en" else None
    return format_currency(ore / 100, "DKK", pattern, locale=language)


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html"], default_for_string=False, default=False),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda s: i18n.translations(i18n.current_language()).gettext(s),
        lambda s, p, n: i18n.translations(i18n.current_language()).ngettext(s, p, n),
        newstyle=True,
    )
    env.filters.update(
        datetime=fmt_datetime,
        date=fmt_date,
        time=fmt_time,
        weekday=fmt_weekday,
        local=local,
        kr=fmt_money,
        number=fmt_number,
        isodate=fmt_isodate,
    )
    env.globals.update(languages=i18n.LANGUAGES, current_language=i18n.current_language)
    return env


ENV = make_environment()


def render(name: str, context: dict[str, Any]) -> str:
    return ENV.get_template(name).render(context)
