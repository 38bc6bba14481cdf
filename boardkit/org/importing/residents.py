"""Residents file: plan the changes to departments, tenancies, persons and residencies.

Planning reads the organisation's existing rows once into dicts (no per-row SELECT) and compares;
import_apply writes the plan with bulk statements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.db import utcnow
from boardkit.core.i18n import _
from boardkit.org.boards import role_name
from boardkit.org.importing.rows import PersonData, Problems, ResidentRow, Tally, chunks, show
from boardkit.org.models import Board, Department, Membership, Person, Residency, Tenancy

KINDS = ("departments", "tenancies", "persons", "residencies")
ADDRESS_FIELDS = ("address", "unit", "postcode", "city")
PERSON_COLUMNS = {
    "name": "navn",
    "email": "email",
    "phone": "telefon",
    "paper": "papir",
    "language": "sprog",
    "preferred_channel": "kanal",
}
ROLE_NAMES = {"tenant": "lejer", "household_member": "husstandsmedlem", "subtenant": "fremlejer"}

TenancyKey = tuple[str, str]  # (afdeling_nr, lejemaal_nr)


@dataclass
class ResidentPlan:
    tally: Tally
    department_ids: dict[str, int] = field(default_factory=dict)
    new_departments: dict[str, str] = field(default_factory=dict)
    department_updates: list[dict[str, Any]] = field(default_factory=list)
    tenancy_ids: dict[TenancyKey, int] = field(default_factory=dict)
    new_tenancies: dict[TenancyKey, tuple[str, str, str, str]] = field(default_factory=dict)
    tenancy_updates: list[dict[str, Any]] = field(default_factory=list)
    person_ids: dict[str, int] = field(default_factory=dict)
    new_persons: dict[str, dict[str, Any]] = field(default_factory=dict)
    person_updates: list[dict[str, Any]] = field(default_factory=list)
    email_moves: list[int] = field(default_factory=list)
    new_residencies: list[tuple[str, TenancyKey, str]] = field(default_factory=list)
    residency_updates: list[dict[str, Any]] = field(default_factory=list)
    # Per department of the file: (current residencies before the import, how many it ends).
    move_outs: dict[str, tuple[int, int]] = field(default_factory=dict)


def _label(key: TenancyKey) -> str:
    return f"{key[0]}-{key[1]}"


def _person_values(p: PersonData) -> dict[str, Any]:
    return {
        "name": p.name,
        "email": p.email,
        "phone": p.phone,
        "paper": p.paper,
        "language": p.language,
        "preferred_channel": p.channel,
    }


def _check_file(rows: list[ResidentRow], errors: Problems) -> dict[str, tuple[int, PersonData]]:
    """What must agree between the rows of one file, whatever the database holds; returns the persons."""
    departments: dict[str, tuple[int, str]] = {}
    tenancies: dict[TenancyKey, tuple[int, tuple[str, str, str, str]]] = {}
    persons: dict[str, tuple[int, PersonData]] = {}
    emails: dict[str, tuple[int, str]] = {}
    residencies: dict[tuple[str, str, str], int] = {}
    for row in rows:
        line, key = row.line, (row.department, row.tenancy)
        first, name = departments.setdefault(row.department, (line, row.department_name))
        if name != row.department_name:
            errors.add(
                line, _("Afdeling %(nr)s har et andet navn i linje %(line)s.", nr=row.department, line=first)
            )
        first, address = tenancies.setdefault(key, (line, row.address))
        if address != row.address:
            errors.add(
                line, _("Lejemål %(nr)s har en anden adresse i linje %(line)s.", nr=_label(key), line=first)
            )
        first, person = persons.setdefault(row.person_nr, (line, row.person))
        if person != row.person:
            before, now = _person_values(person), _person_values(row.person)
            differ = ", ".join(label for k, label in PERSON_COLUMNS.items() if before[k] != now[k])
            message = _(
                "Dobbelt person: person_nr %(nr)s står også i linje %(line)s, men med andre oplysninger "
                "(%(fields)s).",
                nr=row.person_nr,
                line=first,
                fields=differ,
            )
            errors.add(line, message)
        if row.person.email:
            first, owner = emails.setdefault(row.person.email, (line, row.person_nr))
            if owner != row.person_nr:
                message = _(
                    "E-mailadressen %(email)s bruges også af person_nr %(other)s i linje %(line)s.",
                    email=row.person.email,
                    other=owner,
                    line=first,
                )
                errors.add(line, message)
        if (first := residencies.setdefault((row.person_nr, *key), line)) != line:
            message = _(
                "Dobbelt person: person_nr %(nr)s står allerede i lejemål %(t)s i linje %(line)s.",
                nr=row.person_nr,
                t=_label(key),
                line=first,
            )
            errors.add(line, message)
    return persons


def _load_persons(db: Session, column: Any, values: list[str]) -> list[Any]:
    cols = [Person.id, Person.external_id, *(getattr(Person, k) for k in PERSON_COLUMNS)]
    found: list[Any] = []
    for part in chunks(values):
        found.extend(db.execute(select(*cols).where(column.in_(part))).all())
    return found


def _plan_departments(db: Session, plan: ResidentPlan, rows: list[ResidentRow], organisation_id: int) -> None:
    query = select(Department.id, Department.number, Department.name)
    departments = {
        r.number: r for r in db.execute(query.where(Department.organisation_id == organisation_id))
    }
    for row in rows:
        nr, name = row.department, row.department_name
        if nr in plan.department_ids or nr in plan.new_departments:
            continue
        found = departments.get(nr)
        if found is None:
            plan.new_departments[nr] = name
            plan.tally.add("departments", "created", _("Ny afdeling %(nr)s (%(name)s)", nr=nr, name=name))
            continue
        plan.department_ids[nr] = found.id
        if found.name == name:
            plan.tally.add("departments", "unchanged")
        else:
            plan.department_updates.append({"id": found.id, "name": name})
            change = _("Afdeling %(nr)s: navn %(old)s → %(new)s", nr=nr, old=found.name, new=name)
            plan.tally.add("departments", "updated", change)


def _plan_tenancies(db: Session, plan: ResidentPlan, rows: list[ResidentRow], organisation_id: int) -> None:
    query = (
        select(
            Tenancy.id,
            Department.number.label("dnumber"),
            Tenancy.number,
            *map(Tenancy.__table__.c.get, ADDRESS_FIELDS),
        )
        .join(Department, Department.id == Tenancy.department_id)
        .where(Department.organisation_id == organisation_id)
    )
    tenancies = {(r.dnumber, r.number): r for r in db.execute(query)}
    for row in rows:
        key = (row.department, row.tenancy)
        if key in plan.tenancy_ids or key in plan.new_tenancies:
            continue
        found = tenancies.get(key)
        if found is None:
            plan.new_tenancies[key] = row.address
            address = ", ".join(filter(None, row.address[:2]))
            plan.tally.add("tenancies", "created", _("Nyt lejemål %(nr)s (%(a)s)", nr=_label(key), a=address))
            continue
        plan.tenancy_ids[key] = found.id
        diff = {f: v for f, v in zip(ADDRESS_FIELDS, row.address, strict=True) if getattr(found, f) != v}
        if not diff:
            plan.tally.add("tenancies", "unchanged")
            continue
        plan.tenancy_updates.append({"id": found.id, **diff})
        what = "; ".join(f"{k} {show(getattr(found, k))} → {show(v)}" for k, v in diff.items())
        plan.tally.add("tenancies", "updated", _("Lejemål %(nr)s: %(what)s", nr=_label(key), what=what))


def _plan_persons(
    db: Session,
    plan: ResidentPlan,
    persons: dict[str, tuple[int, PersonData]],
    errors: Problems,
    organisation_id: int,
) -> None:
    existing = {r.external_id: r for r in _load_persons(db, Person.external_id, list(persons))}
    emails = sorted({p.email for _line, p in persons.values() if p.email})
    owners = {r.email: r for r in _load_persons(db, Person.email, emails)}
    for nr, (line, p) in persons.items():
        owner = owners.get(p.email) if p.email else None
        if owner is not None and owner.external_id != nr:
            # Allowed only when the same file moves the current holder to another address.
            holder = persons.get(owner.external_id) if owner.external_id else None
            if holder is None or holder[1].email in (None, p.email):
                message = _(
                    "E-mailadressen %(email)s tilhører allerede en anden person i boardkit (%(who)s).",
                    email=p.email,
                    who=owner.external_id or owner.name,
                )
                errors.add(line, message)
        row = existing.get(nr)
        if p.channel == "sms" and not (p.phone or (row is not None and row.phone)):
            errors.add(line, _("kanal er sms, men telefon mangler."))
        if row is None:
            values = _person_values(p)
            values.update(
                external_id=nr,
                organisation_id=organisation_id,
                phone=p.phone or "",
                paper=bool(p.paper),
                language=p.language or "da",
                preferred_channel=p.channel or "email",
                active=True,
                created_at=utcnow(),
            )
            plan.new_persons[nr] = values
            plan.tally.add("persons", "created", _("Ny person %(nr)s (%(name)s)", nr=nr, name=p.name))
            continue
        plan.person_ids[nr] = row.id
        wanted = _person_values(p)
        if p.paper is False and p.channel is None and row.preferred_channel == "paper":
            wanted["preferred_channel"] = "email"  # "papir: nej" takes a paper-only person off paper
        diff = {k: v for k, v in wanted.items() if v is not None and v != getattr(row, k)}
        if not diff:
            plan.tally.add("persons", "unchanged")
            continue
        plan.person_updates.append({"id": row.id, **diff})
        if "email" in diff:
            plan.email_moves.append(row.id)
        what = "; ".join(f"{PERSON_COLUMNS[k]} {show(getattr(row, k))} → {show(v)}" for k, v in diff.items())
        plan.tally.add("persons", "updated", _("Person %(nr)s: %(what)s", nr=nr, what=what))


def _plan_residencies(db: Session, plan: ResidentPlan, rows: list[ResidentRow], *, today: date) -> None:
    """Residencies in the file are (re)started; current ones of the file's departments not in it end today."""
    query = (
        select(
            Residency.id,
            Residency.person_id,
            Residency.tenancy_id,
            Residency.role,
            Residency.end_date,
            Person.external_id,
            Person.name,
            Tenancy.number,
            Department.number.label("dnumber"),
        )
        .join(Person, Person.id == Residency.person_id)
        .join(Tenancy, Tenancy.id == Residency.tenancy_id)
        .join(Department, Department.id == Tenancy.department_id)
    )
    current: dict[tuple[int, int], Any] = {}
    for part in chunks(sorted(plan.department_ids.values())):
        current.update(
            ((r.person_id, r.tenancy_id), r) for r in db.execute(query.where(Department.id.in_(part)))
        )
    seen: set[int] = set()
    leaving: set[tuple[int, str]] = set()
    for row in rows:
        key = (row.department, row.tenancy)
        person_id, tenancy_id = plan.person_ids.get(row.person_nr), plan.tenancy_ids.get(key)
        found = current.get((person_id, tenancy_id)) if person_id and tenancy_id else None
        where = {"nr": row.person_nr, "t": _label(key)}
        if found is None:
            plan.new_residencies.append((row.person_nr, key, row.role))
            plan.tally.add("residencies", "created", _("Indflytning: %(nr)s i lejemål %(t)s", **where))
            continue
        seen.add(found.id)
        diff: dict[str, Any] = {}
        notes: list[str] = []
        if found.end_date is not None and found.end_date <= today:
            diff.update(end_date=None, start_date=today)
            notes.append(_("Genindflytning: %(nr)s i lejemål %(t)s", **where))
        if found.role != row.role:
            diff["role"] = row.role
            old, new = ROLE_NAMES.get(found.role, found.role), ROLE_NAMES[row.role]
            notes.append(_("Bopæl %(nr)s i %(t)s: rolle %(old)s → %(new)s", old=old, new=new, **where))
        if diff:
            plan.residency_updates.append({"id": found.id, **diff})
            plan.tally.add("residencies", "updated", "; ".join(notes))
        else:
            plan.tally.add("residencies", "unchanged")
    for r in current.values():
        if r.end_date is None or r.end_date > today:
            before, ending = plan.move_outs.get(r.dnumber, (0, 0))
            plan.move_outs[r.dnumber] = (before + 1, ending + (r.id not in seen))
        if r.id not in seen and (r.end_date is None or r.end_date > today):
            leaving.add((r.person_id, r.dnumber))
            plan.residency_updates.append({"id": r.id, "end_date": today})
            where = {"who": r.external_id or r.name, "t": f"{r.dnumber}-{r.number}"}
            plan.tally.add(
                "residencies", "ended", _("Udflytning: %(who)s fra lejemål %(t)s afsluttes", **where)
            )

    _note_board_seats(db, plan, leaving, {(r.person_id, r.dnumber) for r in current.values() if r.id in seen})


