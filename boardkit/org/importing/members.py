"""Board memberships file: plan boards and memberships against the organisation's data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.db import utcnow
from boardkit.core.i18n import _
from boardkit.org.importing.rows import BOARD_KINDS, MembershipRow, Problems, Tally, chunks, show
from boardkit.org.models import Board, Department, Membership, Person
from boardkit.org.periods import day_end, periods_overlap

KINDS = ("boards", "memberships")
KIND_NAMES = {v: k for k, v in BOARD_KINDS.items()}
ROLE_NAMES = {
    "chair": "formand",
    "vice_chair": "næstformand",
    "treasurer": "kasserer",
    "member": "medlem",
    "substitute": "suppleant",
}


@dataclass
class MembershipPlan:
    tally: Tally
    organisation_id: int
    board_ids: dict[str, int] = field(default_factory=dict)  # casefolded name → id
    new_boards: dict[str, dict[str, Any]] = field(default_factory=dict)
    new_memberships: list[dict[str, Any]] = field(default_factory=list)  # "board" is the casefolded name
    membership_updates: list[dict[str, Any]] = field(default_factory=list)


def _check_file(rows: list[MembershipRow], errors: Problems) -> None:
    boards: dict[str, tuple[int, str, str | None]] = {}
    keys: dict[tuple[str, str, date], int] = {}
    for row in rows:
        key = row.board.casefold()
        first, kind, department = boards.setdefault(key, (row.line, row.kind, row.department))
        if (kind, department) != (row.kind, row.department):
            message = _(
                "Bestyrelsen »%(name)s« har en anden type eller afdeling i linje %(line)s.",
                name=row.board,
                line=first,
            )
            errors.add(row.line, message)
        if (first := keys.setdefault((row.person_nr, key, row.start), row.line)) != row.line:
            message = _(
                "Dobbelt person: person_nr %(nr)s har allerede et medlemskab af »%(name)s« med samme "
                "start i linje %(line)s.",
                nr=row.person_nr,
                name=row.board,
                line=first,
            )
            errors.add(row.line, message)


def _load(db: Session, rows: list[MembershipRow], organisation_id: int) -> tuple[Any, ...]:
    """The organisation's departments, boards and memberships, and the file's persons, as dicts."""
    in_organisation = Department.organisation_id == organisation_id
    departments = dict(db.execute(select(Department.number, Department.id).where(in_organisation)).all())
    persons: dict[str, int] = {}
    for part in chunks(sorted({r.person_nr for r in rows})):
        found = db.execute(select(Person.external_id, Person.id).where(Person.external_id.in_(part)))
        persons.update((str(nr), pid) for nr, pid in found)
    boards: dict[str, Any] = {}
    board_query = select(Board.id, Board.name, Board.kind, Board.department_id).order_by(Board.id)
    for b in db.execute(board_query.where(Board.organisation_id == organisation_id)):
        boards.setdefault(b.name.casefold(), b)
    membership_query = (
        select(
            Membership.id,
            Membership.person_id,
            Membership.board_id,
            Membership.start_date,
            Membership.role,
            Membership.end_date,
            Membership.ends_at,
            Membership.ended_effects_at,
            Person.external_id,
            Person.name,
        )
        .join(Board, Board.id == Membership.board_id)
        .join(Person, Person.id == Membership.person_id)
        .where(Board.organisation_id == organisation_id)
    )
    memberships = {(m.person_id, m.board_id, m.start_date): m for m in db.execute(membership_query)}
    return departments, persons, boards, memberships


def plan_memberships(
    db: Session, rows: list[MembershipRow], *, organisation_id: int, errors: Problems
) -> MembershipPlan:
    """Compare the file with the organisation's boards and memberships; problems are added to ``errors``."""
    plan = MembershipPlan(Tally(KINDS), organisation_id)
    _check_file(rows, errors)
    departments, persons, boards, memberships = _load(db, rows, organisation_id)
    numbers = {i: n for n, i in departments.items()}
    for row in rows:
        person_id = persons.get(row.person_nr)
        department_id = departments.get(row.department) if row.department else None
        if person_id is None:
            message = _(
                "Ukendt person_nr %(nr)s. Importér beboerfilen først, eller opret personen.", nr=row.person_nr
            )
            errors.add(row.line, message)
        if row.department and department_id is None:
            errors.add(row.line, _("Ukendt afdeling_nr %(nr)s.", nr=row.department))
        key = row.board.casefold()
        board = boards.get(key)
        if board is not None and (board.kind, board.department_id) != (row.kind, department_id):
            dept = numbers.get(board.department_id, "")
            message = _(
                "Bestyrelsen »%(name)s« findes allerede som %(kind)s%(dept)s. Ret type og afdeling_nr, "
                "eller brug et andet navn.",
                name=board.name,
                kind=KIND_NAMES[board.kind],
                dept=dept and " " + _("i afdeling %(nr)s", nr=dept),
            )
            errors.add(row.line, message)
        if person_id is None or (row.department and department_id is None):
            continue
        if board is not None:
            plan.board_ids[key] = board.id
        elif key not in plan.new_boards:
            plan.new_boards[key] = {
                "organisation_id": organisation_id,
                "department_id": department_id,
                "kind": row.kind,
                "name": row.board,
                "created_at": utcnow(),
            }
            change = _("Ny bestyrelse »%(name)s« (%(kind)s)", name=row.board, kind=KIND_NAMES[row.kind])
            plan.tally.add("boards", "created", change)
        found = memberships.get((person_id, board.id, row.start)) if board is not None else None
        _plan_membership(plan, row, key, person_id, found)
    for _key in plan.board_ids:
        plan.tally.add("boards", "unchanged")  # an import creates boards, it never changes them
    _check_rules(plan, rows, memberships, persons, errors)
    return plan


