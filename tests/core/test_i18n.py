"""The English catalog covers every Danish source string, and the runtime picks the right language.

The source strings are extracted afresh with Babel and the project's own ``babel.cfg``, so a string
added to the code or a template without an English translation fails here, not in front of a user.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from boardkit.core import i18n

ROOT = Path(__file__).resolve().parents[2]
EN_PO = i18n.LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]")


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    """What ``pybabel extract -F babel.cfg .`` would find, run in-process."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, str(ROOT / "babel.cfg"))
    catalog = Catalog(locale="da")
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None}
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


@pytest.fixture(scope="module")
def english() -> Catalog:
    with EN_PO.open("rb") as fh:
        return read_po(fh, locale="en")


def _messages(catalog: Catalog) -> Iterator[Message]:
    return (m for m in catalog if m.id)


def _where(message: Message) -> str:
    return ", ".join(f"{path}:{line}" for path, line in message.locations) or "?"


def _texts(value: object) -> tuple[str, ...]:
    """A msgid or msgstr as a tuple: one item, or one per plural form."""
    if isinstance(value, str):
        return (value,)
    assert isinstance(value, (tuple, list)), value
    return tuple(str(v) for v in value)


def _placeholders(*texts: str) -> set[str]:
    return {name for text in texts for name in PLACEHOLDER.findall(text)}


def test_extraction_finds_the_source_strings(extracted: Catalog) -> None:
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _messages(extracted)}
    # One from Python code, one from a Jinja template, one ngettext from a template.
    assert {"Mine bestyrelser", "Dine oplysninger er gemt.", "%(num)s bestyrelse"} <= ids
    assert len(ids) > 100


def test_english_catalog_header(english: Catalog) -> None:
    assert str(english.locale) == "en"
    assert english.num_plurals == 2
    assert english.plural_expr == "(n != 1)"
    assert english.charset.lower() == "utf-8"
    assert not english.fuzzy


def test_every_source_string_has_an_english_translation(extracted: Catalog, english: Catalog) -> None:
    problems = []
    for source in _messages(extracted):
        translated = english.get(source.id, source.context)
        if translated is None:
            problems.append(f"missing: {source.id!r} ({_where(source)})")
            continue
        if "fuzzy" in translated.flags:
            problems.append(f"fuzzy: {source.id!r}")
        forms = _texts(translated.string)
        if isinstance(source.id, tuple) != isinstance(translated.id, tuple):
            problems.append(f"plural mismatch: {source.id!r}")
        elif isinstance(source.id, tuple) and len(forms) != english.num_plurals:
            problems.append(f"wrong number of plural forms: {source.id!r}")
        if not all(form and form.strip() for form in forms):
            problems.append(f"empty translation: {source.id!r} ({_where(source)})")
    assert not problems, "\n".join(problems)


def test_translations_keep_the_placeholders(english: Catalog) -> None:
    problems = []
    for message in _messages(english):
        ids, forms = _texts(message.id), _texts(message.string)
        expected = _placeholders(*ids)
        for form in forms:
            if not form:
                continue  # reported by the coverage test
            if _placeholders(form) != expected:
                problems.append(f"{message.id!r}: {sorted(_placeholders(form))} != {sorted(expected)}")
            elif expected:
                try:
                    form % dict.fromkeys(expected, 1)
                except (KeyError, TypeError, ValueError) as exc:
                    problems.append(f"{message.id!r}: {form!r} does not format ({exc})")
    assert not problems, "\n".join(problems)


def test_english_and_danish_at_runtime() -> None:
    with i18n.language("en"):
        assert i18n.current_language() == "en"
        assert i18n.gettext("Mine bestyrelser") == "My boards"
        assert i18n.gettext("Log ind") == "Log in"
        assert i18n.gettext("Hej %(name)s", name="Anna") == "Hello Anna"
        one = i18n.ngettext("Du sidder i %(num)s bestyrelse.", "Du sidder i %(num)s bestyrelser.", 1)
        two = i18n.ngettext("Du sidder i %(num)s bestyrelse.", "Du sidder i %(num)s bestyrelser.", 2)
        assert (one, two) == ("You are on 1 board.", "You are on 2 boards.")
        assert str(i18n.lazy_gettext("Log ud")) == "Log out"
    with i18n.language("da"):
        assert i18n.gettext("Mine bestyrelser") == "Mine bestyrelser"
        assert i18n.gettext("Hej %(name)s", name="Anna") == "Hej Anna"
        assert i18n.ngettext("%(num)s person", "%(num)s personer", 3) == "3 personer"


def test_language_tags_are_normalised() -> None:
    assert i18n.normalise("en-GB") == "en"
    assert i18n.normalise("EN_us") == "en"
    with i18n.language("en-GB"):
        assert i18n.gettext("Mine bestyrelser") == "My boards"


@pytest.mark.parametrize("language", ["fr", "xx-YY", "", None])
def test_unknown_language_falls_back_to_danish(language: str | None) -> None:
    assert i18n.normalise(language) == i18n.DEFAULT == "da"
    with i18n.language("en"), i18n.language(language):
        assert i18n.current_language() == "da"
        assert i18n.gettext("Mine bestyrelser") == "Mine bestyrelser"
    # A catalog that does not exist translates nothing rather than failing.
    assert i18n.translations("fr").gettext("Mine bestyrelser") == "Mine bestyrelser"
