"""Votes counted at the department meeting, elections, the meeting's recorded end and its decision
to vote digitally afterwards — and what of it goes into the minutes (no retyping).

A vote at the meeting: per agenda item the chair (a manager: ``access``) records the question as
worded at the meeting, the method (show of hands or written ballot) and the counts. One question
per agenda item: recording it again corrects it, while it is still ``recorded`` (once digital
voting has opened or closed it is 409). The counts are checked against the units present (the
voters checked in, ``roll.units_present``): more votes than units is 422. When counted, every
household on the roll gets its ``HouseholdUnits`` row, and each household present has used the
units it had present (one ``Participation`` row, channel "meeting"), so a household whose one
member was present has one unit left to vote online. Counts at the meeting are aggregate: no
secret ballots are written for them.

An election (of board members and substitutes, at an ordinary department meeting): the candidates
are people on the roll; the chair enters the votes each candidate got (and the blank ones). Kept
simple on purpose: a unit may have voted for several candidates (up to the seats), so only each
candidate's count (and the blank count) is checked against the units present, not their sum. The
most votes win the seats, the next ones (with at least one vote) are the substitutes in order; a
tie at the edge is flagged (``result_of_election(...)["tie"]``) for the chair to settle (by lot,
then correct the counts).

The results reach the minutes through ``minutes.record_meeting_facts``: the attendance, the item's
votes and a sentence saying the result, an election's block. ``result_to_minutes`` is the one way
in, also for the final tally of a digital vote (tally.py calls it at the close).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from boardkit.core import audit
from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict, NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.core.templating import TZ
from boardkit.democracy import access, ballots
from boardkit.democracy import roll as rolls
from boardkit.democracy.models import (
    METHODS,
    CheckIn,
    HouseholdUnits,
    Participation,
    Question,
    Roll,
    RollHousehold,
    RollVoter,
)
from boardkit.meetings import service as meetings_service
from boardkit.meetings.minutes import service as minutes_service
from boardkit.meetings.service import AgendaItem, Meeting

MAX_TEXT = 2000
MAX_COUNT = 100_000
MAX_SEATS = 15
MAX_CANDIDATES = 40
# A clock a little ahead of the server's is not "the future".
CLOCK_SLACK = timedelta(minutes=2)
PROPOSAL_OPTIONS = [
    {"key": "yes", "label": "Ja"},
    {"key": "no", "label": "Nej"},
    {"key": "blank", "label": "Blank"},
]
# The minutes say for / against / blank; a proposal's stored choices are yes / no / blank.
MINUTES_KEYS = {"yes": "for", "no": "against", "blank": "blank"}


@dataclass
class VoteInput:
    """A proposal's vote at the meeting: the question as worded there, the method, the counts."""

    question: str
    method: str = "show_of_hands"
    votes_for: int | None = None
    against: int | None = None
    blank: int | None = None


@dataclass
class CandidateInput:
    person_id: int | None
    votes: int | None = None


@dataclass
class ElectionVoteInput:
    """An election at the meeting: candidates on the roll with their votes, seats and substitutes,
    and how long they are elected for (until the ordinary department meeting of a year)."""

    question: str
    method: str = "written"
    candidates: list[CandidateInput] = field(default_factory=list)
    blank: int | None = 0
    seats: int | None = 1
    substitutes: int | None = 0
    until_year: int | None = None  # members; default: the meeting's year + 2
    substitutes_until_year: int | None = None  # default: the meeting's year + 1


# --- loading ----------------------------------------------------------------------------------


def meeting_roll(db: Session, meeting: Meeting, *, lock: bool = False) -> Roll:
    """The meeting's roll (409 while there is none); ``lock`` takes its row lock (PostgreSQL), so two
    chairs recording at once take turns."""
    query = select(Roll).where(Roll.meeting_id == meeting.id)
    found = db.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise Conflict(_("Lav først valglisten til mødet."), code="no_roll")
    return found


def managed_item(db: Session, principal: Principal, agenda_item_id: int) -> AgendaItem:
    """The agenda item of a department meeting whose votes ``principal`` records (404 for residents
    and strangers, 403 for board members who do not manage)."""
    item = meetings_service.get_item(db, principal=principal, item_id=agenda_item_id)
    access.require_manager(principal, item.meeting)
    return item


def votes_meeting(db: Session, principal: Principal, meeting_id: int) -> Meeting:
    """The department meeting whose votes ``principal`` manages, with its agenda (the one loader of
    the votes page and API: 404 for residents and strangers, 403 for board members)."""
    meeting = access.managed_meeting(db, principal, meeting_id)
    meetings_service.load_agenda(db, meeting)
    return meeting


