"""Master-data import from the administration system's CSV files (formats: docs/import.md).

Kinds of file — residents ("beboere"), board memberships ("bestyrelser"), and what other domains
register with :func:`register_format` (e.g. permits, "tilladelser") — are recognised by their
header. An import is all-or-nothing: the whole file is checked against itself and the database
first; any error and nothing is written, every bad line is reported. A dry run stops after the
plan. Importing the same file twice changes nothing.

A residents file ends the residencies of its departments that it does not list. So that a file
cut short cannot silently move out a department, a file that would end more than a share of a
department's current residencies (``Organisation.rules["import_move_out_percent"]``, default 10)
is imported only with a confirmation naming the number of residencies it ends.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol, TypeVar

from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from boardkit.core import audit
from boardkit.core.i18n import _, lazy_gettext, ngettext
from boardkit.org.importing import members as import_members
from boardkit.org.importing import residents as import_residents
from boardkit.org.importing.apply import apply_memberships, apply_residents
from boardkit.org.importing.file import (
    MEMBERSHIP_OPTIONAL,
    MEMBERSHIP_REQUIRED,
    MEMBERSHIPS,
    RESIDENT_OPTIONAL,
    RESIDENT_REQUIRED,
    RESIDENTS,
    FileError,
    Layout,
    Table,
    read_table,
)
from boardkit.org.importing.rows import Cells, Problems, Tally, chunks, parse_membership, parse_resident, show
from boardkit.org.models import Department, Organisation
from boardkit.org.periods import today

log = logging.getLogger("boardkit.import")
MAX_ERRORS = 500
T = TypeVar("T")
MOVE_OUT_RULE = "import_move_out_percent"
MOVE_OUT_DEFAULT_PERCENT = 10
__all__ = ["Cells", "FileError", "ImportFormat", "Layout", "Problems", "Table", "Tally", "chunks", "show"]


class Plan(Protocol):
    """What a file would change; only ``tally`` is read here, the format's ``apply`` writes the rest."""

    tally: Tally


@dataclass(frozen=True)
class ImportFormat:
    """One kind of import file: its columns, and how it is checked against the database and written.

    ``plan(db, table, organisation_id=, today=, errors=)`` checks every row, adds each problem to
    ``errors`` and returns a plan of the changes; ``apply(db, plan, organisation_id=, today=)``
    writes them with a few bulk statements. Neither commits."""

    layout: Layout
    audit_label: str  # in the audit log, which keeps the source language: "beboerfil"
    title: Any  # shown with the dry run: "Beboerfil" (a lazy translation)
    labels: Mapping[str, Any]  # the objects it counts, in lower case: {"tenancies": "lejemål"}
    plan: Callable[..., Plan]
    apply: Callable[..., None]
    help_template: str  # the file's columns, shown on the import page


_FORMATS: dict[str, ImportFormat] = {}


def register_format(fmt: ImportFormat) -> None:
    """Make a kind of file importable (page, command line); registering a kind again replaces it."""
    _FORMATS[fmt.layout.kind] = fmt


def formats() -> list[ImportFormat]:
    return list(_FORMATS.values())


def _rows(
    parse: Callable[[int, dict[str, str]], tuple[T | None, list[str]]], table: Table, errors: Problems
) -> list[T]:
    rows: list[T] = []
    for line, cells in table.rows:
        row, problems = parse(line, cells)
        if row is None:
            errors.extend((line, p) for p in problems)
        else:
            rows.append(row)
    return rows


def _plan_residents(
    db: Session, table: Table, *, organisation_id: int, today: date, errors: Problems
) -> import_residents.ResidentPlan:
    rows = _rows(parse_resident, table, errors)
    return import_residents.plan_residents(
        db, rows, organisation_id=organisation_id, today=today, errors=errors
    )


def _plan_memberships(
    db: Session, table: Table, *, organisation_id: int, today: date, errors: Problems
) -> import_members.MembershipPlan:
    rows = _rows(parse_membership, table, errors)
    return import_members.plan_memberships(db, rows, organisation_id=organisation_id, errors=errors)


