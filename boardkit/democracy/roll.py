"""The electoral roll: a snapshot of a department's households on a reference date and the people
entitled to attend and vote — tenants and adult household members, never sub-tenants or minors.

A household has two units (``UNITS_PER_HOUSEHOLD``) whatever its size. At the meeting the units a
household has present are the number of its voters checked in (at most two), or two as soon as one
of them is checked in when the organisation lets one person use both (``one_person_both_units``,
copied onto the roll when it is made, so changing the setting later changes no running vote).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session, selectinload

from boardkit.core import audit
from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict, NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.core.templating import TZ
from boardkit.democracy import access
from boardkit.democracy.models import (
    UNITS_PER_HOUSEHOLD,
    CheckIn,
    Question,
    Roll,
    RollHousehold,
    RollVoter,
)
from boardkit.meetings.service import Meeting
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


# "st." (stuen, the ground floor) sorts as floor 0, before "1. th."
_GROUND_FLOOR = re.compile(r"(^|[\s,])st\.?(?=\s|,|$)")


def address_key(address: str, number: str = "") -> tuple[tuple[int, int | str], ...]:
    """Sort addresses as people read them: "Engvej 2" before "Engvej 10", "2A" after "2"."""
    text = _GROUND_FLOOR.sub(r"\g<1>0.", f"{address}\x00{number}".casefold())
    parts = re.findall(r"\d+|\D+", text)
    return tuple((0, int(p)) if p.isdigit() else (1, p.strip()) for p in parts)


def fill_roll(db: Session, roll: Roll) -> None:
    """Write the roll's households and voters (bulk: a department may have 1,000 households), in
    address order (lists sort by :func:`address_key` again rather than trusting the ids)."""
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
        .order_by(Residency.role.desc(), Person.name, Person.id)
    ).all()
    # Tenants first, then household members, by name; households in address order.
    rows = sorted(rows, key=lambda r: address_key(r[0].address_line, r[0].number))
    households: dict[int, RollHousehold] = {}
    voters: dict[int, list[tuple[int, str, str]]] = {}
    digital: set[int] = set()
    paper: set[int] = set()  # as the invitations: the home, or anyone in it, asked for paper
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
        if person.has_digital_channel:
            digital.add(tenancy.id)
        if tenancy.paper or person.paper:
            paper.add(tenancy.id)
    for tenancy_id, house in households.items():
        house.paper = tenancy_id in paper or tenancy_id not in digital
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
    """The figures the minutes state: residents present, households represented, their units.

    A resident is counted once even when they are a voter of two households (one person in two
    homes): they are one person in the room, representing both households."""
    present = units_present(db, roll)
    rows = db.execute(
        select(CheckIn.voter_id, RollVoter.person_id)
        .join(RollVoter, RollVoter.id == CheckIn.voter_id)
        .where(CheckIn.roll_id == roll.id, CheckIn.checked_out_at.is_(None))
    ).all()
    people = {("p", person_id) if person_id is not None else ("v", voter_id) for voter_id, person_id in rows}
    return Attendance(
        residents_present=len(people),
        households_represented=len(present),
        units_present=sum(present.values()),
    )


# --- the manager's roll -------------------------------------------------------------------------


def default_reference_date(meeting: Meeting) -> date:
    """The day the invitations went out (the notice lists who may attend), else today."""
    if meeting.invited_at is not None:
        return meeting.invited_at.astimezone(TZ).date()
    return org_service.today()


def _has_activity(db: Session, roll: Roll) -> str | None:
    """Why the roll can no longer be made again: someone checked in, or a question uses it."""
    if db.scalar(select(CheckIn.id).where(CheckIn.roll_id == roll.id).limit(1)) is not None:
        return "checked_in"
    if db.scalar(select(Question.id).where(Question.roll_id == roll.id).limit(1)) is not None:
        return "questions"
    return None


def remakable(db: Session, roll: Roll) -> bool:
    """Whether the roll may still be made again (nobody checked in, no question on it)."""
    return _has_activity(db, roll) is None


def ensure_roll(
    db: Session, principal: Principal, meeting: Meeting, *, reference_date: date | None = None
) -> Roll:
    """Make the meeting's roll (managers only), or make it again on a new snapshot as long as
    nobody has been checked in and no question has been put to the vote on it (409 after)."""
    access.require_manager(principal, meeting)
    if meeting.status == "cancelled":
        raise Conflict(_("Mødet er aflyst. Der laves ingen valgliste."), code="meeting_cancelled")
    day = reference_date or default_reference_date(meeting)
    meeting_day = meeting.starts_at.astimezone(TZ).date()
    if day > meeting_day:
        raise ValidationFailed(
            _("Skæringsdatoen kan ikke ligge efter mødet."),
            fields={"reference_date": _("Vælg en dato senest %(day)s.", day=meeting_day.isoformat())},
        )
    if day < meeting_day - timedelta(days=366):
        raise ValidationFailed(
            _("Skæringsdatoen ligger mere end et år før mødet."),
            fields={"reference_date": _("Vælg en dato tættere på mødet.")},
        )
    board = meeting.board
    department_id = meeting.department_id or board.department_id
    if department_id is None:
        raise NotFound()
    existing = get_roll(db, meeting.id)
    if existing is not None:
        # Lock the roll row: a check-in at the door and a new snapshot must not cross.
        db.execute(select(Roll.id).where(Roll.id == existing.id).with_for_update())
        reason = _has_activity(db, existing)
        if reason == "checked_in":
            raise Conflict(
                _("Valglisten kan ikke laves igen, når der er tjekket beboere ind."), code="roll_in_use"
            )
        if reason == "questions":
            raise Conflict(_("Valglisten kan ikke laves igen, når der er stemt på den."), code="roll_in_use")
        before = {"reference_date": existing.reference_date.isoformat(), "households": _count(db, existing)}
        db.execute(delete(RollHousehold).where(RollHousehold.roll_id == existing.id))
        db.expire(existing, ["households"])
        existing.reference_date = day
        existing.one_person_both_units = both_units_allowed(db, existing.organisation_id)
        existing.created_by = principal.person_id
        existing.created_at = utcnow()
        db.flush()
        fill_roll(db, existing)
        after = {"reference_date": day.isoformat(), "households": _count(db, existing)}
        audit.record(
            db,
            actor_id=principal.person_id,
            action="democracy.roll_remade",
            obj=existing,
            organisation_id=existing.organisation_id,
            summary=_("Valglisten til %(title)s er lavet igen", title=meeting.title),
            diff=audit.changes(before, after),
        )
        return existing
    made = make_roll(
        db,
        organisation_id=board.organisation_id,
        department_id=department_id,
        reference_date=day,
        meeting_id=meeting.id,
        created_by=principal.person_id,
    )
    audit.record(
        db,
        actor_id=principal.person_id,
        action="democracy.roll_made",
        obj=made,
        organisation_id=made.organisation_id,
        summary=_("Valgliste til %(title)s", title=meeting.title),
        diff={"reference_date": [None, day.isoformat()], "households": [None, _count(db, made)]},
    )
    return made


def _count(db: Session, roll: Roll) -> int:
    return int(db.scalar(select(func.count(RollHousehold.id)).where(RollHousehold.roll_id == roll.id)) or 0)


# --- reading the roll ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VoterState:
    voter: RollVoter
    checked_in: bool  # here now (checked in and not out)
    checked_in_at: datetime | None
    checked_out_at: datetime | None


@dataclass(frozen=True)
class HouseholdState:
    household: RollHousehold
    voters: list[VoterState]
    units_present: int


@dataclass(frozen=True)
class RollSummary:
    households: int
    voters: int
    paper_households: int


def summary(db: Session, roll: Roll) -> RollSummary:
    households, paper = db.execute(
        select(func.count(RollHousehold.id), func.count(RollHousehold.id).filter(RollHousehold.paper)).where(
            RollHousehold.roll_id == roll.id
        )
    ).one()
    voters = db.scalar(
        select(func.count(RollVoter.id))
        .join(RollHousehold, RollHousehold.id == RollVoter.household_id)
        .where(RollHousehold.roll_id == roll.id)
    )
    return RollSummary(int(households or 0), int(voters or 0), int(paper or 0))


def household_states(db: Session, roll: Roll, household_ids: list[int] | None = None) -> list[HouseholdState]:
    """The roll's households (all, or these) in address order, each voter with the check-in."""
    q = (
        select(RollHousehold)
        .where(RollHousehold.roll_id == roll.id)
        .options(selectinload(RollHousehold.voters))
    )
    if household_ids is not None:
        if not household_ids:
            return []
        q = q.where(RollHousehold.id.in_(household_ids))
    houses = sorted(db.scalars(q).all(), key=lambda h: address_key(h.address, h.number))
    checks_q = select(CheckIn).where(CheckIn.roll_id == roll.id)
    if household_ids is not None:
        checks_q = checks_q.where(CheckIn.household_id.in_(household_ids))
    checks = {c.voter_id: c for c in db.scalars(checks_q)}
    states = []
    for house in houses:
        voters = []
        here = 0
        for v in house.voters:
            c = checks.get(v.id)
            present = c is not None and c.checked_out_at is None
            here += present
            voters.append(
                VoterState(v, present, c.checked_in_at if c else None, c.checked_out_at if c else None)
            )
        units = 0 if not here else house.units if roll.one_person_both_units else min(here, house.units)
        states.append(HouseholdState(house, voters, units))
    return states