def question_of_item(db: Session, agenda_item_id: int) -> Question | None:
    """The question recorded for an agenda item at the meeting (an urafstemning is not one)."""
    return db.scalar(
        select(Question)
        .where(Question.agenda_item_id == agenda_item_id, Question.kind.in_(("proposal", "election")))
        .order_by(Question.id)
        .limit(1)
    )


def questions_of_meeting(db: Session, meeting_id: int) -> list[Question]:
    return list(
        db.scalars(
            select(Question)
            .where(Question.meeting_id == meeting_id, Question.kind.in_(("proposal", "election")))
            .order_by(Question.id)
        )
    )


def roll_candidates(db: Session, roll_id: int) -> list[tuple[int, str]]:
    """The people on the roll who may stand in an election, as (person id, "name (address)")."""
    rows = db.execute(
        select(RollVoter.person_id, RollVoter.name, RollHousehold.address)
        .join(RollHousehold, RollHousehold.id == RollVoter.household_id)
        .where(RollHousehold.roll_id == roll_id, RollVoter.person_id.is_not(None))
        .order_by(RollVoter.name, RollHousehold.address)
    ).all()
    return [(int(pid), f"{name} ({address})") for pid, name, address in rows if pid is not None]


def get_question(db: Session, principal: Principal, question_id: int) -> tuple[Question, Meeting]:
    """A meeting's question and its meeting, for a manager (404 / 403 as ``managed_item``)."""
    question = db.get(Question, question_id)
    if question is None or question.meeting_id is None:
        raise NotFound()
    meeting = meetings_service.get_meeting(db, principal=principal, meeting_id=question.meeting_id)
    access.require_manager(principal, meeting)
    return question, meeting


# --- attendance ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Turnout:
    """Who came to the meeting (for the minutes: anybody checked in, also those who left early)."""

    residents_present: int
    households_represented: int


def turnout(db: Session, roll: Roll) -> Turnout:
    row = db.execute(
        select(func.count(CheckIn.id), func.count(func.distinct(CheckIn.household_id))).where(
            CheckIn.roll_id == roll.id
        )
    ).one()
    return Turnout(int(row[0] or 0), int(row[1] or 0))


@dataclass(frozen=True)
class VotesState:
    """What the chair's votes page and the API show of a meeting: its roll (end, digital
    decision), who came, the units present now, the questions counted."""

    roll: Roll
    turnout: Turnout
    units_present: int
    questions: list[Question]


def votes_state(db: Session, meeting: Meeting) -> VotesState:
    """The meeting's votes as they stand (409 while the meeting has no roll)."""
    roll = meeting_roll(db, meeting)
    return VotesState(
        roll=roll,
        turnout=turnout(db, roll),
        units_present=sum(rolls.units_present(db, roll).values()),
        questions=questions_of_meeting(db, meeting.id),
    )


# --- checking -----------------------------------------------------------------------------------


def _count(value: int | None, key: str, errors: dict[str, str]) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        errors[key] = _("Skriv et helt tal fra 0 og op.")
        return 0
    return value


def _check_common(text: str, method: str, errors: dict[str, str]) -> str:
    text = text.strip()
    if not text:
        errors["question"] = _("Skriv spørgsmålet, som det blev formuleret på mødet.")
    elif len(text) > MAX_TEXT:
        errors["question"] = _("Højst %(n)s tegn.", n=MAX_TEXT)
    if method not in METHODS:
        errors["method"] = _("Vælg håndsoprækning eller skriftlig afstemning.")
    return text


def _too_many(units: int) -> str:
    return _("Der er flere stemmer end de fremmødte husstandes stemmer (%(units)s).", units=units)


def _check_proposal(data: VoteInput, units: int) -> tuple[str, dict[str, int]]:
    errors: dict[str, str] = {}
    text = _check_common(data.question, data.method, errors)
    counts = {
        "yes": _count(data.votes_for, "for", errors),
        "no": _count(data.against, "against", errors),
        "blank": _count(data.blank, "blank", errors),
    }
    if not errors.keys() & {"for", "against", "blank"} and sum(counts.values()) > units:
        errors["counts"] = _too_many(units)
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    return text, counts


