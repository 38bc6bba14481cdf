"""Spending a household's units: the one primitive every channel uses (the meeting's count, a vote
online, a letter), and the secret ballots it writes.

``use_units`` raises the household's ``used`` with one conditional UPDATE — ``used + n <= units``
— so two devices of one household voting at the same instant can never use more than its two
units, on SQLite and PostgreSQL alike, without a lock held across the request. The participation
row (who, how many, channel, time) and the ballots (random id, choice) are written in the same
transaction but share no key: nothing in the schema joins them.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from typing import cast as typed

from sqlalchemy import Integer, Table, and_, bindparam, case, func, insert, join, or_, select, update
from sqlalchemy.orm import Session

from boardkit.core import audit
from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from boardkit.core.generation import mark_changed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal, Resource, is_staff_for
from boardkit.democracy import access
from boardkit.democracy import roll as roll_module
from boardkit.democracy.models import (
    YES_NO,
    Ballot,
    CheckIn,
    HouseholdUnits,
    Participation,
    Question,
    Roll,
    RollHousehold,
    RollVoter,
)
from boardkit.meetings.service import Meeting


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


# A vote's writes are Core statements on the session's connection (the ORM's bulk paths cost more
# than the writes), so the transaction is marked as a change of page data by hand.
_UNITS = typed(Table, HouseholdUnits.__table__)
_PARTICIPATION = insert(typed(Table, Participation.__table__))
_BALLOT = insert(typed(Table, Ballot.__table__))


@functools.cache
def _spend_statement() -> Any:
    """The conditional UPDATE (built once: every vote runs it)."""
    units = bindparam("n_units", type_=Integer)
    c = _UNITS.c
    return (
        update(_UNITS)
        .where(
            c.question_id == bindparam("q_id", type_=Integer),
            c.household_id == bindparam("h_id", type_=Integer),
            c.used + units <= c.units,
        )
        .values(used=c.used + units)
    )


def spend(db: Session, *, question_id: int, household_id: int, units: int) -> None:
    """Use ``units`` of the household's units, or raise Conflict when it has not that many left."""
    done = db.connection().execute(
        _spend_statement(), {"q_id": question_id, "h_id": household_id, "n_units": units}
    )
    if done.rowcount != 1:
        raise Conflict(_("Husstanden har brugt sine 2 stemmer."), code="units_used")
    mark_changed(db)


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
    conn = db.connection()
    conn.execute(
        _PARTICIPATION,
        {
            "question_id": question.id,
            "household_id": household_id,
            "person_id": person_id,
            "units": n,
            "channel": channel,
            "at": utcnow(),
            "registered_by": registered_by,
        },
    )
    rows = [{"id": secrets.token_hex(16), "question_id": question.id, "choice": choice} for choice in choices]
    conn.execute(_BALLOT, rows[0] if n == 1 else rows)


# --- casting a vote after the meeting (online, by letter) -------------------------------------------

BLANK = "blank"
RECEIPT = "Din stemme er registreret"  # the receipt's words (translated where shown: ``receipt_message``)


@dataclass(frozen=True)
class Receipt:
    """What a voter (or the administration registering a letter) gets back: never the choice."""

    status: str = "registered"

    @property
    def message(self) -> str:
        return receipt_message()


def receipt_message() -> str:
    return _("Din stemme er registreret")


