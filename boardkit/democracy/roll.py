"""The electoral roll: a snapshot of a department's households on a reference date and the people
entitled to attend and vote — tenants and adult household members, never sub-tenants or minors.

A household has two units (``UNITS_PER_HOUSEHOLD``) whatever its size. At the meeting the units a
household has present are the number of its voters checked in (at most two), or two as soon as one
of them is checked in when the organisation lets one person use both (``one_person_both_units``,
copied onto the roll when it is made, so changing the setting later changes no running vote).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from boardkit.democracy.models import UNITS_PER_HOUSEHOLD, CheckIn, Roll, RollHousehold, RollVoter
from boardkit.org import service as org_service

VOTER_ROLES = ("tenant", "household_member")  # not "subtenant"
BOTH_UNITS_RULE = "one_person_both_units"  # Organisation.rules key; default False


@dataclass(frozen=True)
class Attendance:
    residents_present: int
    households_represented: int
    units_present: int


def both_units_allowed(db: Session, organisation_id: int) -> bool:
    org = db.get(org_service.Organisation, organisation_id)
    return bool(org is not None and (org.rules or {}).get(BOTH_UNITS_RULE, False))


def make_roll(
    db: Session,
    *,
    organisation_id: int,
    department_id: int,
    reference_date: date,
    meeting_id: int | None = None,
    purpose: str = "meeting",
    created_by: int | None = None,
) -> Roll:
    """Take the snapshot: every tenancy of the department with at least one voter on the day."""
    roll = Roll(
        meeting_id=meeting_id,
        purpose=purpose,
        organisation_id=organisation_id,
        department_id=department_id,
        reference_date=reference_date,
        one_person_both_units=both_units_allowed(db, organisation_id),
        created_by=created_by,
    )
    db.add(roll)
    db.flush()
    fill_roll(db, roll)
    return roll


def fill_roll(db: Session, roll: Roll) -> None:
    """Write the roll's households and voters (bulk: a department may have 1,000 households)."""
    Person, Residency, Tenancy = org_service.Person, org_service.Residency, org_service.Tenancy
    day = roll.reference_date
    rows = db.execute(
        select(Tenancy, Person, Residency.role)
        .join(Residency, Residency.tenancy_id == Tenancy.id)
        .join(Person, Person.id == Residency.person_id)
        .where(
            Tenancy.department_id == roll.department_id,
            Residency.adult.is_(True),
            Residency.role.in_(VOTER_ROLES),
            or_(Residency.start_date.is_(None), Residency.start_date <= day),
            or_(Residency.end_date.is_(None), Residency.end_date >= day),
        )
        .order_by(
            Tenancy.address, Tenancy.unit, Tenancy.number, Residency.role.desc(), Person.name, Person.id
        )
    ).all()
    households: dict[int, RollHousehold] = {}
    voters: dict[int, list[tuple[int, str, str]]] = {}
    digital: set[int] = set()
    for tenancy, person, role in rows:
        if tenancy.id not in households:
            households[tenancy.id] = RollHousehold(
                roll_id=roll.id,
                tenancy_id=tenancy.id,
                number=tenancy.number,
                address=tenancy.address_line,
                units=UNITS_PER_HOUSEHOLD,
            )
        voters.setdefault(tenancy.id, []).append((person.id, person.name, role))
        if person.has_digital_channel and not tenancy.paper:
            digital.add(tenancy.id)
    for tenancy_id, house in households.items():
        house.paper = tenancy_id not in digital
    db.add_all(list(households.values()))
    db.flush()
    db.add_all(
        [
            RollVoter(household_id=households[tenancy_id].id, person_id=pid, name=name, role=role)
            for tenancy_id, people in voters.items()
            for pid, name, role in people
        ]
    )
    db.flush()


def get_roll(db: Session, meeting_id: int) -> Roll | None:
    return db.scalar(select(Roll).where(Roll.meeting_id == meeting_id))


def voter_for(db: Session, roll_id: int, person_id: int) -> RollVoter | None:
    """The person's place on the roll (None: not entitled — a sub-tenant, a minor, a stranger)."""
    return db.scalar(
        select(RollVoter)
        .join(RollHousehold, RollHousehold.id == RollVoter.household_id)
        .where(RollHousehold.roll_id == roll_id, RollVoter.person_id == person_id)
        .limit(1)
    )


def units_present(db: Session, roll: Roll) -> dict[int, int]:
    """The units each household has at the meeting now: its voters checked in (and not out)."""
    rows = db.execute(
        select(CheckIn.household_id, func.count(CheckIn.id))
        .where(CheckIn.roll_id == roll.id, CheckIn.checked_out_at.is_(None))
        .group_by(CheckIn.household_id)
    ).all()
    units = {}
    for household_id, people in rows:
        n = UNITS_PER_HOUSEHOLD if roll.one_person_both_units else min(int(people), UNITS_PER_HOUSEHOLD)
        units[household_id] = n
    return units


def attendance(db: Session, roll: Roll) -> Attendance:
    """The figures the minutes state: residents present, households represented, their units."""
    present = units_present(db, roll)
    residents = db.scalar(
        select(func.count(CheckIn.id)).where(CheckIn.roll_id == roll.id, CheckIn.checked_out_at.is_(None))
    )
    return Attendance(
        residents_present=int(residents or 0),
        households_represented=len(present),
        units_present=sum(present.values()),
    )
