"""Checking an import file's rows, one at a time: each problem becomes a message for that line.

Also the small bookkeeping both planners share (:class:`Tally`). Pure code, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from email_validator import EmailNotValidError, validate_email

from boardkit.core.i18n import _

# A sub-tenant (fremlejer) lives there but is not on the department meeting's electoral roll.
RESIDENCY_ROLES = {"lejer": "tenant", "husstandsmedlem": "household_member", "fremlejer": "subtenant"}
CHANNELS = {"email": "email", "sms": "sms", "digital_post": "digital_post", "papir": "paper"}
LANGUAGES = ("da", "en")
YES_NO = {"ja": True, "j": True, "nej": False, "n": False}
BOARD_KINDS = {
    "afdelingsbestyrelse": "department_board",
    "organisationsbestyrelse": "organisation_board",
    "udvalg": "committee",
}
BOARD_ROLES = {
    "formand": "chair",
    "naestformand": "vice_chair",
    "næstformand": "vice_chair",
    "kasserer": "treasurer",
    "medlem": "member",
    "suppleant": "substitute",
}

# Column sizes of the models (boardkit/org/models.py): longer values would not fit.
LENGTHS = {
    "afdeling_nr": 20,
    "afdeling_navn": 200,
    "lejemaal_nr": 40,
    "adresse": 200,
    "etage_doer": 40,
    "postnr": 10,
    "by": 100,
    "person_nr": 60,
    "navn": 200,
    "email": 254,
    "bestyrelse": 200,
}

_DMY = re.compile(r"(\d{1,2})[-./](\d{1,2})[-./](\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


# --- single cells ----------------------------------------------------------------------


def squash(value: str) -> str:
    return " ".join(value.split())


def parse_date(value: str) -> date | None:
    """YYYY-MM-DD or DD-MM-YYYY (also with . or /); None when it is no date."""
    if m := _YMD.fullmatch(value):
        y, mo, d = m.groups()
    elif m := _DMY.fullmatch(value):
        d, mo, y = m.groups()
    else:
        return None
    try:
        return date(int(y), int(mo), int(d))
    except ValueError:
        return None


class Cells:
    """One row's cells with the checks that collect a message per problem."""

    def __init__(self, cells: dict[str, str]) -> None:
        self.cells = cells
        self.errors: list[str] = []

    def text(self, column: str, *, required: bool = False) -> str:
        value = squash(self.cells.get(column, ""))
        if required and not value:
            self.errors.append(_("%(col)s mangler.", col=column))
        elif column in LENGTHS and len(value) > LENGTHS[column]:
            self.errors.append(
                _("%(col)s er for lang (højst %(max)s tegn).", col=column, max=LENGTHS[column])
            )
        return value

    def choice(
        self, column: str, choices: dict[str, str], *, default: str | None = None, required: bool = False
    ) -> str | None:
        raw = self.cells.get(column, "").strip().lower()
        if not raw:
            if required:
                self.errors.append(_("%(col)s mangler.", col=column))
            return choices[default] if default is not None else None
        if raw not in choices:
            self.errors.append(
                _(
                    "%(col)s skal være en af: %(ok)s (ikke »%(value)s«).",
                    col=column,
                    ok=", ".join(choices),
                    value=raw[:40],
                )
            )
            return None
        return choices[raw]

    def yes_no(self, column: str) -> bool | None:
        raw = self.cells.get(column, "").strip().lower()
        if raw and raw not in YES_NO:
            self.errors.append(
                _("%(col)s skal være ja eller nej (ikke »%(value)s«).", col=column, value=raw[:40])
            )
        return YES_NO.get(raw)

    def email(self) -> str | None:
        raw = self.cells.get("email", "").strip()
        if not raw:
            return None
        try:
            return validate_email(raw, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            self.errors.append(_("email er ikke en gyldig e-mailadresse: »%(value)s«.", value=raw[:80]))
            return None

    def phone(self) -> str | None:
        raw = self.cells.get("telefon", "").strip()
        if not raw:
            return None
        cleaned = "".join(ch for ch in raw if ch in "0123456789+")
        if not 8 <= len(cleaned.lstrip("+")) <= 15 or any(ch.isalpha() for ch in raw):
            self.errors.append(_("telefon skal have 8 til 15 cifre: »%(value)s«.", value=raw[:40]))
            return None
        return cleaned

    def date(self, column: str, *, required: bool = False) -> date | None:
        raw = self.cells.get(column, "").strip()
        if not raw:
            if required:
                self.errors.append(_("%(col)s mangler.", col=column))
            return None
        value = parse_date(raw)
        if value is None:
            self.errors.append(
                _(
                    "%(col)s er ikke en gyldig dato (brug ÅÅÅÅ-MM-DD eller DD-MM-ÅÅÅÅ): »%(value)s«.",
                    col=column,
                    value=raw[:40],
                )
            )
        return value


# --- rows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonData:
    """A person as the file states them; None means "not stated": keep what boardkit has."""

    name: str
    email: str | None
    phone: str | None
    paper: bool | None
    language: str | None
    channel: str | None


@dataclass(frozen=True)
class ResidentRow:
    line: int
    department: str
    department_name: str
    tenancy: str
    address: tuple[str, str, str, str]  # address, unit, postcode, city
    person_nr: str
    person: PersonData
    role: str


@dataclass(frozen=True)
class MembershipRow:
    line: int
    person_nr: str
    board: str
    kind: str
    department: str | None
    role: str
    start: date
    end: date | None


def parse_resident(line: int, cells: dict[str, str]) -> tuple[ResidentRow | None, list[str]]:
    c = Cells(cells)
    department, department_name = c.text("afdeling_nr", required=True), c.text("afdeling_navn", required=True)
    tenancy = c.text("lejemaal_nr", required=True)
    address = (
        c.text("adresse", required=True),
        c.text("etage_doer"),
        c.text("postnr", required=True),
        c.text("by", required=True),
    )
    person_nr, name = c.text("person_nr", required=True), c.text("navn", required=True)
    email, phone = c.email(), c.phone()
    role = c.choice("rolle", RESIDENCY_ROLES, default="lejer")
    paper = c.yes_no("papir")
    language = c.choice("sprog", {v: v for v in LANGUAGES})
    channel = c.choice("kanal", CHANNELS)
    if channel is not None:
        if paper is not None and paper != (channel == "paper"):
            c.errors.append(_("papir og kanal passer ikke sammen: papir=ja hører sammen med kanal=papir."))
        paper = channel == "paper"
    elif paper:
        channel = "paper"
    if c.errors:
        return None, c.errors
    person = PersonData(name, email, phone, paper, language, channel)
    return ResidentRow(line, department, department_name, tenancy, address, person_nr, person, str(role)), []


def parse_membership(line: int, cells: dict[str, str]) -> tuple[MembershipRow | None, list[str]]:
    c = Cells(cells)
    person_nr, board = c.text("person_nr", required=True), c.text("bestyrelse", required=True)
    kind = c.choice("type", BOARD_KINDS, required=True)
    department = c.text("afdeling_nr") or None
    if kind == "organisation_board":
        department = None  # an organisation board belongs to no department
    elif kind and not department:
        c.errors.append(_("afdeling_nr mangler (skal udfyldes for afdelingsbestyrelse og udvalg)."))
    role = c.choice("rolle", BOARD_ROLES, required=True)
    start, end = c.date("start", required=True), c.date("slut")
    if start and end and end < start:
        c.errors.append(_("slut ligger før start."))
    if c.errors or start is None:
        return None, c.errors
    return MembershipRow(line, person_nr, board, str(kind), department, str(role), start, end), []


# --- what a plan would do -----------------------------------------------------------------

MAX_CHANGE_LINES = 200
OUTCOMES = ("created", "updated", "unchanged", "ended")


class Problems(list[tuple[int, str]]):
    """Errors as (line, message); line 0 means the file as a whole."""

    def add(self, line: int, message: str) -> None:
        self.append((line, message))


class Tally:
    """Counts per object kind and outcome, plus the first human-readable change lines."""

    def __init__(self, kinds: tuple[str, ...]) -> None:
        self.counts = {kind: dict.fromkeys(OUTCOMES, 0) for kind in kinds}
        self.changes: list[str] = []
        self.change_total = 0

    def add(self, kind: str, outcome: str, line: str = "") -> None:
        self.counts[kind][outcome] += 1
        if line:
            self.change_total += 1
            if len(self.changes) < MAX_CHANGE_LINES:
                self.changes.append(line)

    def note(self, line: str) -> None:
        """A consequence worth reading in the dry run that is not a row of its own (a board seat
        that ends with a tenancy)."""
        self.change_total += 1
        if len(self.changes) < MAX_CHANGE_LINES:
            self.changes.append(line)

    @property
    def changed(self) -> bool:
        return any(c["created"] or c["updated"] or c["ended"] for c in self.counts.values())


def chunks(values: list[str] | list[int], size: int = 500) -> list[list[str] | list[int]]:
    """Split long IN lists: SQLite limits the number of bound parameters."""
    return [values[i : i + size] for i in range(0, len(values), size)]


def show(value: object) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("ja") if value else _("nej")
    return str(value)
