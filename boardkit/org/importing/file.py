"""Reading an import file: bytes → decoded text → a CSV table with physical line numbers (docs/import.md).

Pure code, no database. Anything wrong with the file as a whole raises :class:`FileError`.
"""

from __future__ import annotations

import csv
import io
import re
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


def _kind(columns: list[str]) -> str:
    if "bestyrelse" in columns:
        return MEMBERSHIPS
    if "lejemaal_nr" in columns or "adresse" in columns:
        return RESIDENTS
    raise FileError(
        _(
            "Overskriften passer hverken til en beboerfil eller en bestyrelsesfil. Første linje skal "
            "indeholde kolonnenavnene, fx afdeling_nr;afdeling_navn;lejemaal_nr;… eller "
            "person_nr;bestyrelse;type;…"
        ),
        1,
    )


def _check_columns(kind: str, columns: list[str]) -> None:
    required, optional = (
        (RESIDENT_REQUIRED, RESIDENT_OPTIONAL)
        if kind == RESIDENTS
        else (MEMBERSHIP_REQUIRED, MEMBERSHIP_OPTIONAL)
    )
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


def read_table(data: bytes) -> Table:
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
                kind = _kind(columns)
                _check_columns(kind, columns)
                table = Table(kind, columns)
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
