"""Importing existing permits from the administration system (a "tilladelsesfil", docs/import.md).

The file goes through the master-data import (``org.importing.service``): recognised by its header,
checked as a whole before anything is written, all or nothing, Windows-1252 or UTF-8, dry run first.
A case is known by its number in the administration system (``sag_nr``, kept as ``external_ref``),
so importing the same file again changes nothing and a changed row updates its case — unless the
case has been handled in boardkit since it was imported: then boardkit's version is kept and the
dry run says so. Imported cases send no notices (they are history, not news); the import's one
audit entry names the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, cast

from sqlalchemy import Table, insert, select, tuple_, update
from sqlalchemy.orm import Session

from boardkit.core.i18n import _, lazy_gettext
from boardkit.core.templating import TZ
from boardkit.org import service as org_service
from boardkit.org.importing import service as importing
from boardkit.permits import catalogue, deadlines
from boardkit.permits.cases import MAX_TEXT
from boardkit.permits.models import Permit, PermitEvent, PermitKind

KIND = "permits"
IMPORTED = "imported"  # the event of a case that came in through an import
# A case belongs to a tenant's lease (it is theirs to see, and goes some years after they move out),
# so the tenant is required: cases of former tenants stay in the old system.
REQUIRED = ("sag_nr", "afdeling_nr", "lejemaal_nr", "person_nr", "type", "status", "modtaget")
OPTIONAL = (
    "titel",
    "beskrivelse",
    "afgjort",
    "betingelser",
    "begrundelse",
    "ibrugtaget",
    "ophoert",
    "dyr_navn",
    "race",
    "chip_nr",
    "byggetilladelse",
)
STATUSES = {
    "godkendt": "approved",
    "kvitteret": "acknowledged",
    "anmeldt": "acknowledged",
    "ingen_indsigelse": "no_objection",
    "afslaaet": "rejected",
    "afslået": "rejected",
    "ophoert": "ended",
    "ophørt": "ended",
    "trukket_tilbage": "withdrawn",
}
# What a case of each track can have come to (a waiting case is finished in the old system or
# handed in again here, where its deadline is kept).
TRACK_STATUSES = {
    deadlines.Track.NOTICE: {"acknowledged", "ended", "withdrawn"},
    deadlines.Track.REPORT: {"no_objection", "approved", "rejected", "ended", "withdrawn"},
    deadlines.Track.APPLICATION: {"approved", "rejected", "ended", "withdrawn"},
}
# Core inserts on the tables: the ORM's bulk insert starts a new batch wherever a value is None.
PERMIT, EVENT = cast(Table, Permit.__table__), cast(Table, PermitEvent.__table__)
LENGTHS = {"sag_nr": 60, "titel": 200, "dyr_navn": 100, "race": 100, "chip_nr": 40}
# The columns an import sets, compared with the case to tell "unchanged" from "updated".
COMPARED = (
    "department_id",
    "tenancy_id",
    "kind_id",
    "applicant_id",
    "status",
    "route",
    "title",
    "description",
    "details",
    "needs_building_permit",
    "received_on",
    "deadline",
    "reason",
    "conditions",
    "decided_on",
    "taken_into_use",
    "ended_on",
)


@dataclass(frozen=True)
class PermitRow:
    line: int
    ref: str
    department: str
    tenancy: str
    kind: str
    status: str
    received: date
    person_nr: str
    title: str
    description: str
    decided: date | None
    conditions: str
    reason: str
    taken_into_use: date | None
    ended: date | None
    animal: dict[str, str]
    building: bool


@dataclass
class PermitPlan:
    tally: importing.Tally
    new: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)


def _text(c: importing.Cells, column: str, *, required: bool = False) -> str:
    """A cell's text; the short ones (a name, a number) on one line."""
    value = c.cells.get(column, "").strip()
    if column in LENGTHS:
        value = " ".join(value.split())
    if required and not value:
        c.errors.append(_("%(col)s mangler.", col=column))
    if len(value) > (limit := LENGTHS.get(column, MAX_TEXT)):
        c.errors.append(_("%(col)s er for lang (højst %(max)s tegn).", col=column, max=limit))
    return value