def _apply_memberships(db: Session, plan: import_members.MembershipPlan, **_: Any) -> None:
    apply_memberships(db, plan)


register_format(
    ImportFormat(
        Layout(RESIDENTS, RESIDENT_REQUIRED, RESIDENT_OPTIONAL),
        "beboerfil",
        lazy_gettext("Beboerfil"),
        {
            "departments": lazy_gettext("afdelinger"),
            "tenancies": lazy_gettext("lejemål"),
            "persons": lazy_gettext("personer"),
            "residencies": lazy_gettext("bopæle"),
        },
        _plan_residents,
        apply_residents,
        "org/import_residents.html",
    )
)
register_format(
    ImportFormat(
        Layout(MEMBERSHIPS, MEMBERSHIP_REQUIRED, MEMBERSHIP_OPTIONAL),
        "bestyrelsesfil",
        lazy_gettext("Bestyrelsesfil"),
        {"boards": lazy_gettext("bestyrelser"), "memberships": lazy_gettext("medlemskaber")},
        _plan_memberships,
        _apply_memberships,
        "org/import_memberships.html",
    )
)


@dataclass(frozen=True)
class MoveOut:
    """A department the file would empty by more than the allowed share."""

    number: str
    name: str
    current: int  # residencies today, before the import
    ending: int  # of which the file ends

    @property
    def percent(self) -> int:
        return round(100 * self.ending / self.current) if self.current else 0


@dataclass
class ImportReport:
    """What an import found and did (or, in a dry run, would do)."""

    kind: str  # "residents", "memberships", another registered kind, or "" when the file could not be read
    ok: bool
    dry_run: bool
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, reason); line 0 = the whole file
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)
    sha256: str = ""
    error_total: int = 0
    change_total: int = 0
    rows: int = 0
    # A residents file ending more than ``move_out_percent`` of a department's residencies: the
    # departments concerned, and the number of residencies the file ends in all (to be confirmed).
    move_outs: list[MoveOut] = field(default_factory=list)
    move_out_percent: int = MOVE_OUT_DEFAULT_PERCENT
    confirmation_error: str = ""
    title: str = ""  # the kind of file, e.g. "Beboerfil"
    labels: Mapping[str, Any] = field(default_factory=dict)  # what the counts count

    @property
    def ending(self) -> int:
        return sum(c["ended"] for c in self.counts.values())

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.move_outs)

    @property
    def changed(self) -> bool:
        return any(c["created"] or c["updated"] or c["ended"] for c in self.counts.values())

    def summary(self) -> str:
        """Counts in one line, e.g. for the audit log and the command line."""
        parts = []
        for kind, c in self.counts.items():
            figures = [
                f"{c[k]} {label}"
                for k, label in (
                    ("created", _("oprettet")),
                    ("updated", _("ændret")),
                    ("unchanged", _("uændret")),
                    ("ended", _("afsluttet")),
                )
                if c[k]
            ]
            parts.append(f"{self.labels.get(kind, kind)}: {', '.join(figures) or '0'}")
        return "; ".join(parts)


def _failed(report: ImportReport, errors: list[tuple[int, str]]) -> ImportReport:
    errors.sort(key=lambda e: e[0])
    report.ok = False
    report.error_total = len(errors)
    report.errors = list(errors[:MAX_ERRORS])
    return report


def move_out_percent(db: Session, organisation_id: int) -> int:
    organisation = db.get(Organisation, organisation_id)
    value = (organisation.rules or {}).get(MOVE_OUT_RULE) if organisation else None
    valid = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100
    return value if valid else MOVE_OUT_DEFAULT_PERCENT  # type: ignore[return-value]


def _move_outs(
    db: Session, plan: import_residents.ResidentPlan, organisation_id: int, percent: int
) -> list[MoveOut]:
    """Departments of which the plan ends more than ``percent`` of today's residencies."""
    over = {nr: c for nr, c in plan.move_outs.items() if c[1] and c[1] * 100 > c[0] * percent}
    if not over:
        return []
    names = dict(
        db.execute(
            select(Department.number, Department.name).where(
                Department.organisation_id == organisation_id, Department.number.in_(list(over))
            )
        ).all()
    )
    return [MoveOut(nr, names.get(nr, ""), current, ending) for nr, (current, ending) in sorted(over.items())]


