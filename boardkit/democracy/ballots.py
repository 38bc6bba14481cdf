"""Spending a household's units: the one primitive every channel uses (the meeting's count, a vote
online, a letter), and the secret ballots it writes.

``use_units`` raises the household's ``used`` with one conditional UPDATE — ``used + n <= units``
— so two devices of one household voting at the same instant can never use more than its two
units, on SQLite and PostgreSQL alike, without a lock held across the request. The participation
row (who, how many, channel, time) and the ballots (random id, choice) are written in the same
transaction but share no key: nothing in the schema joins them.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict
from boardkit.core.i18n import _
from boardkit.democracy.models import Ballot, HouseholdUnits, Participation, Question, RollHousehold


def ensure_units(db: Session, question: Question) -> None:
    """A HouseholdUnits row for every household on the question's roll (missing ones only)."""
    have = set(
        db.scalars(select(HouseholdUnits.household_id).where(HouseholdUnits.question_id == question.id))
    )
    rows = [
        {"question_id": question.id, "household_id": hid, "used": 0, "units": units}
        for hid, units in db.execute(
            select(RollHousehold.id, RollHousehold.units).where(RollHousehold.roll_id == question.roll_id)
        )
        if hid not in have
    ]
    if rows:
        db.execute(insert(HouseholdUnits), rows)


def spend(db: Session, *, question_id: int, household_id: int, units: int) -> None:
    """Use ``units`` of the household's units, or raise Conflict when it has not that many left."""
    done = db.execute(
        update(HouseholdUnits)
        .where(
            HouseholdUnits.question_id == question_id,
            HouseholdUnits.household_id == household_id,
            HouseholdUnits.used + units <= HouseholdUnits.units,
        )
        .values(used=HouseholdUnits.used + units)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_("Husstanden har brugt sine 2 stemmer."), code="units_used")


def use_units(
    db: Session,
    *,
    question: Question,
    household_id: int,
    choices: Sequence[str],
    channel: str,
    person_id: int | None = None,
    registered_by: int | None = None,
) -> None:
    """Spend one unit per choice and write the participation row and one secret ballot per choice."""
    n = len(choices)
    if n < 1:
        raise ValueError("at least one choice")
    spend(db, question_id=question.id, household_id=household_id, units=n)
    db.add(
        Participation(
            question_id=question.id,
            household_id=household_id,
            person_id=person_id,
            units=n,
            channel=channel,
            at=utcnow(),
            registered_by=registered_by,
        )
    )
    db.execute(
        insert(Ballot),
        [{"id": secrets.token_hex(16), "question_id": question.id, "choice": choice} for choice in choices],
    )