def parse_row(line: int, cells: dict[str, str]) -> tuple[PermitRow | None, list[str]]:
    c = importing.Cells(cells)
    ref = _text(c, "sag_nr", required=True)
    department, tenancy = c.text("afdeling_nr", required=True), c.text("lejemaal_nr", required=True)
    person_nr = c.text("person_nr", required=True)
    kind = c.text("type", required=True)
    cells["status"] = "_".join(cells.get("status", "").split())
    status = c.choice("status", STATUSES, required=True)
    received, decided = c.date("modtaget", required=True), c.date("afgjort")
    taken, ended = c.date("ibrugtaget"), c.date("ophoert")
    reason = _text(c, "begrundelse")
    building = c.yes_no("byggetilladelse")
    if status == "rejected" and not reason:
        c.errors.append(_("begrundelse mangler: et afslag skal være begrundet."))
    if status == "ended" and ended is None:
        c.errors.append(_("ophoert mangler: hvornår ophørte tilladelsen?"))
    if ended is not None and status != "ended":
        c.errors.append(_("ophoert udfyldes kun, når status er ophoert."))
    for column, day in (("afgjort", decided), ("ophoert", ended)):
        if received and day and day < received:
            c.errors.append(_("%(col)s ligger før modtaget.", col=column))
    animal = {
        key: value
        for key, column in (("name", "dyr_navn"), ("breed", "race"), ("chip", "chip_nr"))
        if (value := _text(c, column))
    }
    row_texts = (_text(c, "titel"), _text(c, "beskrivelse"), _text(c, "betingelser"))
    if c.errors or received is None or status is None:
        return None, c.errors
    title, description, conditions = row_texts
    return (
        PermitRow(
            line, ref, department, tenancy, kind, status, received, person_nr, title, description,
            decided, conditions, reason, taken, ended, animal, bool(building),
        ),
        [],
    )  # fmt: skip


def _kinds(db: Session, organisation_id: int) -> dict[str, PermitKind]:
    kinds = db.scalars(select(PermitKind).where(PermitKind.organisation_id == organisation_id)).all()
    found = {k.name.casefold(): k for k in kinds}
    found.update((k.code.casefold(), k) for k in kinds)
    return found


def _tenancies(
    db: Session, rows: list[PermitRow], organisation_id: int
) -> dict[tuple[str, str], tuple[int, int]]:
    """(department number, tenancy number) → (department id, tenancy id) for the file's homes."""
    Department, Tenancy = org_service.Department, org_service.Tenancy
    found: dict[tuple[str, str], tuple[int, int]] = {}
    keys = sorted({(r.department, r.tenancy) for r in rows})
    for part in importing.chunks(keys):  # type: ignore[arg-type]
        query = (
            select(Department.number, Tenancy.number, Department.id, Tenancy.id)
            .join(Tenancy, Tenancy.department_id == Department.id)
            .where(Department.organisation_id == organisation_id)
            .where(tuple_(Department.number, Tenancy.number).in_(part))
        )
        found.update(((d, t), (di, ti)) for d, t, di, ti in db.execute(query))
    return found


def _tenants(db: Session, rows: list[PermitRow], tenancy_ids: list[int]) -> dict[tuple[str, int], int]:
    """(person number, tenancy id) → person id, for everyone who rents or rented one of the homes."""
    Person, Residency = org_service.Person, org_service.Residency
    found: dict[tuple[str, int], int] = {}
    for part in importing.chunks(tenancy_ids):
        query = (
            select(Person.external_id, Residency.tenancy_id, Person.id)
            .join(Residency, Residency.person_id == Person.id)
            .where(Residency.tenancy_id.in_(part), Residency.role == "tenant")
        )
        found.update(((str(nr), t), p) for nr, t, p in db.execute(query))
    return found


