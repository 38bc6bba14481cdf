"""Check-in at the door: register which voters on the roll attend the department meeting.

A voter is checked in once (one row per voter, ``CheckIn.voter_id`` is unique); checking in again
is a no-op, checking out keeps the row with ``checked_out_at`` and checking in after that clears it.
A person in two homes is two voters: checked in by person both are, counted once as a resident.

Attendance is registered at the meeting: from two hours before it starts until its end is
recorded on the roll (``Roll.ended_at``); before or after, 409 with a Danish message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from boardkit.core import audit
from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict, NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.core.templating import TZ
from boardkit.democracy import access, roll
from boardkit.democracy.models import CheckIn, Roll, RollHousehold, RollVoter
from boardkit.meetings.service import Meeting

OPENS_BEFORE = timedelta(hours=2)


@dataclass(frozen=True)
class CheckInResult:
    voters: list[RollVoter]  # the voters changed (one; two for a person in two homes)
    checked_in: bool  # the state now
    changed: bool  # False: it already was so (idempotent)
    attendance: roll.Attendance


def door_roll(db: Session, principal: Principal, meeting_id: int) -> tuple[Meeting, Roll]:
    """The meeting and its roll, for someone who may check voters in (404 / 403 / 409 no roll)."""
    meeting = access.check_in_meeting(db, principal, meeting_id)
    found = roll.get_roll(db, meeting.id)
    if found is None:
        raise Conflict(
            _("Der er ikke lavet en valgliste til mødet endnu. Formanden eller administrationen laver den."),
            code="no_roll",
        )
    return meeting, found


def window_problem(meeting: Meeting, found: Roll, now: datetime) -> str | None:
    """Why attendance cannot be registered now (None: it can)."""
    if meeting.status == "cancelled":
        return _("Mødet er aflyst.")
    if found.ended_at is not None:
        return _("Mødet er afsluttet. Fremmødet kan ikke længere ændres.")
    opens = meeting.starts_at - OPENS_BEFORE
    if now < opens:
        return _(
            "Indtjekningen åbner to timer før mødet, %(when)s.",
            when=opens.astimezone(TZ).strftime("%d.%m.%Y kl. %H.%M"),
        )
    return None


def is_open(meeting: Meeting, found: Roll, now: datetime | None = None) -> bool:
    return window_problem(meeting, found, now or utcnow()) is None


def _voters(db: Session, found: Roll, *, voter_id: int | None, person_id: int | None) -> list[RollVoter]:
    if (voter_id is None) == (person_id is None):
        raise ValidationFailed(
            _("Angiv enten en vælger eller en person."),
            fields={"voter_id": _("Angiv voter_id eller person_id.")},
        )
    q = (
        select(RollVoter)
        .join(RollHousehold, RollHousehold.id == RollVoter.household_id)
        .where(RollHousehold.roll_id == found.id)
        .order_by(RollVoter.id)
    )
    if voter_id is not None:
        q = q.where(RollVoter.id == voter_id)
    else:
        q = q.where(RollVoter.person_id == person_id)
    voters = list(db.scalars(q).all())
    if not voters:
        raise NotFound(_("Personen står ikke på valglisten til dette møde."))
    return voters


def _lock(db: Session, found: Roll) -> None:
    """Hold the roll row while attendance changes: a new snapshot (``ensure_roll``) and the
    recorded end wait for the check-in, and the other way round (PostgreSQL; SQLite writes in turn)."""
    db.execute(select(Roll.id).where(Roll.id == found.id).with_for_update(read=True))
    db.refresh(found, ["ended_at"])


def _at_the_door(
    db: Session,
    principal: Principal,
    meeting_id: int,
    voter_id: int | None,
    person_id: int | None,
    now: datetime | None,
) -> tuple[Roll, list[RollVoter]]:
    """The roll (held) and the voters a check-in or check-out is about, while the door is open."""
    meeting, found = door_roll(db, principal, meeting_id)
    voters = _voters(db, found, voter_id=voter_id, person_id=person_id)
    _lock(db, found)
    if (problem := window_problem(meeting, found, now or utcnow())) is not None:
        raise Conflict(problem, code="check_in_closed")
    return found, voters


def check_in(
    db: Session,
    principal: Principal,
    meeting_id: int,
    *,
    voter_id: int | None = None,
    person_id: int | None = None,
    now: datetime | None = None,
) -> CheckInResult:
    """Register a voter (or every voter row of a person) as present."""
    found, voters = _at_the_door(db, principal, meeting_id, voter_id, person_id, now)
    changed = False
    for voter in voters:
        row = db.scalar(select(CheckIn).where(CheckIn.voter_id == voter.id))
        if row is None:
            try:
                with db.begin_nested():
                    db.add(
                        CheckIn(
                            roll_id=found.id,
                            household_id=voter.household_id,
                            voter_id=voter.id,
                            checked_in_by=principal.person_id,
                        )
                    )
            except IntegrityError:
                continue  # checked in at the same instant on another device: one row, theirs
        elif row.checked_out_at is not None:
            row.checked_out_at = None
            row.checked_in_at = utcnow()
            row.checked_in_by = principal.person_id
        else:
            continue  # already here
        changed = True
        audit.record(
            db,
            actor_id=principal.person_id,
            action="democracy.checked_in",
            object_type="democracy_roll",
            object_id=found.id,
            organisation_id=found.organisation_id,
            summary=_("%(name)s er tjekket ind", name=voter.name),
        )
    db.flush()
    return CheckInResult(voters, True, changed, roll.attendance(db, found))


def check_out(
    db: Session,
    principal: Principal,
    meeting_id: int,
    *,
    voter_id: int | None = None,
    person_id: int | None = None,
    now: datetime | None = None,
) -> CheckInResult:
    """Register that a voter left (the row stays; checking in again brings them back)."""
    found, voters = _at_the_door(db, principal, meeting_id, voter_id, person_id, now)
    changed = False
    at = utcnow()
    for voter in voters:
        row = db.scalar(select(CheckIn).where(CheckIn.voter_id == voter.id))
        if row is None or row.checked_out_at is not None:
            continue
        row.checked_out_at = at
        changed = True
        audit.record(
            db,
            actor_id=principal.person_id,
            action="democracy.checked_out",
            object_type="democracy_roll",
            object_id=found.id,
            organisation_id=found.organisation_id,
            summary=_("%(name)s er tjekket ud", name=voter.name),
        )
    db.flush()
    return CheckInResult(voters, False, changed, roll.attendance(db, found))
