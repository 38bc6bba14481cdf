"""Digital voting after the department meeting (issue 18, almenlejeloven: at most 7 days after).

Only a question recorded at the meeting (worded there: a proposal or an election, status
"recorded") may continue digitally, only when the meeting recorded its decision to vote digitally
(``Roll.digital_decided_at``) and its end (``Roll.ended_at``). The vote opens at the meeting's end
and closes at most 7 × 24 hours after it: exactly then is accepted, a minute later is 422.

Opening queues, never in the request: the close at ``closes_at`` (``tally``), the reminder 24
hours before it to households with units left that are reached digitally, and the letters through
the print batch to households without a digital channel (``RollHousehold.paper``) telling them
how to vote by letter. A periodic sweep backs up the close and the reminder.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from boardkit.config import Settings
from boardkit.core import audit, jobs, notify
from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.core.templating import TZ
from boardkit.democracy import ballots, tally
from boardkit.democracy.ballots import aware
from boardkit.democracy.models import HouseholdUnits, Question, Roll, RollHousehold, RollVoter

log = logging.getLogger("boardkit.democracy")

WINDOW = timedelta(days=7)  # 7 × 24 hours from the meeting's recorded end
REMIND_BEFORE = timedelta(hours=24)
DIGITAL_KINDS = ("proposal", "election")

LETTERS_JOB = "democracy.digital_letters"
REMIND_JOB = "democracy.digital_reminder"
REMIND_SWEEP_JOB = "democracy.reminder_sweep"
REMIND_SWEEP_SECONDS = 60.0
LETTER_NOTICE = "democracy_digital_letter"
REMINDER_NOTICE = "democracy_digital_reminder"


def latest_close(roll: Roll) -> datetime | None:
    """The latest moment a digital vote of this meeting may close (None: no recorded end)."""
    ended = aware(roll.ended_at)
    return ended + WINDOW if ended is not None else None


def _local(moment: datetime) -> str:
    return moment.astimezone(TZ).strftime("%d.%m.%Y kl. %H.%M")


def open_digital(
    db: Session,
    principal: Principal,
    *,
    question_id: int,
    closes_at: datetime,
    now: datetime | None = None,
) -> Question:
    """Open the digital vote on a question recorded at the meeting (the managers only: 404/403
    for others). Refused: a question not recorded at the meeting (409 when already open or
    closed; 422 for an urafstemning), a meeting without a recorded decision to vote digitally or
    without a recorded end (409), a close more than 7 × 24 hours after the end or not in the
    future (422)."""
    now = now or utcnow()
    question = ballots.get_question(db, question_id, for_update=True)
    ballots.require_manager(db, principal, question)
    if question.kind not in DIGITAL_KINDS or question.meeting_id is None:
        raise ValidationFailed(
            _("Kun forslag og valg, der er formuleret på afdelingsmødet, kan fortsætte digitalt."),
            code="not_meeting_question",
        )
    if question.status != "recorded":
        raise Conflict(_("Der er allerede åbnet en digital afstemning om spørgsmålet."), code="not_recorded")
    roll = db.get(Roll, question.roll_id)
    assert roll is not None
    if roll.digital_decided_at is None:
        raise Conflict(
            _("Afdelingsmødet har ikke besluttet digital afstemning. Beslutningen skal registreres først."),
            code="no_digital_decision",
        )
    deadline = latest_close(roll)
    if deadline is None:
        raise Conflict(
            _("Mødets afslutning er ikke registreret. Den digitale afstemning åbner, når mødet slutter."),
            code="meeting_not_ended",
        )
    if closes_at.tzinfo is None:
        closes_at = closes_at.replace(tzinfo=TZ)
    if closes_at > deadline:
        raise ValidationFailed(
            _(
                "Den digitale afstemning skal lukke senest 7 døgn efter mødets afslutning: %(deadline)s.",
                deadline=_local(deadline),
            ),
            fields={"closes_at": _("Senest %(deadline)s.", deadline=_local(deadline))},
        )
    if closes_at <= now:
        raise ValidationFailed(
            _("Lukketidspunktet skal ligge i fremtiden."),
            fields={"closes_at": _("Vælg et senere tidspunkt.")},
        )
    ballots.ensure_units(db, question)
    question.status = "open"
    question.opens_at = aware(roll.ended_at)
    question.closes_at = closes_at
    db.flush()
    audit.record(
        db,
        actor_id=principal.person_id,
        action="democracy.open_digital",
        obj=question,
        organisation_id=question.organisation_id,
        summary=_(
            "Digital afstemning åbnet til %(closes)s: %(text)s",
            closes=_local(closes_at),
            text=question.text[:200],
        ),
    )
    jobs.enqueue(db, LETTERS_JOB, {"question_id": question.id})
    jobs.enqueue(db, tally.CLOSE_JOB, {"question_id": question.id}, delay=max(closes_at - now, timedelta()))
    jobs.enqueue(
        db, REMIND_JOB, {"question_id": question.id}, delay=max(closes_at - REMIND_BEFORE - now, timedelta())
    )
    return question


# --- notices: letters to paper households, the reminder --------------------------------------------


def _addressees(db: Session, household_ids: list[int]) -> list[notify.Addressee]:
    """The voters of these households, each with their tenancy (a household without a known
    person: the tenancy alone, which gets a letter)."""
    if not household_ids:
        return []
    found: list[notify.Addressee] = []
    people: dict[int, list[int]] = {}
    tenancies: dict[int, int | None] = {}
    for household_id, tenancy_id, person_id in db.execute(
        select(RollHousehold.id, RollHousehold.tenancy_id, RollVoter.person_id)
        .outerjoin(RollVoter, RollVoter.household_id == RollHousehold.id)
        .where(RollHousehold.id.in_(household_ids))
        .order_by(RollHousehold.id, RollVoter.id)
    ):
        tenancies[household_id] = tenancy_id
        if person_id is not None:
            people.setdefault(household_id, []).append(person_id)
    for household_id, tenancy_id in tenancies.items():
        ids = people.get(household_id, [])
        if ids:
            found += [notify.Addressee(pid, tenancy_id) for pid in ids]
        elif tenancy_id is not None:
            found.append(notify.Addressee(None, tenancy_id))
    return found


def _choices_text(question: Question) -> str:
    labels = {"yes": _("Ja"), "no": _("Nej"), "blank": _("Blank")}
    names = []
    for key in ballots.choice_keys(question):
        option = next((o for o in question.options or [] if o.get("key") == key), {})
        names.append(str(option.get("label") or labels.get(key, key)))
    return ", ".join(names)


def send_letters(db: Session, *, question_id: int, settings: Settings) -> int:
    """The letter to each household on the roll without a digital channel: what is voted on, until
    when, and how to vote by letter (the administration registers it). Returns the households."""
    question = db.get(Question, question_id)
    if question is None or question.status != "open" or question.closes_at is None:
        return 0
    household_ids = list(
        db.scalars(
            select(RollHousehold.id).where(
                RollHousehold.roll_id == question.roll_id, RollHousehold.paper.is_(True)
            )
        )
    )
    addressees = _addressees(db, household_ids)
    if not addressees:
        return 0
    closes = aware(question.closes_at)
    assert closes is not None
    body = "\n\n".join(
        [
            _("Afdelingsmødet besluttede at fortsætte afstemningen digitalt. Der stemmes om:"),
            question.text,
            _("Svarmuligheder: %(choices)s.", choices=_choices_text(question)),
            _(
                "Husstanden har 2 stemmer i alt, også hvis den allerede har stemt på mødet. I kan stemme "
                "ved brev: skriv jeres adresse og jeres valg (én stemme pr. stemmeberettiget) og send eller "
                "aflevér brevet til administrationen, så det er modtaget før %(closes)s. Administrationen "
                "registrerer brevet; stemmen er hemmelig.",
                closes=_local(closes),
            ),
            _("Har I adgang til boardkit, kan I også stemme på siden under Afstemninger."),
        ]
    )
    notify.send_notice(
        db,
        organisation_id=question.organisation_id,
        addressees=addressees,
        kind=LETTER_NOTICE,
        subject=_("Digital afstemning: sådan stemmer I ved brev"),
        body=body,
        link_path=f"/votes/{question.id}",
        important=True,
        object_type="democracy_question",
        object_id=question.id,
        reminder_days=None,
        settings=settings,
    )
    return len(household_ids)


def send_reminder(db: Session, *, question_id: int, settings: Settings, now: datetime | None = None) -> int:
    """Once per question (``reminded_at``, set by a conditional update): 24 hours before the close,
    a notice to the households on the roll with units left that are reached digitally. Returns
    the households reminded."""
    now = now or utcnow()
    question = db.get(Question, question_id)
    if question is None or question.status != "open" or question.closes_at is None:
        return 0
    closes = aware(question.closes_at)
    assert closes is not None
    if not closes - REMIND_BEFORE <= now < closes:
        return 0
    won = db.execute(
        update(Question)
        .where(Question.id == question_id, Question.reminded_at.is_(None))
        .values(reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        return 0
    household_ids = list(
        db.scalars(
            select(RollHousehold.id)
            .join(HouseholdUnits, HouseholdUnits.household_id == RollHousehold.id)
            .where(
                HouseholdUnits.question_id == question.id,
                HouseholdUnits.used < HouseholdUnits.units,
                RollHousehold.paper.is_(False),
            )
        )
    )
    addressees = [a for a in _addressees(db, household_ids) if a.person_id is not None]
    if not addressees:
        return 0
    notify.send_notice(
        db,
        organisation_id=question.organisation_id,
        addressees=addressees,
        kind=REMINDER_NOTICE,
        subject=_("Påmindelse: den digitale afstemning lukker %(closes)s", closes=_local(closes)),
        body="\n\n".join(
            [
                question.text,
                _(
                    "Jeres husstand har stemmer tilbage. Afstemningen lukker %(closes)s; log ind og stem "
                    "under Afstemninger.",
                    closes=_local(closes),
                ),
            ]
        ),
        link_path=f"/votes/{question.id}",
        object_type="democracy_question",
        object_id=question.id,
        reminder_days=None,
        digital_only=True,
        settings=settings,
    )
    return len(household_ids)


def remind_due(db: Session, *, settings: Settings, now: datetime | None = None) -> int:
    """The sweep: every open question within 24 hours of its close that was not reminded yet."""
    now = now or utcnow()
    ids = list(
        db.scalars(
            select(Question.id).where(
                Question.status == "open",
                Question.reminded_at.is_(None),
                Question.closes_at > now,
                Question.closes_at <= now + REMIND_BEFORE,
            )
        )
    )
    done = 0
    for question_id in ids:
        try:
            with db.begin_nested():
                done += bool(send_reminder(db, question_id=question_id, settings=settings, now=now))
        except Exception:
            log.exception("the reminder of question %s failed; the next sweep tries again", question_id)
    return done


def letters_job(settings: Settings) -> jobs.Handler:
    def handler(db: Session, payload: dict[str, Any]) -> None:
        send_letters(db, question_id=int(payload["question_id"]), settings=settings)

    return handler


def reminder_job(settings: Settings) -> jobs.Handler:
    def handler(db: Session, payload: dict[str, Any]) -> None:
        send_reminder(db, question_id=int(payload["question_id"]), settings=settings)

    return handler


def reminder_sweep(settings: Settings) -> jobs.Handler:
    def handler(db: Session, _payload: dict[str, Any]) -> None:
        remind_due(db, settings=settings)

    return handler