@dataclass(frozen=True)
class _Term:
    """One membership as it would be after the import; ``line`` 0: in boardkit and not in the file."""

    line: int
    person_id: int
    who: str
    role: str
    start: date
    end: date | None


def _check_rules(
    plan: MembershipPlan,
    rows: list[MembershipRow],
    existing: dict[tuple[int, int, date], Any],
    persons: dict[str, int],
    errors: Problems,
) -> None:
    """The rules of the board page hold for an import too: one chair at a time, one role per person."""
    by_row = {(persons.get(r.person_nr), r.board.casefold(), r.start): r for r in rows}
    names = {board_id: key for key, board_id in plan.board_ids.items()}
    terms: dict[str, list[_Term]] = {}
    for (person_id, board_id, start), m in existing.items():
        key = names.get(board_id)
        if key is None:
            continue  # a board the file does not mention: nothing changes there
        row = by_row.get((person_id, key, start))
        who = m.external_id or m.name
        if row is None:
            terms.setdefault(key, []).append(_Term(0, person_id, who, m.role, start, m.end_date))
        else:
            terms.setdefault(key, []).append(_Term(row.line, person_id, who, row.role, start, row.end))
    seen: set[tuple[int, str, date]] = set()
    for m in plan.new_memberships:
        key3 = (m["person_id"], m["board"], m["start_date"])
        if key3 in seen:
            continue  # the same membership twice is reported by _check_file
        seen.add(key3)
        row = by_row[key3]
        terms.setdefault(m["board"], []).append(
            _Term(row.line, m["person_id"], row.person_nr, row.role, row.start, row.end)
        )
    board_names = {r.board.casefold(): r.board for r in rows}
    for key, board_terms in terms.items():
        board_terms.sort(key=lambda t: (t.start, t.line))
        for i, a in enumerate(board_terms):
            for b in board_terms[i + 1 :]:
                if not (a.line or b.line) or not periods_overlap(a.start, a.end, b.start, b.end):
                    continue
                line, other = (b, a) if b.line else (a, b)
                where = _("i linje %(line)s", line=other.line) if other.line else _("i boardkit")
                what = {"name": board_names.get(key, key), "where": where, "start": other.start.isoformat()}
                if a.person_id == b.person_id:
                    message = _(
                        "person_nr %(nr)s har allerede et medlemskab af »%(name)s« i samme periode (fra "
                        "%(start)s, %(where)s). En person har én rolle i en bestyrelse ad gangen: sæt slut "
                        "på det ene medlemskab.",
                        nr=line.who,
                        **what,
                    )
                elif a.role == b.role == "chair":
                    message = _(
                        "»%(name)s« har allerede en formand i samme periode (%(other)s fra %(start)s, "
                        "%(where)s). Sæt slut på den ene formands medlemskab.",
                        other=other.who,
                        **what,
                    )
                else:
                    continue
                errors.add(line.line, message)


def _plan_membership(
    plan: MembershipPlan, row: MembershipRow, board: str, person_id: int, found: Any
) -> None:
    what = {"nr": row.person_nr, "name": row.board, "start": row.start.isoformat()}
    if found is None:
        plan.new_memberships.append(
            {
                "board": board,
                "person_id": person_id,
                "role": row.role,
                "start_date": row.start,
                "end_date": row.end,
            }
        )
        change = _(
            "Nyt medlemskab: %(nr)s i »%(name)s« som %(role)s fra %(start)s",
            role=ROLE_NAMES[row.role],
            **what,
        )
        plan.tally.add("memberships", "created", change)
        return
    parts = []
    if found.role != row.role:
        role_label = _("rolle")
        parts.append(f"{role_label} {ROLE_NAMES.get(found.role, found.role)} → {ROLE_NAMES[row.role]}")
    if found.end_date != row.end:
        end_label = _("slut")
        parts.append(f"{end_label} {show(found.end_date)} → {show(row.end)}")
    if not parts:
        plan.tally.add("memberships", "unchanged")
        return
    # The end moment follows a changed end date (a term moved to end later ends again, with its
    # effects, when it does); an unchanged end date keeps its exact moment.
    ends_at, effects = found.ends_at, found.ended_effects_at
    if found.end_date != row.end:
        ends_at = None if row.end is None else day_end(row.end)
        if ends_at is None or ends_at > utcnow():
            effects = None
    plan.membership_updates.append(
        {
            "id": found.id,
            "role": row.role,
            "end_date": row.end,
            "ends_at": ends_at,
            "ended_effects_at": effects,
        }
    )
    change = _("Medlemskab %(nr)s i »%(name)s« fra %(start)s: %(change)s", change="; ".join(parts), **what)
    plan.tally.add("memberships", "updated", change)