def _check_election(
    db: Session, meeting: Meeting, roll: Roll, data: ElectionVoteInput, units: int
) -> tuple[str, dict[str, int], list[dict[str, Any]], dict[str, Any], int]:
    errors: dict[str, str] = {}
    text = _check_common(data.question, data.method, errors)
    if not minutes_service.has_election(meeting):
        errors["kind"] = _("Valg til bestyrelsen holdes på det ordinære afdelingsmøde.")
    seats = data.seats if data.seats is not None else 1
    if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= MAX_SEATS:
        errors["seats"] = _("Skriv antallet af pladser (1–%(n)s).", n=MAX_SEATS)
        seats = 1
    substitutes = data.substitutes or 0
    if isinstance(substitutes, bool) or not isinstance(substitutes, int) or not 0 <= substitutes <= MAX_SEATS:
        errors["substitutes"] = _("Skriv antallet af suppleanter (0–%(n)s).", n=MAX_SEATS)
        substitutes = 0
    year = meeting.starts_at.astimezone(TZ).year
    until = data.until_year if data.until_year is not None else year + 2
    sub_until = data.substitutes_until_year if data.substitutes_until_year is not None else year + 1
    for key, value in (("until_year", until), ("substitutes_until_year", sub_until)):
        if not year < value <= year + 10:
            errors[key] = _("Skriv et årstal efter mødets år (højst %(n)s år frem).", n=10)
    rows = [c for c in data.candidates if c.person_id is not None or c.votes is not None]
    if not rows:
        errors["candidates"] = _("Skriv mindst én kandidat.")
    elif len(rows) > MAX_CANDIDATES:
        errors["candidates"] = _("Højst %(n)s kandidater.", n=MAX_CANDIDATES)
    names = dict(
        db.execute(
            select(RollVoter.person_id, RollVoter.name)
            .join(RollHousehold, RollHousehold.id == RollVoter.household_id)
            .where(RollHousehold.roll_id == roll.id, RollVoter.person_id.is_not(None))
        ).all()
    )
    options: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for n, c in enumerate(rows[:MAX_CANDIDATES]):
        key = f"candidates.{n}"
        votes = _count(c.votes, f"{key}.votes", errors)
        if c.person_id is None:
            errors[f"{key}.person_id"] = _("Vælg en person.")
        elif c.person_id not in names:
            errors[f"{key}.person_id"] = _("Kandidaten skal stå på valglisten.")
        elif f"p{c.person_id}" in counts:
            errors[f"{key}.person_id"] = _("Kandidaten står der to gange.")
        else:
            counts[f"p{c.person_id}"] = votes
            options.append({"key": f"p{c.person_id}", "label": names[c.person_id], "person_id": c.person_id})
            if votes > units:
                errors[f"{key}.votes"] = _too_many(units)
    counts["blank"] = _count(data.blank, "blank", errors)
    if counts["blank"] > units and "blank" not in errors:
        errors["blank"] = _too_many(units)
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    election = {"substitutes": substitutes, "until_year": until, "substitutes_until_year": sub_until}
    return text, counts, options, election, seats


# --- recording ----------------------------------------------------------------------------------


def record_vote(
    db: Session, principal: Principal, *, agenda_item_id: int, data: VoteInput | ElectionVoteInput
) -> Question:
    """Record (or correct) the vote on an agenda item at the meeting. 404/403 as ``managed_item``;
    409 with no roll, for a cancelled meeting, or once the question went on to a digital vote;
    422 for bad input or more votes than the units present."""
    item = managed_item(db, principal, agenda_item_id)
    meeting = item.meeting
    if meeting.status == "cancelled":
        raise Conflict(_("Mødet er aflyst."), code="meeting_cancelled")
    roll = meeting_roll(db, meeting, lock=True)
    question = question_of_item(db, item.id)
    kind = "election" if isinstance(data, ElectionVoteInput) else "proposal"
    if question is not None and question.status != "recorded":
        raise Conflict(
            _("Afstemningen er gået videre digitalt, så tallene fra mødet kan ikke længere rettes."),
            code="question_not_recorded",
        )
    present = rolls.units_present(db, roll)
    units = sum(present.values())
    if units == 0:
        raise ValidationFailed(
            _("Ingen fremmødte er registreret endnu: registrér fremmødet ved indgangen først."),
            fields={"counts": _too_many(0)},
        )
    if isinstance(data, ElectionVoteInput):
        text, counts, options, election, seats = _check_election(db, meeting, roll, data, units)
    else:
        text, counts = _check_proposal(data, units)
        options, election, seats = [dict(o) for o in PROPOSAL_OPTIONS], {}, 1
    now = utcnow()
    before = None
    if question is None:
        question = Question(
            organisation_id=roll.organisation_id,
            department_id=roll.department_id,
            roll_id=roll.id,
            meeting_id=meeting.id,
            agenda_item_id=item.id,
            created_by=principal.person_id,
            status="recorded",
        )
        db.add(question)
    else:
        before = {"text": question.text, "kind": question.kind, "counts": dict(question.meeting_counts)}
    question.kind, question.text, question.method = kind, text, data.method
    question.options, question.election, question.seats = options, election, seats
    question.meeting_counts, question.units_present, question.counted_at = counts, units, now
    db.flush()
    _spend_at_meeting(db, question, present, principal.person_id, now)
    audit.record(
        db,
        actor_id=principal.person_id,
        action="democracy.vote_corrected" if before is not None else "democracy.vote_recorded",
        obj=question,
        organisation_id=roll.organisation_id,
        summary=f"{meeting.title}: {item.position}. {item.title}",
        diff={"counts": [before["counts"] if before else None, counts], "units_present": units},
    )
    result_to_minutes(db, question, counts, meeting=meeting, actor_id=principal.person_id)
    return question


