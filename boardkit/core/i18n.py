"""Translations: Danish source strings, English (and later others) through gettext catalogs.

Catalogs are ``boardkit/locale/<lang>/LC_MESSAGES/messages.po``, compiled in memory at first
use, so there is no build step. The current language is a context variable set per request
(and per e-mail, rendered in the recipient's language).
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy

LANGUAGES = {"da": "Dansk", "en": "English"}
DEFAULT = "da"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

_current: ContextVar[str] = ContextVar("boardkit_language", default=DEFAULT)


@cache
def translations(language: str) -> _gettext.NullTranslations:
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT or not po.is_file():
        return _gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buf = BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


def normalise(language: str | None) -> str:
    lang = (language or "").split("-")[0].split("_")[0].lower()
    return lang if lang in LANGUAGES else DEFAULT


def current_language() -> str:
    return _current.get()


def set_language(language: str | None) -> None:
    _current.set(normalise(language))


@contextmanager
def language(lang: str | None) -> Iterator[None]:
    token = _current.set(normalise(lang))
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str, **variables: object) -> str:
    text = translations(_current.get()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations(_current.get()).ngettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


def lazy_gettext(message: str, **variables: object) -> LazyProxy:
    """For module-level strings (labels, choices) translated when shown."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


_ = gettext
