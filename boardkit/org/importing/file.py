"""Reading an import file: bytes → decoded text → a CSV table with physical line numbers (docs/import.md).

Which kind of file it is (residents, memberships, a domain's own kind such as permits) is told by its
header: the :class:`Layout` whose required columns it holds most of. Pure code, no database.
Anything wrong with the file as a whole raises :class:`FileError`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from boardkit.core.i18n import _, ngettext

MAX_BYTES = 50 * 1024 * 1024
RESIDENTS = "residents"
MEMBERSHIPS = "memberships"

RESIDENT_REQUIRED = (
    "afdeling_nr",
    "afdeling_navn",
    "lejemaal_nr",
    "adresse",
    "postnr",
    "by",
    "person_nr",
    "navn",
)
RESIDENT_OPTIONAL = ("etage_doer", "email", "telefon", "rolle", "papir", "sprog", "kanal")
MEMBERSHIP_REQUIRED = ("person_nr", "bestyrelse", "type", "rolle", "start")
MEMBERSHIP_OPTIONAL = ("afdeling_nr", "slut")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_HEADER_SUBST = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", " ": "_", "-": "_"})
_ALIASES = {"e_mail": "email"}


class FileError(Exception):
    """The file as a whole cannot be read; ``line`` is 0 when no single line is to blame."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class Layout:
    """The columns of one kind of file."""

    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


@dataclass
class Table:
    kind: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (physical line, cells)


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 — what Danish administration systems export."""
    if len(data) > MAX_BYTES:
        raise FileError(_("Filen er for stor. Den må højst fylde 50 MB."))
    if b"\x00" in data:
        raise FileError(
            _(
                "Filen indeholder NUL-tegn, så det er ikke en CSV-fil (måske en binær fil eller UTF-16). "
                "Gem den som CSV i UTF-8 eller Windows-1252."
            )
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise FileError(_("Filen kan ikke læses som tekst i UTF-8 eller Windows-1252.")) from exc
    text = text.rstrip("\x1a")  # old DOS programs end files with Ctrl-Z
    if bad := _CONTROL.search(text):
        line = len(_NEWLINE.findall(text, 0, bad.start())) + 1
        raise FileError(
            _("Filen indeholder styretegn, der ikke hører hjemme i en tekstfil. Er det en CSV-fil?"), line
        )
    if not text.strip():
        raise FileError(_("Filen er tom."))
    return text


def normalise_header(name: str) -> str:
    key = "_".join(name.strip().lower().translate(_HEADER_SUBST).split("_")).strip("_")
    key = re.sub("_+", "_", key)
    return _ALIASES.get(key, key)


def _layout(columns: list[str], layouts: Sequence[Layout]) -> Layout:
    """The layout whose required columns the header holds most of (the first on a tie); at least two,
    so that a file of something else altogether is told so rather than given a list of missing columns."""
    best = max(layouts, key=lambda layout: len(set(layout.required) & set(columns)))
    if len(set(best.required) & set(columns)) >= 2:
        return best
    headers = [";".join(layout.required[:3]) + ";…" for layout in layouts]
    examples = f"{', '.join(headers[:-1])} {_('eller')} {headers[-1]}" if len(headers) > 1 else headers[0]
    raise FileError(
        _(
            "Overskriften passer ikke til nogen af de filer, der kan importeres. Første linje skal "
            "indeholde kolonnenavnene, fx %(examples)s",
            examples=examples,
        ),
        1,
    )


def _check_columns(layout: Layout, columns: list[str]) -> None:
    required, optional = layout.required, layout.optional
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        raise FileError(
            _("Kolonnen står flere gange i overskriften: %(cols)s.", cols=", ".join(duplicates)), 1
        )
    missing = [c for c in required if c not in columns]
    unknown = [c or "(tom)" for c in columns if c not in required and c not in optional]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("Mangler kolonnerne: %(cols)s.", cols=", ".join(missing)))
        if unknown:
            parts.append(_("Ukendte kolonner: %(cols)s.", cols=", ".join(unknown)))
        parts.append(_("Tilladte kolonner: %(cols)s.", cols=", ".join((*required, *optional))))
        raise FileError(" ".join(parts), 1)


def read_table(data: bytes, layouts: Sequence[Layout]) -> Table:
    """Decode and split the file into a header and rows numbered by their physical line."""
    text = decode(data)
    first = text.lstrip("\r\n").splitlines()[0]
    if ";" not in first and "," not in first:
        raise FileError(_("Første linje skal være kolonnenavne adskilt af semikolon (;) eller komma (,)."), 1)
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    table: Table | None = None
    ragged: list[tuple[int, int]] = []
    start = 1
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            cells = [c.strip() for c in row]
            if not any(cells):
                continue
            if table is None:
                columns = [normalise_header(c) for c in cells]
                layout = _layout(columns, layouts)
                _check_columns(layout, columns)
                table = Table(layout.kind, columns)
                continue
            width = len(table.columns)
            if len(cells) > width and not any(cells[width:]):
                cells = cells[:width]  # spreadsheets pad rows with empty cells
            if len(cells) != width:
                ragged.append((line, len(cells)))
                continue
            table.rows.append((line, dict(zip(table.columns, cells, strict=True))))
    except csv.Error as exc:
        raise FileError(
            _(
                "Linjen kan ikke læses som CSV (%(detail)s). Tjek anførselstegn og skilletegn.",
                detail=str(exc),
            ),
            start,
        ) from exc
    if table is None:
        raise FileError(_("Filen er tom."))
    if ragged:
        line, count = ragged[0]
        message = ngettext(
            "Linjen har %(num)s felt, men overskriften har %(expected)s. Tjek skilletegn og anførselstegn.",
            "Linjen har %(num)s felter, men overskriften har %(expected)s. Tjek skilletegn og anførselstegn.",
            count,
            expected=len(table.columns),
        )
        if len(ragged) > 1:  # so always more than one line
            message += " " + ngettext(
                "I alt %(num)s linje har forkert antal felter.",
                "I alt %(num)s linjer har forkert antal felter.",
                len(ragged),
            )
        raise FileError(message, line)
    if not table.rows:
        raise FileError(_("Filen har en overskrift, men ingen rækker."), 1)
    return table