def _existing(db: Session, organisation_id: int, refs: list[str]) -> tuple[dict[str, Permit], set[int]]:
    """The cases the file names that are here already, and which of them were handled here since."""
    cases: dict[str, Permit] = {}
    for part in importing.chunks(refs):
        query = select(Permit).where(Permit.organisation_id == organisation_id, Permit.external_ref.in_(part))
        cases.update((p.external_ref or "", p) for p in db.scalars(query))
    handled: set[int] = set()
    ids = [p.id for p in cases.values()]
    for part in importing.chunks(ids):
        since = select(PermitEvent.permit_id).where(
            PermitEvent.permit_id.in_(part), PermitEvent.action != IMPORTED
        )
        handled.update(db.scalars(since))
    return cases, handled


def _values(
    row: PermitRow, kind: PermitKind, home: tuple[int, int], person_id: int, rules: dict[str, Any]
) -> dict[str, Any]:
    track = deadlines.Track(kind.track)
    building = row.building or kind.needs_building_permit
    route = deadlines.route(
        track,
        explicit_approval=bool(rules.get(catalogue.EXPLICIT_APPROVAL_RULE)),
        needs_building_permit=building,
    )
    details: dict[str, Any] = {}
    if kind.group == "pets":
        animal = {"name": "", "breed": "", "chip": "", **row.animal}
        details["animal"] = {**animal, "species": kind.name, "assistance_dog": False, "insured": False}
    name = row.animal.get("name")
    return {
        "department_id": home[0],
        "tenancy_id": home[1],
        "kind_id": kind.id,
        "applicant_id": person_id,
        "status": row.status,
        "route": route.value,
        "title": row.title or (f"{kind.name}: {name}" if name else kind.name)[:200],
        "description": row.description,
        "details": details,
        "needs_building_permit": building,
        "received_on": row.received,
        "deadline": None
        if route is deadlines.Route.ACKNOWLEDGE
        else deadlines.objection_deadline(row.received),
        "reason": row.reason,
        "conditions": row.conditions,
        "decided_on": row.decided,
        "taken_into_use": row.taken_into_use,
        "ended_on": row.ended,
    }


def _check(row: PermitRow, kind: PermitKind, rules: dict[str, Any], errors: importing.Problems) -> None:
    if row.status not in TRACK_STATUSES[deadlines.Track(kind.track)]:
        errors.add(
            row.line,
            _("status %(status)s passer ikke til typen %(kind)s.", status=row.status, kind=kind.name),
        )
    if kind.group == "pets" and not row.animal.get("name"):
        errors.add(row.line, _("dyr_navn mangler: en tilladelse til dyr gælder ét navngivet dyr."))
    banned = kind.code == "dog" and catalogue.banned_breed(row.animal.get("breed", ""), rules)
    if banned and row.status in ("approved", "no_objection"):
        errors.add(
            row.line, _("%(breed)s er en forbudt hunderace og kan ikke have tilladelse.", breed=banned)
        )


def _current(permit: Permit) -> dict[str, Any]:
    values = {column: getattr(permit, column) for column in COMPARED if column != "decided_on"}
    values["decided_on"] = permit.decided_at.astimezone(TZ).date() if permit.decided_at else None
    return values