def _spend_at_meeting(
    db: Session, question: Question, present: dict[int, int], person_id: int | None, now: datetime
) -> None:
    """Each household present uses the units it had present (once: a correction starts over)."""
    ballots.ensure_units(db, question)
    db.execute(
        delete(Participation).where(
            Participation.question_id == question.id, Participation.channel == "meeting"
        )
    )
    db.execute(
        update(HouseholdUnits)
        .where(HouseholdUnits.question_id == question.id)
        .values(used=0)
        .execution_options(synchronize_session=False)
    )
    for household_id, units in sorted(present.items()):
        ballots.spend(db, question_id=question.id, household_id=household_id, units=units)
    if present:
        db.execute(
            insert(Participation),
            [
                {
                    "question_id": question.id,
                    "household_id": household_id,
                    "person_id": None,
                    "units": units,
                    "channel": "meeting",
                    "at": now,
                    "registered_by": person_id,
                }
                for household_id, units in sorted(present.items())
            ],
        )


# --- results ------------------------------------------------------------------------------------


def result_of_election(question: Question, counts: dict[str, int]) -> dict[str, Any]:
    """Who is elected: the most votes for the seats, the next ones (with a vote) as substitutes in
    order; ``tie`` when the last place in either group is shared with the next candidate."""
    order = {o["key"]: n for n, o in enumerate(question.options)}
    ranked = sorted(
        (o for o in question.options if counts.get(o["key"], 0) > 0),
        key=lambda o: (-counts.get(o["key"], 0), order[o["key"]]),
    )
    seats, subs = question.seats, int((question.election or {}).get("substitutes", 0))
    elected, substitutes = ranked[:seats], ranked[seats : seats + subs]

    def shared(n: int) -> bool:
        return 0 < n < len(ranked) and counts.get(ranked[n - 1]["key"], 0) == counts.get(ranked[n]["key"], 0)

    return {
        "elected": [{**o, "votes": counts.get(o["key"], 0)} for o in elected],
        "substitutes": [{**o, "votes": counts.get(o["key"], 0)} for o in substitutes],
        "blank": counts.get("blank", 0),
        "tie": shared(len(elected)) or (subs > 0 and shared(len(elected) + len(substitutes))),
    }


def minutes_votes(counts: dict[str, int]) -> dict[str, int]:
    """A proposal's counts (yes / no / blank) as the minutes write them (for / against / blank)."""
    return {MINUTES_KEYS[k]: int(counts.get(k, 0)) for k in ("yes", "no", "blank")}


def result_to_minutes(
    db: Session,
    question: Question,
    counts: dict[str, int],
    *,
    meeting: Meeting | None = None,
    actor_id: int | None = None,
) -> bool:
    """Write a question's result into the meeting's minutes: the attendance from the roll, the
    item's votes and result sentence (a proposal), the election block and sentence (an election).
    ``counts`` by option key (yes / no / blank, or p<person id> / blank): the meeting's counts when
    recorded, the final tally (meeting + digital) at the close. Replaces what an earlier call
    wrote; approved or published minutes are left alone (False)."""
    if question.meeting_id is None or question.agenda_item_id is None:
        return False
    if meeting is None:
        meeting = db.get(Meeting, question.meeting_id)
        if meeting is None:
            return False
    roll = db.get(Roll, question.roll_id)
    seen = turnout(db, roll) if roll is not None else None
    election = None
    if question.kind == "election":
        result = result_of_election(question, counts)
        sentence = minutes_service.election_sentence(
            [(o["label"], o["votes"]) for o in result["elected"]],
            [(o["label"], o["votes"]) for o in result["substitutes"]],
        )
        facts = minutes_service.ItemFacts(votes=None, sentence=sentence)
        conf = question.election or {}
        until = conf.get("until_year")
        elected = [o["person_id"] for o in result["elected"]]
        election = minutes_service.ElectionInput(
            elected=[minutes_service.ElectedInput(person_id=pid, until_year=until) for pid in elected],
            substitutes=[
                minutes_service.SubstituteInput(
                    person_id=o["person_id"], order=n, until_year=conf.get("substitutes_until_year")
                )
                for n, o in enumerate(result["substitutes"], start=1)
            ],
            leaving=minutes_service.default_leaving(db, meeting),
        )
    else:
        votes = minutes_votes(counts)
        facts = minutes_service.ItemFacts(votes=votes, sentence=minutes_service.vote_sentence(votes))
    return minutes_service.record_meeting_facts(
        db,
        meeting,
        residents_present=seen.residents_present if seen else None,
        households_represented=seen.households_represented if seen else None,
        items={question.agenda_item_id: facts},
        election=election,
        actor_id=actor_id,
    )