def import_csv(
    db: Session,
    *,
    data: bytes,
    organisation_id: int,
    actor_id: int | None,
    dry_run: bool,
    confirm_move_outs: int | None = None,
) -> ImportReport:
    """Check a file and, unless ``dry_run`` or anything is wrong, apply it; flushes, never commits.

    A file that ends more than the allowed share of a department's residencies is applied only when
    ``confirm_move_outs`` is the number of residencies it ends; otherwise the report comes back as a
    dry run with ``confirmation_error`` set."""
    report = ImportReport(kind="", ok=True, dry_run=dry_run, sha256=hashlib.sha256(data).hexdigest())
    errors = Problems()
    try:
        table = read_table(data, [f.layout for f in _FORMATS.values()])
    except FileError as exc:
        return _failed(report, [(exc.line, exc.message)])
    except Exception:  # a bad file must come back as a report, never as a server error
        log.exception("import file could not be parsed")
        return _failed(report, [(0, _("Filen kunne ikke læses som CSV."))])
    fmt = _FORMATS[table.kind]
    report.kind, report.rows, report.title, report.labels = table.kind, len(table.rows), fmt.title, fmt.labels
    if db.get_bind().dialect.name == "postgresql":
        # psycopg prepares repeated statements; a generic plan made while the tables were small
        # (seq scan × long IN list) would make a re-import of 10,000 rows take seconds per lookup.
        db.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    day = today()
    try:
        plan = fmt.plan(db, table, organisation_id=organisation_id, today=day, errors=errors)
    except FileError as exc:  # a planner may find the file as a whole wrong
        return _failed(report, [(exc.line, exc.message)])
    report.counts, report.changes, report.change_total = (
        plan.tally.counts,
        plan.tally.changes,
        plan.tally.change_total,
    )
    if errors:
        return _failed(report, errors)
    if isinstance(plan, import_residents.ResidentPlan):
        report.move_out_percent = move_out_percent(db, organisation_id)
        report.move_outs = _move_outs(db, plan, organisation_id, report.move_out_percent)
    if dry_run or not plan.tally.changed:
        return report
    if report.needs_confirmation and confirm_move_outs != report.ending:
        report.dry_run = True
        report.confirmation_error = (
            ngettext(
                "Skriv %(num)s for at bekræfte, at importen afslutter %(num)s bopæl. Intet er gemt.",
                "Skriv %(num)s for at bekræfte, at importen afslutter %(num)s bopæle. Intet er gemt.",
                report.ending,
            )
            if confirm_move_outs is None
            else ngettext(
                "Du skrev %(typed)s, men importen afslutter %(num)s bopæl. Tjek filen, og skriv %(num)s "
                "for at bekræfte. Intet er gemt.",
                "Du skrev %(typed)s, men importen afslutter %(num)s bopæle. Tjek filen, og skriv %(num)s "
                "for at bekræfte. Intet er gemt.",
                report.ending,
                typed=confirm_move_outs,
            )
        )
        return report
    # The audit log keeps its summaries in the source language (Danish), with Danish plurals.
    rows = f"{report.rows} række" if report.rows == 1 else f"{report.rows} rækker"
    summary = f"Import af {fmt.audit_label} ({rows}, sha256 {report.sha256}): " + report.summary()
    if report.needs_confirmation:
        summary += f"; {report.ending} {'udflytning' if report.ending == 1 else 'udflytninger'} bekræftet"
    try:
        # A savepoint: should the database refuse (a concurrent change), nothing of the import remains.
        with db.begin_nested():
            fmt.apply(db, plan, organisation_id=organisation_id, today=day)
            audit.record(
                db,
                actor_id=actor_id,
                action="import",
                object_type="organisation",
                object_id=organisation_id,
                organisation_id=organisation_id,
                summary=summary,
            )
    except SQLAlchemyError:
        log.exception("import could not be written")
        message = _(
            "Databasen afviste importen, måske fordi data blev ændret samtidig. Intet er gemt. Prøv igen."
        )
        return _failed(report, [(0, message)])
    return report