def plan(
    db: Session, table: importing.Table, *, organisation_id: int, today: date, errors: importing.Problems
) -> PermitPlan:
    """Check every row against the organisation's homes, tenants and kinds; problems go to ``errors``."""
    result = PermitPlan(importing.Tally((KIND,)))
    rows: list[PermitRow] = []
    for line, cells in table.rows:
        row, problems = parse_row(line, cells)
        errors.extend((line, p) for p in problems)
        if row is not None:
            rows.append(row)
    seen: dict[str, int] = {}
    for row in rows:
        if (first := seen.setdefault(row.ref, row.line)) != row.line:
            errors.add(row.line, _("sag_nr %(ref)s står også på linje %(line)s.", ref=row.ref, line=first))
    organisation = db.get(org_service.Organisation, organisation_id)
    rules = (organisation.rules if organisation else None) or {}
    kinds = _kinds(db, organisation_id)
    homes = _tenancies(db, rows, organisation_id)
    tenants = _tenants(db, rows, sorted({t for _d, t in homes.values()}))
    cases, handled = _existing(db, organisation_id, sorted(seen))
    for row in rows:
        kind, home = kinds.get(row.kind.casefold()), homes.get((row.department, row.tenancy))
        if kind is None:
            codes = ", ".join(sorted({k.code for k in kinds.values()}))
            errors.add(
                row.line,
                _("type %(kind)s findes ikke. Brug en af: %(codes)s.", kind=row.kind[:60], codes=codes),
            )
        if home is None:
            message = _(
                "Lejemål %(tenancy)s i afdeling %(department)s findes ikke. Importér beboerfilen først.",
                tenancy=row.tenancy[:40],
                department=row.department[:20],
            )
            errors.add(row.line, message)
        person_id = tenants.get((row.person_nr, home[1])) if home else None
        if home and person_id is None:
            errors.add(row.line, _("person_nr %(nr)s er ikke lejer af lejemålet.", nr=row.person_nr[:60]))
        if kind is None or home is None or person_id is None:
            continue
        _check(row, kind, rules, errors)
        values = _values(row, kind, home, person_id, rules)
        if (case := cases.get(row.ref)) is None:
            result.new.append({"external_ref": row.ref, **values})
            result.tally.add(
                KIND, "created", _("Sag %(ref)s oprettes: %(title)s", ref=row.ref, title=values["title"])
            )
            continue
        current = _current(case)
        changed = [c for c in COMPARED if current[c] != values[c]]
        if not changed:
            result.tally.add(KIND, "unchanged")
        elif case.id in handled:
            message = _(
                "Sag %(ref)s er behandlet i boardkit siden importen; boardkit's udgave beholdes.", ref=row.ref
            )
            result.tally.add(KIND, "unchanged", message)
        else:
            result.updates.append({"id": case.id, **values})
            result.tally.add(
                KIND,
                "updated",
                _("Sag %(ref)s ændres: %(fields)s", ref=row.ref, fields=", ".join(changed)),
            )
    return result


def _columns(values: dict[str, Any]) -> dict[str, Any]:
    """The plan's values as the table's columns (a decision day becomes midday on that day)."""
    out = {k: v for k, v in values.items() if k != "decided_on"}
    day = values["decided_on"]
    out["decided_at"] = datetime.combine(day, time(12), tzinfo=TZ).astimezone(UTC) if day else None
    return out


def apply(db: Session, plan: PermitPlan, *, organisation_id: int, today: date) -> None:
    """Write the plan with bulk statements, and an "imported" event on each case it touches."""
    if plan.new:
        db.execute(insert(PERMIT), [{"organisation_id": organisation_id, **_columns(v)} for v in plan.new])
    if plan.updates:
        db.execute(update(Permit), [_columns(v) for v in plan.updates])
    ids = [u["id"] for u in plan.updates]
    refs = [v["external_ref"] for v in plan.new]
    for part in importing.chunks(refs):
        query = select(Permit.id).where(
            Permit.organisation_id == organisation_id, Permit.external_ref.in_(part)
        )
        ids.extend(db.scalars(query))
    if ids:
        db.execute(
            insert(EVENT),
            [{"permit_id": i, "action": IMPORTED, "actor_id": None, "note": ""} for i in ids],
        )


FORMAT = importing.ImportFormat(
    importing.Layout(KIND, REQUIRED, OPTIONAL),
    "tilladelsesfil",
    lazy_gettext("Tilladelsesfil"),
    {KIND: lazy_gettext("tilladelsessager")},
    plan,
    apply,
    "permits/import_help.html",
)