# --- the meeting's end and its decision to vote digitally -------------------------------------------


def _digital_started(db: Session, roll: Roll) -> bool:
    return (
        db.scalar(
            select(func.count(Question.id)).where(
                Question.roll_id == roll.id, Question.status.in_(("open", "closed"))
            )
        )
        or 0
    ) > 0


def end_meeting(
    db: Session, principal: Principal, meeting: Meeting, *, ended_at: datetime | None = None
) -> Roll:
    """Record the end of the physical meeting (default now): not before it started, not in the
    future (422); not moved once digital voting has opened (409). The minutes get the final
    attendance."""
    access.require_manager(principal, meeting)
    roll = meeting_roll(db, meeting, lock=True)
    now = utcnow()
    when = ended_at if ended_at is not None else now
    if when.tzinfo is None:
        raise ValidationFailed(
            _("Nogle felter skal rettes."), fields={"ended_at": _("Tidspunktet mangler tidszone.")}
        )
    problem = None
    if when < meeting.starts_at:
        problem = _("Mødet kan ikke slutte, før det begyndte.")
    elif when > now + CLOCK_SLACK:
        problem = _("Mødets afslutning kan ikke ligge i fremtiden.")
    if problem is not None:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields={"ended_at": problem})
    if roll.ended_at is not None and _digital_started(db, roll):
        raise Conflict(
            _("Den digitale afstemning er åbnet, så mødets afslutning kan ikke længere ændres."),
            code="digital_started",
        )
    before = roll.ended_at
    roll.ended_at = when
    audit.record(
        db,
        actor_id=principal.person_id,
        action="democracy.meeting_ended",
        obj=roll,
        organisation_id=roll.organisation_id,
        summary=meeting.title,
        diff={"ended_at": [before.isoformat() if before else None, when.isoformat()]},
    )
    seen = turnout(db, roll)
    minutes_service.record_meeting_facts(
        db,
        meeting,
        residents_present=seen.residents_present,
        households_represented=seen.households_represented,
        actor_id=principal.person_id,
    )
    return roll


def record_digital_decision(
    db: Session, principal: Principal, meeting: Meeting, *, agenda_item_id: int | None = None, text: str
) -> Roll:
    """Record the meeting's decision to continue voting digitally afterwards (the item where it was
    decided and its words). 422 for no text or an item of another meeting; 409 once digital voting
    has opened. The decision goes into the item's decision in the minutes."""
    access.require_manager(principal, meeting)
    roll = meeting_roll(db, meeting, lock=True)
    errors: dict[str, str] = {}
    text = text.strip()
    if not text:
        errors["text"] = _("Skriv mødets beslutning om digital afstemning.")
    elif len(text) > MAX_TEXT:
        errors["text"] = _("Højst %(n)s tegn.", n=MAX_TEXT)
    if agenda_item_id is not None and agenda_item_id not in {i.id for i in meeting.items}:
        errors["agenda_item_id"] = _("Punktet er ikke på mødets dagsorden.")
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    if _digital_started(db, roll):
        raise Conflict(
            _("Den digitale afstemning er åbnet, så beslutningen kan ikke længere ændres."),
            code="digital_started",
        )
    before = roll.digital_decision_text
    roll.digital_decided_at = utcnow()
    roll.digital_decision_item_id = agenda_item_id
    roll.digital_decision_text = text
    audit.record(
        db,
        actor_id=principal.person_id,
        action="democracy.digital_decided",
        obj=roll,
        organisation_id=roll.organisation_id,
        summary=meeting.title,
        diff={"text": [before, text], "agenda_item_id": agenda_item_id},
    )
    if agenda_item_id is not None:
        minutes_service.record_meeting_facts(
            db,
            meeting,
            items={agenda_item_id: minutes_service.ItemFacts(votes=None, sentence=text)},
            actor_id=principal.person_id,
        )
    return roll