SEARCH_LIMIT = 25


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_households(db: Session, roll: Roll, query: str, *, limit: int = SEARCH_LIMIT) -> list[int]:
    """The ids of the households whose address, number or voter's name holds every word of
    ``query`` (case-insensitive, Danish letters too), in address order, at most ``limit``."""
    words = [w for w in query.lower().split() if w][:6]
    if not words:
        return []
    q = select(RollHousehold.id, RollHousehold.address, RollHousehold.number).where(
        RollHousehold.roll_id == roll.id
    )
    for word in words:
        pattern = _like(word[:80])
        names = (
            select(RollVoter.id)
            .where(
                RollVoter.household_id == RollHousehold.id,
                func.lower(RollVoter.name).like(pattern, escape="\\"),
            )
            .exists()
        )
        q = q.where(
            or_(
                func.lower(RollHousehold.address).like(pattern, escape="\\"),
                func.lower(RollHousehold.number).like(pattern, escape="\\"),
                names,
            )
        )
    rows = sorted(db.execute(q).all(), key=lambda r: address_key(r.address, r.number))
    return [r.id for r in rows[:limit]]


def audit_names(db: Session, ids: Collection[int]) -> dict[int, audit.ObjectRef]:
    """The audit log's name of a roll: "Valgliste: <meeting>", linking to the roll page."""
    rows = db.execute(
        select(Roll.id, Roll.meeting_id, Meeting.title, Meeting.starts_at)
        .join(Meeting, Meeting.id == Roll.meeting_id)
        .where(Roll.id.in_(ids))
    )
    return {
        i: audit.ObjectRef(
            _("Valgliste: %(title)s %(day)s", title=title, day=starts.astimezone(TZ).strftime("%d.%m.%Y")),
            "democracy_roll",
            {"meeting_id": meeting_id},
        )
        for i, meeting_id, title, starts in rows
    }
