"""Applying an import plan: a handful of bulk INSERT/UPDATE statements in the caller's transaction.

The plans (import_residents, import_members) hold only what changes; nothing here decides anything.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from boardkit.core.db import utcnow
from boardkit.org import transitions
from boardkit.org.importing.members import MembershipPlan
from boardkit.org.importing.residents import ADDRESS_FIELDS, ResidentPlan
from boardkit.org.importing.rows import chunks
from boardkit.org.memberships import started
from boardkit.org.models import Board, Department, Membership, Person, Residency, Tenancy
from boardkit.org.periods import day_end, day_start


def _insert(db: Session, model: Any, values: list[dict[str, Any]]) -> None:
    # Core executemany on the table: the ORM's bulk insert splits the rows into a new batch
    # wherever a value is None, and its RETURNING path is quadratic on SQLite. New ids are
    # read back afterwards with one keyed query.
    if values:
        db.execute(insert(model.__table__), values)


def _end_board_seats(db: Session, residency_ids: list[int], today: date) -> None:
    """Only residents sit on a department's board: a move-out ends the person's seats there."""
    if not residency_ids:
        return
    people: set[int] = set()
    departments: set[int] = set()
    for part in chunks(residency_ids):
        for person_id, department_id in db.execute(
            select(Residency.person_id, Tenancy.department_id)
            .join(Tenancy, Tenancy.id == Residency.tenancy_id)
            .where(Residency.id.in_(part))
        ):
            people.add(person_id)
            departments.add(department_id)
    transitions.end_seats_of_movers(db, person_ids=people, department_ids=departments, day=today)


def apply_residents(db: Session, plan: ResidentPlan, *, organisation_id: int, today: date) -> None:
    """Write the plan with bulk statements; the caller's transaction commits it."""
    now = utcnow()
    in_organisation = Department.organisation_id == organisation_id
    values = [
        {"organisation_id": organisation_id, "number": nr, "name": name, "created_at": now}
        for nr, name in plan.new_departments.items()
    ]
    _insert(db, Department, values)
    if plan.department_updates:
        db.execute(update(Department), plan.department_updates)
    department_ids = dict(plan.department_ids)
    if plan.new_departments:
        department_ids = dict(
            db.execute(select(Department.number, Department.id).where(in_organisation)).all()
        )

    values = [
        {
            "department_id": department_ids[d],
            "number": t,
            "paper": False,
            **dict(zip(ADDRESS_FIELDS, a, strict=True)),
        }
        for (d, t), a in plan.new_tenancies.items()
    ]
    _insert(db, Tenancy, values)
    if plan.tenancy_updates:
        db.execute(update(Tenancy), plan.tenancy_updates)
    tenancy_ids = dict(plan.tenancy_ids)
    if plan.new_tenancies:
        query = select(Department.number, Tenancy.number, Tenancy.id).join(Department).where(in_organisation)
        tenancy_ids = {(d, t): i for d, t, i in db.execute(query)}

    if plan.email_moves:
        # Clear first, so addresses may move between people without tripping the unique index.
        db.execute(update(Person), [{"id": pid, "email": None} for pid in plan.email_moves])
    if plan.person_updates:
        db.execute(update(Person), plan.person_updates)
    _insert(db, Person, list(plan.new_persons.values()))
    person_ids = dict(plan.person_ids)
    for part in chunks(list(plan.new_persons)):
        found = db.execute(select(Person.external_id, Person.id).where(Person.external_id.in_(part)))
        person_ids.update((str(nr), i) for nr, i in found)

    if plan.residency_updates:
        db.execute(update(Residency), plan.residency_updates)
    _insert(
        db,
        Residency,
        [
            {
                "person_id": person_ids[nr],
                "tenancy_id": tenancy_ids[key],
                "role": role,
                "adult": True,
                "start_date": today,
                "end_date": None,
            }
            for nr, key, role in plan.new_residencies
        ],
    )
    # After the new homes: a person who moves within the department keeps their seat.
    _end_board_seats(db, [u["id"] for u in plan.residency_updates if u.get("end_date")], today)


def apply_memberships(db: Session, plan: MembershipPlan) -> None:
    """Write the plan with bulk statements; the caller's transaction commits it."""
    board_ids = dict(plan.board_ids)
    if plan.new_boards:
        _insert(db, Board, list(plan.new_boards.values()))
        query = select(Board.name, Board.id).where(Board.organisation_id == plan.organisation_id)
        created = {name.casefold(): i for name, i in db.execute(query)}
        board_ids.update((key, created[key]) for key in plan.new_boards)
    if plan.membership_updates:
        db.execute(update(Membership), plan.membership_updates)
    if plan.new_memberships:
        now = utcnow()
        values = []
        for m in plan.new_memberships:
            # Core inserts skip the model's events: the moments the dates stand for, and a term
            # that had ended before it was recorded has nothing left to take away.
            ends_at = None if m["end_date"] is None else day_end(m["end_date"])
            values.append(
                {
                    **{k: v for k, v in m.items() if k != "board"},
                    "board_id": board_ids[m["board"]],
                    "starts_at": day_start(m["start_date"]),
                    "ends_at": ends_at,
                    "ended_effects_at": now if ends_at is not None and ends_at <= now else None,
                }
            )
        _insert(db, Membership, values)
        # What other domains do when a membership starts (onboarding), as on the board page.
        keys = {(v["board_id"], v["person_id"], v["start_date"]) for v in values}
        boards = sorted({k[0] for k in keys})
        added = db.scalars(select(Membership).where(Membership.board_id.in_(boards)))
        started(db, [m for m in added if (m.board_id, m.person_id, m.start_date) in keys])