def _note_board_seats(
    db: Session, plan: ResidentPlan, leaving: set[tuple[int, str]], kept: set[tuple[int, str]]
) -> None:
    """Only residents sit on a department's board: the dry run says whose seat ends with their home
    (unless they keep or get another home in the department)."""
    moving_in = {(plan.person_ids.get(nr), key[0]) for nr, key, _role in plan.new_residencies}
    staying = kept | {(p, d) for p, d in moving_in if p is not None}
    movers = {p: d for p, d in leaving if (p, d) not in staying}
    if not movers:
        return
    now = utcnow()
    for part in chunks(sorted(movers)):
        seats = db.execute(
            select(Membership, Board.name, Department.number)
            .join(Board, Board.id == Membership.board_id)
            .join(Department, Department.id == Board.department_id)
            .join(Person, Person.id == Membership.person_id)
            .where(Membership.person_id.in_(part))
        ).all()
        for seat, board, number in seats:
            if movers.get(seat.person_id) == number and seat.active_at(now):
                plan.tally.note(
                    _(
                        "Bestyrelsespost afsluttes med udflytningen: %(who)s, %(role)s i %(board)s",
                        who=seat.person.external_id or seat.person.name,
                        role=role_name(seat.role),
                        board=board,
                    )
                )


def plan_residents(
    db: Session, rows: list[ResidentRow], *, organisation_id: int, today: date, errors: Problems
) -> ResidentPlan:
    """Compare the file with the organisation's data; problems are added to ``errors``."""
    plan = ResidentPlan(Tally(KINDS))
    persons = _check_file(rows, errors)
    _plan_departments(db, plan, rows, organisation_id)
    _plan_tenancies(db, plan, rows, organisation_id)
    _plan_persons(db, plan, persons, errors, organisation_id)
    _plan_residencies(db, plan, rows, today=today)
    return plan