def aware(value: datetime | None) -> datetime | None:
    """Stored moments are UTC; SQLite gives them back without a zone."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def choice_keys(question: Question) -> list[str]:
    """The stored choices of a question: its options' keys (a proposal without options: yes, no),
    and "blank" always, last."""
    keys = [str(o.get("key")) for o in question.options or [] if o.get("key") and o.get("key") != BLANK]
    if not keys and question.kind != "election":
        keys = [k for k in YES_NO if k != BLANK]
    return [*keys, BLANK]


def choice_label(key: str) -> str:
    """The label of a yes/no/blank choice (an option's own label comes first)."""
    labels = {"yes": _("Ja"), "no": _("Nej"), BLANK: _("Blank")}
    return str(labels.get(key, key))


def get_question(
    db: Session, question_id: int, *, for_vote: bool = False, for_update: bool = False
) -> Question:
    """The question (404 when there is none). ``for_vote``: the row is held with ``FOR KEY SHARE``
    until the commit on PostgreSQL — votes never wait for each other, but the close (``FOR
    UPDATE``, ``tally.close_question``) waits for every vote in flight, so no ballot is written
    after the ballots were counted. SQLite's write lock does the same for every write."""
    q = select(Question).where(Question.id == question_id).execution_options(populate_existing=True)
    if for_vote:
        q = q.with_for_update(read=True, key_share=True)
    elif for_update:  # a change of the question's state (opening it): one at a time
        q = q.with_for_update()
    question = db.scalar(q)
    if question is None:
        raise NotFound()
    return question


def _meeting(db: Session, question: Question) -> Meeting | None:
    return db.get(Meeting, question.meeting_id) if question.meeting_id is not None else None


def manages(db: Session, principal: Principal, question: Question) -> bool:
    """The meeting's managers (``access.may_manage``: the administration, the department board's
    chair and vice chair); for a question without a meeting (urafstemning) the administration
    and the department board's chair and vice chair as well."""
    if not principal.is_authenticated:
        return False
    meeting = _meeting(db, question)
    if meeting is not None:
        return access.may_manage(principal, meeting)
    if is_staff_for(principal, Resource(question.organisation_id, question.department_id)):
        return True
    return any(
        principal.board_departments.get(board_id) == question.department_id
        and role in ("chair", "vice_chair")
        for board_id, role in principal.board_roles.items()
    )


def is_counter(db: Session, principal: Principal, question: Question) -> bool:
    """The dirigent and the counting committee named on the roll."""
    roll = db.get(Roll, question.roll_id)
    return (
        principal.person_id is not None
        and roll is not None
        and any(
            isinstance(c, dict) and c.get("person_id") == principal.person_id for c in roll.counters or []
        )
    )


def require_manager(db: Session, principal: Principal, question: Question) -> None:
    """404 for residents and strangers, 403 for board members who do not manage."""
    if manages(db, principal, question):
        return
    meeting = _meeting(db, question)
    if meeting is not None:
        access.require_manager(principal, meeting)  # raises
    raise NotFound()


def my_voter(db: Session, principal: Principal, question: Question) -> RollVoter | None:
    if principal.person_id is None:
        return None
    return roll_module.voter_for(db, question.roll_id, principal.person_id)


def check_open(question: Question, now: datetime) -> None:
    """409 unless the question takes votes now (open, opened, not yet closed)."""
    opens, closes = aware(question.opens_at), aware(question.closes_at)
    if question.status != "open" or closes is None or now >= closes or (opens is not None and now < opens):
        raise Conflict(_("Afstemningen er lukket."), code="closed")


def check_choice(question: Question, choice: str, *, field: str = "choice") -> None:
    if choice not in choice_keys(question):
        raise ValidationFailed(
            _("Vælg en af mulighederne på stemmesedlen."), fields={field: _("Ugyldigt valg.")}
        )


def _own_units(question_id: Any, household_id: Any, person_id: Any) -> Any:
    """The units a person has used on a question by their own votes (online, by letter or code),
    as a scalar subquery (the arguments are values or correlated columns)."""
    return (
        select(func.coalesce(func.sum(Participation.units), 0))
        .where(
            Participation.question_id == question_id,
            Participation.household_id == household_id,
            Participation.person_id == person_id,
            Participation.channel != "meeting",
        )
        .scalar_subquery()
    )


def _present_at_count(voter_id: Any, counted_at: Any) -> Any:
    """Whether the voter was checked in when the meeting counted the question (an EXISTS)."""
    return (
        select(CheckIn.id)
        .where(
            CheckIn.voter_id == voter_id,
            CheckIn.checked_in_at <= counted_at,
            or_(CheckIn.checked_out_at.is_(None), CheckIn.checked_out_at > counted_at),
        )
        .exists()
    )


def person_units(db: Session, question: Question, voter: RollVoter) -> int:
    """The units this person has used on the question: their own votes (online) and, when they
    were checked in while the meeting counted it, the one unit they had there (one query)."""
    counted = aware(question.counted_at)
    columns = [_own_units(question.id, voter.household_id, voter.person_id)]
    if counted is not None:
        columns.append(_present_at_count(voter.id, counted))
    row = db.execute(select(*columns)).one()
    return int(row[0] or 0) + (1 if counted is not None and row[1] else 0)


@dataclass(frozen=True)
class _Casting:
    """What a vote needs to know, read in one statement (``_for_casting``)."""

    question: Question
    voter_id: int | None
    household_id: int | None
    both_units: bool
    left: int | None  # the household's units left (None: no HouseholdUnits row)
    person_units: int


def _for_casting(db: Session, question_id: int, person_id: int | None) -> _Casting:
    """The question (held ``FOR KEY SHARE`` like ``get_question(for_vote=True)``: only its row,
    so the close waits for this vote), the person's place on its roll, the roll's rule on one
    person using both units, the household's units left and the units this person has used —
    one statement instead of six. 404 when there is no such question."""
    row = db.execute(_casting_statement(), {"question_id": question_id, "person_id": person_id}).first()
    if row is None:
        raise NotFound()
    question, voter_id, household_id, both, units_left, own, at_meeting = row
    return _Casting(
        question=question,
        voter_id=voter_id,
        household_id=household_id,
        both_units=bool(both),
        left=None if units_left is None else int(units_left),
        person_units=int(own or 0) + int(at_meeting or 0),
    )


@functools.cache
def _casting_statement() -> Any:
    """``_for_casting``'s statement, built once (every vote runs it)."""
    counted = Question.counted_at
    voter = join(RollHousehold, RollVoter, RollVoter.household_id == RollHousehold.id)
    left = (
        select(HouseholdUnits.units - HouseholdUnits.used)
        .where(
            HouseholdUnits.question_id == Question.id,
            HouseholdUnits.household_id == RollVoter.household_id,
        )
        .scalar_subquery()
    )
    present = and_(counted.is_not(None), _present_at_count(RollVoter.id, counted))
    return (
        select(
            Question,
            RollVoter.id,
            RollVoter.household_id,
            Roll.one_person_both_units,
            left,
            _own_units(Question.id, RollVoter.household_id, RollVoter.person_id),
            case((present, 1), else_=0),
        )
        .join(Roll, Roll.id == Question.roll_id)
        .outerjoin(
            voter,
            and_(
                RollHousehold.roll_id == Question.roll_id,
                RollVoter.person_id == bindparam("person_id", type_=Integer),
            ),
        )
        .where(Question.id == bindparam("question_id", type_=Integer))
        .order_by(RollVoter.id)
        .limit(1)
        .execution_options(populate_existing=True)
        .with_for_update(read=True, key_share=True, of=Question)
    )


def cast(
    db: Session,
    principal: Principal,
    *,
    question_id: int,
    choice: str,
    units: int = 1,
    now: datetime | None = None,
) -> Receipt:
    """The logged-in voter's own vote (there is no way to vote for another household): 404 for
    anyone not on the question's roll (a sub-tenant, another department's resident, a stranger),
    409 after the close, 422 for a choice not on the ballot or a number of units other than 1 (or
    2 where one person may use both), 409 "Husstanden har brugt sine 2 stemmer" when the household
    has not that many left — whatever the channel it used them by. The receipt says nothing of
    the choice."""
    now = now or utcnow()
    if principal.person_id is None:
        raise NotFound()
    found = _for_casting(db, question_id, principal.person_id)
    question = found.question
    if found.voter_id is None or found.household_id is None:
        raise NotFound()
    check_open(question, now)
    check_choice(question, choice)
    if units not in (1, 2):
        raise ValidationFailed(_("Du kan afgive 1 eller 2 stemmer."), fields={"units": _("1 eller 2.")})
    # The household's units first (its message is the one that matters), from the statement that
    # read the question; the conditional UPDATE in ``use_units`` stays the guard against two
    # devices at the same instant.
    if found.left is not None and found.left < units:
        raise Conflict(_("Husstanden har brugt sine 2 stemmer."), code="units_used")
    if not found.both_units:
        if units != 1:
            raise ValidationFailed(
                _("Hver stemmeberettiget afgiver én stemme; husstandens anden stemme er den anden voksnes."),
                fields={"units": _("Kun 1 stemme.")},
            )
        if found.person_units >= 1:
            raise Conflict(
                _("Du har allerede stemt. Husstandens anden stemme afgives af en anden stemmeberettiget."),
                code="person_voted",
            )
    use_units(
        db,
        question=question,
        household_id=found.household_id,
        choices=[choice] * units,
        channel="online",
        person_id=principal.person_id,
    )
    return Receipt()


def register_letter(
    db: Session,
    principal: Principal,
    *,
    question_id: int,
    household_id: int,
    choices: Sequence[str],
    now: datetime | None = None,
) -> Receipt:
    """The administration registers a household's letter vote (channel "letter"): the managers
    only (404/403 for others), a household on the question's roll (404), open (409), one or two
    valid choices (422; two when one person may use both or the household has two voters), and
    the household's units shared with every other channel (409 for a third)."""
    now = now or utcnow()
    question = get_question(db, question_id, for_vote=True)
    require_manager(db, principal, question)
    household = db.get(RollHousehold, household_id)
    if household is None or household.roll_id != question.roll_id:
        raise NotFound(_("Husstanden er ikke på valglisten."))
    check_open(question, now)
    choices = list(choices)
    if not 1 <= len(choices) <= 2:
        raise ValidationFailed(
            _("Et brev har 1 eller 2 stemmer."), fields={"choices": _("1 eller 2 stemmer.")}
        )
    for n, choice in enumerate(choices):
        check_choice(question, choice, field=f"choices.{n}")
    roll = db.get(Roll, question.roll_id)
    assert roll is not None
    if len(choices) == 2 and not roll.one_person_both_units and len(household.voters) < 2:
        raise ValidationFailed(
            _("Husstanden har kun én stemmeberettiget; ét brev kan kun have én stemme."),
            fields={"choices": _("Kun 1 stemme.")},
        )
    use_units(
        db,
        question=question,
        household_id=household.id,
        choices=choices,
        channel="letter",
        registered_by=principal.person_id,
    )
    audit.record(
        db,
        actor_id=principal.person_id,
        action="democracy.letter_vote",
        object_type="democracy_question",
        object_id=question.id,
        organisation_id=question.organisation_id,
        summary=_(
            "Brevstemme registreret: %(address)s (%(n)s stemmer)", address=household.address, n=len(choices)
        ),
    )
    return Receipt()


# --- what voters and managers read ------------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdState:
    household_id: int
    address: str
    used: int
    units: int
    my_units: int  # used by this person (online, or present at the meeting's count)
    may_use_both: bool

    @property
    def left(self) -> int:
        return max(self.units - self.used, 0)

    @property
    def may_vote(self) -> bool:
        return self.left > 0 and (self.may_use_both or self.my_units == 0)


@dataclass(frozen=True)
class QuestionState:
    question: Question
    household: HouseholdState | None  # the reader's household, for a voter on the roll
    result: dict[str, Any] | None  # only once closed
    may_manage: bool
    may_count: bool

    @property
    def status(self) -> str:
        return self.question.status

    @property
    def is_open(self) -> bool:
        return is_open(self.question)


def is_open(question: Question, now: datetime | None = None) -> bool:
    try:
        check_open(question, now or utcnow())
    except Conflict:
        return False
    return True


def _household_state(db: Session, question: Question, voter: RollVoter, roll: Roll) -> HouseholdState:
    row = db.execute(
        select(HouseholdUnits.used, HouseholdUnits.units).where(
            HouseholdUnits.question_id == question.id, HouseholdUnits.household_id == voter.household_id
        )
    ).first()
    household = voter.household
    used, units = (int(row[0]), int(row[1])) if row else (0, household.units)
    return HouseholdState(
        household_id=household.id,
        address=household.address,
        used=used,
        units=units,
        my_units=person_units(db, question, voter),
        may_use_both=roll.one_person_both_units,
    )


def question_state(db: Session, principal: Principal, question_id: int) -> QuestionState:
    """A question as its voters, counters and managers see it (404 for anyone else): its status and
    times, the reader's household's units used and left, and the result only after the close."""
    question = get_question(db, question_id)
    voter = my_voter(db, principal, question)
    managing = manages(db, principal, question)
    counting = managing or is_counter(db, principal, question)
    if voter is None and not counting:
        raise NotFound()
    roll = db.get(Roll, question.roll_id)
    assert roll is not None
    return QuestionState(
        question=question,
        household=_household_state(db, question, voter, roll) if voter is not None else None,
        result=dict(question.result or {}) if question.status == "closed" else None,
        may_manage=managing,
        may_count=counting,
    )


def my_questions(db: Session, principal: Principal) -> list[QuestionState]:
    """The open questions whose roll holds this person, closing soonest first, each with the
    household's units used and left."""
    if principal.person_id is None:
        return []
    rows = db.execute(
        select(Question, RollVoter, Roll)
        .join(RollHousehold, RollHousehold.roll_id == Question.roll_id)
        .join(RollVoter, RollVoter.household_id == RollHousehold.id)
        .join(Roll, Roll.id == Question.roll_id)
        .where(RollVoter.person_id == principal.person_id, Question.status == "open")
        .order_by(Question.closes_at, Question.id)
    ).all()
    seen: set[int] = set()
    found = []
    for question, voter, roll in rows:
        if question.id in seen:
            continue
        seen.add(question.id)
        found.append(
            QuestionState(
                question=question,
                household=_household_state(db, question, voter, roll),
                result=None,
                may_manage=False,
                may_count=False,
            )
        )
    return found


def closed_question(db: Session, principal: Principal, question_id: int) -> Question:
    """The question, closed, for anyone entitled to recompute it: its voters, counters and managers
    (404 for others; 409 before the close)."""
    question = get_question(db, question_id)
    if my_voter(db, principal, question) is None and not (
        manages(db, principal, question) or is_counter(db, principal, question)
    ):
        raise NotFound()
    if question.status != "closed":
        raise Conflict(_("Resultatet offentliggøres, når afstemningen er lukket."), code="not_closed")
    return question


def stored_ballots(db: Session, principal: Principal, question_id: int) -> list[tuple[str, str]]:
    """The stored ballots (random id, choice) of a closed question, ordered by their random ids."""
    question = closed_question(db, principal, question_id)
    return [
        (str(i), str(c))
        for i, c in db.execute(
            select(Ballot.id, Ballot.choice).where(Ballot.question_id == question.id).order_by(Ballot.id)
        )
    ]


@dataclass(frozen=True)
class ParticipationRow:
    household_id: int
    number: str
    address: str
    units: int
    channel: str
    at: datetime


def participation_list(db: Session, principal: Principal, question_id: int) -> list[ParticipationRow]:
    """Who voted (household, units, channel, time), never how: after the close, for the dirigent,
    the counting committee and the managers (404 for others, 409 before the close)."""
    question = get_question(db, question_id)
    if not (manages(db, principal, question) or is_counter(db, principal, question)):
        if my_voter(db, principal, question) is not None:
            raise Forbidden(
                _("Kun dirigenten, stemmeudvalget og administrationen kan se, hvem der har stemt.")
            )
        raise NotFound()
    if question.status != "closed":
        raise Conflict(
            _("Listen over hvem der har stemt kan ses, når afstemningen er lukket."), code="not_closed"
        )
    return [
        ParticipationRow(h.id, h.number, h.address, p.units, p.channel, aware(p.at) or p.at)
        for p, h in db.execute(
            select(Participation, RollHousehold)
            .join(RollHousehold, RollHousehold.id == Participation.household_id)
            .where(Participation.question_id == question.id)
            .order_by(RollHousehold.address, RollHousehold.number, Participation.id)
        ).all()
    ]
