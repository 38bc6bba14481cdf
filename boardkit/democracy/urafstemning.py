"""Urafstemning: a written, secret ballot of all the department's households (almenboligloven § 37,
stk. 3), demanded by enough of those present at a department meeting or called by the board.

* **Calling one** (``call``): the meeting records the demand — how many of those present demanded
  it, of how many present — against the organisation's share (``Organisation.rules
  ["urafstemning_demand_share"]``, default and at most 25 %); or the department board's chair or
  vice chair, or the administration, calls one. The question is put yes/no/blank ("nej" is always
  possible) to a new roll of all households made the day it is called, and runs over a set period
  (at most ``MAX_PERIOD``). The same proposal (``proposal_key``) cannot go to a new urafstemning
  before the department's next ordinary department meeting has been held.
* **Ballot letters** (job ``LETTERS_JOB``, never in the request): households with a digital channel
  get a notice with the link to the vote (they log in to vote); households without one get a paper
  ballot letter in the print batch with the question, two vote fields and a one-time code. The code
  is random, stored only as a hash (``BallotCode``) and written nowhere but the letter: no audit
  entry, log line or page shows it.
* **Paper ballots** (``register_paper_ballot``): the administration registers a returned ballot by
  its code; its units are shared with the household's online votes (``ballots.use_units``).
* **The result** (``publish_result``): once the question is closed (``tally``), a notice to every
  household; households on paper get the result itself in their letter.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from babel.dates import format_datetime
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from boardkit.config import Settings
from boardkit.core import audit, jobs
from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.notify import Addressee, NoticeDelivery, plan_notice, registry, send_notice
from boardkit.core.notify.models import Notice
from boardkit.core.permissions import Action, Principal, Resource, can, is_staff_for
from boardkit.core.templating import TZ
from boardkit.democracy import access, ballots
from boardkit.democracy.models import (
    YES_NO,
    Ballot,
    BallotCode,
    HouseholdUnits,
    Question,
    Roll,
    RollHousehold,
    RollVoter,
)
from boardkit.democracy.roll import make_roll
from boardkit.democracy.settings import DEMAND_SHARE_RULE, demand_share
from boardkit.meetings import service as meetings_service
from boardkit.org import service as org_service

KIND = "urafstemning"
DEMAND_RULE = DEMAND_SHARE_RULE  # Organisation.rules: the share of those present (at most 25 %)
MAX_PERIOD = timedelta(weeks=8)
MIN_PERIOD = timedelta(hours=1)
MAX_TEXT = 2000
LETTERS_JOB = "democracy.urafstemning_letters"
RESULT_JOB = "democracy.urafstemning_result"  # queued by the close (``on_closed``)
CALL_NOTICE = "urafstemning_called"
RESULT_NOTICE = "urafstemning_result"
OBJECT_TYPE = "democracy_question"
OPTIONS = [
    {"key": "yes", "label": "Ja"},
    {"key": "no", "label": "Nej"},
    {"key": "blank", "label": "Blank"},
]
LABELS = {o["key"]: o["label"] for o in OPTIONS}
# The one-time code: 12 characters without look-alikes (0/O, 1/I/L), shown in groups of four.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


# --- who may ---------------------------------------------------------------------------------


def department_board(db: Session, department_id: int) -> org_service.Board | None:
    return db.scalar(
        select(org_service.Board)
        .where(org_service.Board.department_id == department_id, org_service.Board.kind == "department_board")
        .order_by(org_service.Board.id)
        .limit(1)
    )


def department_resource(db: Session, department: org_service.Department) -> Resource:
    board = department_board(db, department.id)
    return Resource(
        organisation_id=department.organisation_id,
        department_id=department.id,
        board_id=board.id if board else None,
    )


def _insider(principal: Principal, resource: Resource) -> bool:
    """Someone who may know the department's urafstemninger exist: its board and the staff."""
    return is_staff_for(principal, resource) or (
        resource.board_id is not None and resource.board_id in principal.board_roles
    )


def managed_department(db: Session, principal: Principal, department_id: int) -> org_service.Department:
    """The department, when ``principal`` manages its urafstemninger: the administration and the
    department board's chair and vice chair (404 for residents and strangers, 403 for the board's
    other members)."""
    department = db.get(org_service.Department, department_id)
    if department is None:
        raise NotFound()
    resource = department_resource(db, department)
    if can(principal, Action.MANAGE, resource):
        return department
    if _insider(principal, resource):
        raise Forbidden(_("Kun formanden, næstformanden og administrationen kan styre urafstemninger."))
    raise NotFound()


def administered_question(db: Session, principal: Principal, question: Question | None) -> Question:
    """An urafstemning whose paper ballots ``principal`` registers: the administration only."""
    if question is None or question.kind != KIND:
        raise NotFound()
    resource = Resource(organisation_id=question.organisation_id, department_id=question.department_id)
    if can(principal, Action.ADMINISTER, resource):
        return question
    department = db.get(org_service.Department, question.department_id)
    if department is not None and _insider(principal, department_resource(db, department)):
        raise Forbidden(_("Kun administrationen kan registrere brevstemmer."))
    raise NotFound()


def managed_question(db: Session, principal: Principal, question_id: int) -> Question:
    """An urafstemning of a department ``principal`` manages (404 otherwise)."""
    question = db.get(Question, question_id)
    if question is None or question.kind != KIND:
        raise NotFound()
    managed_department(db, principal, question.department_id)
    return question


# --- the demand --------------------------------------------------------------------------------


def needed(share: float, present: int) -> int:
    """How many of ``present`` must demand it (rounded up; float noise ignored)."""
    return max(1, math.ceil(round(share * present, 9)))


def percent(share: float) -> str:
    return f"{share * 100:g} %".replace(".", ",")


def check_demand(share: float, *, demanding: int | None, present: int | None) -> dict[str, Any]:
    """The recorded demand, or 422 naming the numbers when it falls short."""
    errors: dict[str, str] = {}
    if present is None or present < 1:
        errors["present"] = _("Skriv, hvor mange der er til stede (mindst 1).")
    if demanding is None or demanding < 0:
        errors["demanding"] = _("Skriv, hvor mange der kræver urafstemning.")
    elif present is not None and demanding > present:
        errors["demanding"] = _("Der kan ikke være flere, der kræver urafstemning, end der er til stede.")
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    assert demanding is not None and present is not None
    need = needed(share, present)
    if demanding < need:
        raise ValidationFailed(
            _(
                "Kun %(demanding)s af %(present)s fremmødte kræver urafstemning. Vedtægterne kræver "
                "mindst %(percent)s af de fremmødte, dvs. %(needed)s.",
                demanding=demanding,
                present=present,
                percent=percent(share),
                needed=need,
            ),
            code="demand_below_threshold",
            fields={"demanding": _("For få kræver urafstemning.")},
        )
    return {"demanding": demanding, "present": present, "share": share, "needed": need}


# --- calling one -------------------------------------------------------------------------------


def _period(
    opens_at: datetime | None, closes_at: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    errors: dict[str, str] = {}
    opens = opens_at or now
    if opens.tzinfo is None or (closes_at is not None and closes_at.tzinfo is None):
        raise ValidationFailed(
            _("Angiv tidspunkter med tidszone."), fields={"closes_at": _("Mangler tidszone.")}
        )
    if opens < now - timedelta(minutes=5):
        errors["opens_at"] = _("Afstemningen kan ikke åbne i fortiden.")
    if closes_at is None:
        errors["closes_at"] = _("Skriv, hvornår afstemningen lukker.")
    elif closes_at <= opens:
        errors["closes_at"] = _("Afstemningen skal lukke, efter den åbner.")
    elif closes_at - opens < MIN_PERIOD:
        errors["closes_at"] = _("Afstemningen skal være åben i mindst en time.")
    elif closes_at - opens > MAX_PERIOD:
        errors["closes_at"] = _("En urafstemning kan højst være åben i 8 uger.")
    if opens - now > MAX_PERIOD:
        errors["opens_at"] = _("Afstemningen skal åbne inden for 8 uger.")
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    assert closes_at is not None
    return max(opens, now), closes_at


def _item_in_department(db: Session, item_id: int, department_id: int) -> meetings_service.AgendaItem:
    item = db.get(meetings_service.AgendaItem, item_id)
    meeting = item.meeting if item is not None else None
    if item is None or meeting is None or meeting.department_id != department_id:
        raise ValidationFailed(
            _("Dagsordenspunktet findes ikke i afdelingens møder."),
            fields={"agenda_item_id": _("Ukendt punkt.")},
        )
    return item


def proposal_key(
    db: Session, *, department_id: int, source_question_id: int | None, agenda_item_id: int | None, text: str
) -> tuple[str, int | None]:
    """What identifies the proposal (the agenda item's proposal, else the question at the meeting,
    else the agenda item, else the wording), and the agenda item it belongs to."""
    source = None
    if source_question_id is not None:
        source = db.get(Question, source_question_id)
        if source is None or source.department_id != department_id:
            raise ValidationFailed(
                _("Afstemningen findes ikke i afdelingen."),
                fields={"source_question_id": _("Ukendt afstemning.")},
            )
        if source.kind == KIND:
            source_question_id = source.source_question_id or source.id
            if source.proposal_key:
                return source.proposal_key, agenda_item_id or source.agenda_item_id
        if agenda_item_id is None:
            agenda_item_id = source.agenda_item_id
    item = _item_in_department(db, agenda_item_id, department_id) if agenda_item_id is not None else None
    if item is not None and item.proposal_id is not None:
        return f"proposal:{item.proposal_id}", agenda_item_id
    if source is not None:
        return f"question:{source_question_id}", agenda_item_id
    if item is not None:
        return f"item:{item.id}", agenda_item_id
    wording = " ".join(text.lower().split())
    return "text:" + hashlib.sha256(wording.encode()).hexdigest()[:32], None


def check_repeat(db: Session, *, department_id: int, key: str, now: datetime) -> None:
    """409 while the proposal's last urafstemning has not been followed by an ordinary department
    meeting of the department (one that has begun)."""
    earlier = db.scalar(
        select(Question)
        .where(
            Question.kind == KIND,
            Question.department_id == department_id,
            Question.proposal_key == key,
            Question.status != "cancelled",
        )
        .order_by(Question.created_at.desc(), Question.id.desc())
        .limit(1)
    )
    if earlier is None:
        return
    Meeting = meetings_service.Meeting
    held = db.scalar(
        select(func.count(Meeting.id)).where(
            Meeting.department_id == department_id,
            Meeting.kind == "ordinary_department",
            Meeting.status != "cancelled",
            Meeting.starts_at > earlier.created_at,
            Meeting.starts_at <= now,
        )
    )
    if not held:
        raise Conflict(
            _(
                "Forslaget har allerede været sendt til urafstemning (%(day)s). Det kan først sendes til "
                "urafstemning igen efter næste ordinære afdelingsmøde.",
                day=danish_time(earlier.created_at),
            ),
            code="urafstemning_repeat",
        )


def call(
    db: Session,
    principal: Principal,
    *,
    meeting_id: int | None = None,
    department_id: int,
    source_question_id: int | None = None,
    agenda_item_id: int | None = None,
    text: str,
    opens_at: datetime | None = None,
    closes_at: datetime | None,
    called_by: str,
    demanding: int | None = None,
    present: int | None = None,
    settings: Settings | None = None,
) -> Question:
    """Call an urafstemning: demanded at a department meeting (``called_by="meeting"``, with the
    demand) or called by the board (``called_by="board"``). The question opens over the period with
    a roll of all households; the ballot letters go out in a job."""
    now = utcnow()
    if called_by not in ("meeting", "board"):
        raise ValidationFailed(
            _("Ukendt måde at kalde en urafstemning på."), fields={"called_by": "meeting|board"}
        )
    demand: dict[str, Any] = {}
    if called_by == "meeting":
        if meeting_id is None:
            raise ValidationFailed(
                _("Vælg mødet, der kræver urafstemningen."), fields={"meeting_id": _("Mangler.")}
            )
        meeting = access.managed_meeting(db, principal, meeting_id)
        if (meeting.department_id or meeting.board.department_id) != department_id:
            raise NotFound()
        if meeting.starts_at > now:
            raise Conflict(
                _("Urafstemning kan først kræves, når mødet er begyndt."), code="meeting_not_started"
            )
        department = db.get(org_service.Department, department_id)
        if department is None:
            raise NotFound()
    else:
        department = managed_department(db, principal, department_id)
    # One call at a time per department: two calls of one proposal cannot both pass the check.
    db.refresh(department, with_for_update=True)
    if called_by == "meeting":
        demand = check_demand(
            demand_share(db, department.organisation_id), demanding=demanding, present=present
        )

    wording = (text or "").strip()
    if not wording:
        raise ValidationFailed(_("Skriv forslaget, der stemmes om."), fields={"question": _("Mangler.")})
    if len(wording) > MAX_TEXT:
        raise ValidationFailed(
            _("Forslaget må højst være %(n)s tegn.", n=MAX_TEXT), fields={"question": _("For langt.")}
        )
    opens, closes = _period(opens_at, closes_at, now)
    key, item_id = proposal_key(
        db,
        department_id=department.id,
        source_question_id=source_question_id,
        agenda_item_id=agenda_item_id,
        text=wording,
    )
    check_repeat(db, department_id=department.id, key=key, now=now)

    roll = make_roll(
        db,
        organisation_id=department.organisation_id,
        department_id=department.id,
        reference_date=org_service.local_day(now),
        purpose=KIND,
        created_by=principal.person_id,
    )
    question = Question(
        organisation_id=department.organisation_id,
        department_id=department.id,
        roll_id=roll.id,
        meeting_id=meeting_id if called_by == "meeting" else None,
        agenda_item_id=item_id,
        kind=KIND,
        text=wording,
        method="written",
        options=[dict(o) for o in OPTIONS],
        status="open",
        opens_at=opens,
        closes_at=closes,
        called_by=called_by,
        demand=demand,
        source_question_id=source_question_id,
        proposal_key=key,
        created_by=principal.person_id,
        created_at=now,
    )
    db.add(question)
    db.flush()
    ballots.ensure_units(db, question)
    households = db.scalar(select(func.count(RollHousehold.id)).where(RollHousehold.roll_id == roll.id)) or 0
    how = (
        f"krævet af {demand['demanding']} af {demand['present']} fremmødte"
        if called_by == "meeting"
        else "kaldt af bestyrelsen"
    )
    audit.record(
        db,
        actor_id=principal.person_id,
        action="democracy.urafstemning.call",
        obj=question,
        organisation_id=department.organisation_id,
        summary=f"Urafstemning {how}: {wording[:200]} ({households} husstande)",
        diff={"status": [None, "open"], "closes_at": [None, closes.isoformat()]},
    )
    jobs.enqueue(db, LETTERS_JOB, {"question_id": question.id})
    return question


# --- the ballot letters ------------------------------------------------------------------------


def danish_time(value: datetime | None) -> str:
    """5. januar 2027 kl. 19.00 (Copenhagen time)."""
    value = ballots.aware(value)
    if value is None:
        return ""
    return format_datetime(value.astimezone(TZ), "d. MMMM y 'kl.' HH.mm", locale="da")


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def vote_path(question_id: int) -> str:
    return f"/votes/{question_id}"


def _department_name(db: Session, department_id: int) -> str:
    department = db.get(org_service.Department, department_id)
    return f"{department.number} {department.name}".strip() if department else ""


def call_notice_body(question: Question, *, department: str) -> str:
    return (
        f"Der er urafstemning i afdeling {department} om:\n\n»{question.text}«\n\n"
        f"Afstemningen er åben fra {danish_time(question.opens_at)} til {danish_time(question.closes_at)}. "
        "Hver husstand har 2 stemmer, og der kan stemmes ja, nej eller blankt. Afstemningen er hemmelig.\n\n"
        "Log ind og stem via linket. Et link alene giver ikke adgang til at stemme."
    )


def ballot_letter_body(question: Question, *, department: str, code: str, vote_url: str) -> str:
    """The paper ballot: the question, two vote fields, how to return it and the one-time code."""
    field = "[  ] Ja        [  ] Nej        [  ] Blank"
    return "\n\n".join(
        [
            f"Der er urafstemning i afdeling {department}. Afstemningen er skriftlig og hemmelig, og "
            "alle husstande i afdelingen kan stemme. Forslaget er:",
            f"»{question.text}«",
            f"Afstemningen er åben fra {danish_time(question.opens_at)} "
            f"til {danish_time(question.closes_at)}.",
            "STEMMESEDDEL. Husstanden har 2 stemmer. Sæt ét kryds ud for hver stemme, I vil afgive. "
            "I kan stemme ja, nej eller blankt, og de to stemmer må gerne være forskellige.",
            f"Stemme 1:    {field}",
            f"Stemme 2:    {field}",
            f"Husstandens engangskode: {code}",
            "Sådan afleverer I stemmesedlen: klip eller riv stemmesedlen af, og aflever den eller send den "
            "til administrationen i en lukket kuvert, så den er modtaget senest "
            f"{danish_time(question.closes_at)}. Skriv ikke navn på stemmesedlen. Koden kan kun bruges én "
            "gang; administrationen registrerer stemmerne med koden uden at se, hvem I er.",
            f"Har husstanden adgang til boardkit, kan I i stedet logge ind og stemme på {vote_url}. "
            "Husstanden har i alt 2 stemmer, uanset hvordan I stemmer.",
        ]
    )


@dataclass(frozen=True)
class LettersSent:
    notice_id: int | None
    digital_households: int
    paper_letters: int


def _voters(db: Session, roll_id: int) -> list[tuple[RollHousehold, list[int]]]:
    houses = list(
        db.scalars(select(RollHousehold).where(RollHousehold.roll_id == roll_id).order_by(RollHousehold.id))
    )
    people: dict[int, list[int]] = {}
    for household_id, person_id in db.execute(
        select(RollVoter.household_id, RollVoter.person_id)
        .join(RollHousehold, RollHousehold.id == RollVoter.household_id)
        .where(RollHousehold.roll_id == roll_id, RollVoter.person_id.is_not(None))
        .order_by(RollVoter.id)
    ):
        if person_id is not None:
            people.setdefault(household_id, []).append(person_id)
    return [(h, people.get(h.id, [])) for h in houses]


def _notice_of(db: Session, question_id: int, kind: str) -> Notice | None:
    return db.scalar(
        select(Notice)
        .where(Notice.object_type == OBJECT_TYPE, Notice.object_id == question_id, Notice.kind == kind)
        .order_by(Notice.id)
        .limit(1)
    )


def send_ballot_letters(db: Session, *, question_id: int, settings: Settings) -> LettersSent:
    """The job: a notice with the link to everyone on the roll reached digitally, and a paper ballot
    letter with a one-time code to every household on paper — marked so on the roll, or one that
    core.notify would write to (asked for paper, nobody in it reached digitally). Once: running
    again sends nothing."""
    question = db.get(Question, question_id)
    if question is None or question.kind != KIND or question.status != "open":
        return LettersSent(None, 0, 0)
    if _notice_of(db, question.id, CALL_NOTICE) is not None:
        return LettersSent(None, 0, 0)  # already sent
    department = _department_name(db, question.department_id)
    households = _voters(db, question.roll_id)
    addressees = [Addressee(pid, h.tenancy_id) for h, people in households for pid in people]
    plan = plan_notice(db, addressees=addressees, settings=settings, important=True, statutory=True)
    notify_paper = {home.tenancy_id for home in plan.letters}
    on_paper = [h for h, people in households if h.paper or not people or h.tenancy_id in notify_paper]
    notice = send_notice(
        db,
        organisation_id=question.organisation_id,
        addressees=addressees,
        kind=CALL_NOTICE,
        subject=f"Urafstemning i afdeling {department}: {question.text[:120]}",
        body=call_notice_body(question, department=department),
        link_path=vote_path(question.id),
        important=True,
        statutory=True,
        object_type=OBJECT_TYPE,
        object_id=question.id,
        reminder_days=None,
        digital_only=True,  # the households on paper get their ballot letter below instead
        settings=settings,
    )
    digital = len(households) - len(on_paper)
    letters = _paper_ballots(db, question, notice, on_paper, department=department, settings=settings)
    return LettersSent(notice.id, digital, letters)


def _paper_ballots(
    db: Session,
    question: Question,
    notice: Notice,
    houses: Sequence[RollHousehold],
    *,
    department: str,
    settings: Settings,
) -> int:
    tenancy_ids = [h.tenancy_id for h in houses if h.tenancy_id is not None]
    homes = registry.households(db, tenancy_ids)
    vote_url = settings.base_url + vote_path(question.id)
    letters: list[registry.PaperLetter] = []
    codes: list[BallotCode] = []
    for house in houses:
        home = homes.get(house.tenancy_id) if house.tenancy_id is not None else None
        if home is None:
            continue  # the tenancy is gone: nowhere to send a letter
        code = new_code()
        codes.append(BallotCode(question_id=question.id, household_id=house.id, code_hash=code_hash(code)))
        letters.append(
            registry.PaperLetter(
                notice_id=notice.id,
                organisation_id=question.organisation_id,
                household=home,
                kind=notice.kind,
                subject=f"Stemmeseddel til urafstemning i afdeling {department}",
                body=ballot_letter_body(question, department=department, code=code, vote_url=vote_url),
                link="",
                important=True,
            )
        )
    db.add_all(codes)
    db.flush()
    ids = registry.paper(db, letters)
    now = utcnow()
    db.add_all(
        [
            NoticeDelivery(
                notice_id=notice.id,
                tenancy_id=letter.household.tenancy_id,
                channel="paper",
                status="letter",
                name=", ".join(letter.household.resident_names),
                address=", ".join(letter.household.address_lines)[:320],
                letter_id=letter_id,
                sent_at=now,
            )
            for letter, letter_id in zip(letters, ids, strict=True)
        ]
    )
    db.flush()
    return len(ids)


# --- paper ballots -----------------------------------------------------------------------------


def register_paper_ballot(
    db: Session, principal: Principal, *, question_id: int, code: str, choices: Sequence[str]
) -> int:
    """The administration registers a returned paper ballot by its one-time code: 1 or 2 choices,
    the household's units shared with its online votes. Returns how many votes were registered."""
    now = utcnow()
    # Held FOR KEY SHARE like every vote: the close waits for this registration (ballots.get_question).
    question = administered_question(db, principal, ballots.get_question(db, question_id, for_vote=True))
    picked = [c for c in choices if c]
    if not 1 <= len(picked) <= 2 or any(c not in YES_NO for c in picked):
        raise ValidationFailed(
            _("Vælg én eller to stemmer: ja, nej eller blank."), fields={"choices": _("Én eller to stemmer.")}
        )
    if not normalise_code(code):
        raise ValidationFailed(_("Skriv koden fra stemmesedlen."), fields={"code": _("Mangler.")})
    ballots.check_open(question, now)
    found = db.scalar(
        select(BallotCode).where(
            BallotCode.question_id == question.id, BallotCode.code_hash == code_hash(code)
        )
    )
    if found is None:
        raise NotFound(
            _("Koden findes ikke i denne urafstemning. Tjek koden på stemmesedlen."), code="unknown_code"
        )
    # A refusal (code used, no units left) keeps nothing of this registration, whatever the caller does.
    with db.begin_nested():
        marked = db.execute(
            update(BallotCode)
            .where(BallotCode.id == found.id, BallotCode.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if marked.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(
                _("Koden er allerede brugt. En stemmeseddel kan kun registreres én gang."), code="code_used"
            )
        ballots.use_units(
            db,
            question=question,
            household_id=found.household_id,
            choices=picked,
            channel="letter",
            registered_by=principal.person_id,
        )
    audit.record(
        db,
        actor_id=principal.person_id,
        action="democracy.urafstemning.paper_ballot",
        obj=question,
        organisation_id=question.organisation_id,
        summary=f"Stemmeseddel registreret ({len(picked)} stemmer)",
    )
    return len(picked)


# --- the result --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    yes: int
    no: int
    blank: int

    @property
    def adopted(self) -> bool:
        """Simple majority of the votes cast for or against; blank votes count for neither."""
        return self.yes > self.no

    @property
    def verdict(self) -> str:
        return "forslaget er vedtaget" if self.adopted else "forslaget er forkastet"


def outcome(db: Session, question: Question) -> Outcome:
    """The tally from the stored ballots (and counts at a meeting, which an urafstemning has none of)."""
    counts = dict.fromkeys(YES_NO, 0)
    for key, n in (question.meeting_counts or {}).items():
        if key in counts:
            counts[key] += int(n)
    for choice, n in db.execute(
        select(Ballot.choice, func.count()).where(Ballot.question_id == question.id).group_by(Ballot.choice)
    ):
        if choice in counts:
            counts[choice] += int(n)
    return Outcome(yes=counts["yes"], no=counts["no"], blank=counts["blank"])


def result_text(question: Question, result: Outcome) -> str:
    return (
        f"Resultatet af urafstemningen om »{question.text}«: Ja {result.yes}, Nej {result.no}, "
        f"Blank {result.blank} — {result.verdict}"
    )


def publish_result(db: Session, *, question_id: int, settings: Settings) -> Notice | None:
    """After the close: the result to every household on the roll as a notice (the letter of a
    household on paper says the result itself). Once; None when not closed or already published."""
    question = db.get(Question, question_id)
    if question is None or question.kind != KIND or question.status != "closed":
        return None
    if _notice_of(db, question.id, RESULT_NOTICE) is not None:
        return None
    result = outcome(db, question)
    text = result_text(question, result)
    addressees = []
    for house, people in _voters(db, question.roll_id):
        if people:
            addressees += [Addressee(pid, house.tenancy_id) for pid in people]
        elif house.tenancy_id is not None:
            addressees.append(Addressee(None, house.tenancy_id))
    department = _department_name(db, question.department_id)
    body = (
        f"{text}.\n\nUrafstemningen i afdeling {department} lukkede {danish_time(question.closes_at)}. "
        f"Der blev afgivet {result.yes + result.no + result.blank} stemmer."
    )
    notice = send_notice(
        db,
        organisation_id=question.organisation_id,
        addressees=addressees,
        kind=RESULT_NOTICE,
        subject=f"Resultatet af urafstemningen i afdeling {department}",
        body=body,
        link_path=vote_path(question.id) + "/result",
        important=True,
        statutory=True,
        object_type=OBJECT_TYPE,
        object_id=question.id,
        reminder_days=None,
        settings=settings,
    )
    audit.record(
        db,
        actor_id=None,
        action="democracy.urafstemning.result",
        obj=question,
        organisation_id=question.organisation_id,
        summary=text[:2000],
    )
    return notice


def on_closed(db: Session, question: Question) -> None:
    """``tally``'s hook, in the close's transaction: the result notice of a closed urafstemning
    goes out in a job (a notice to every household is slow work)."""
    if question.kind == KIND:
        jobs.enqueue(db, RESULT_JOB, {"question_id": question.id})


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    question: Question
    households: int
    voted_households: int  # households that used at least one unit (who voted, never how)
    result: Outcome | None  # only after the close


def list_for_department(db: Session, principal: Principal, department_id: int) -> list[Summary]:
    """The department's urafstemninger, newest first, with turnout (and the result once closed)."""
    managed_department(db, principal, department_id)
    questions = list(
        db.scalars(
            select(Question)
            .where(Question.kind == KIND, Question.department_id == department_id)
            .order_by(Question.created_at.desc(), Question.id.desc())
        )
    )
    if not questions:
        return []
    ids = [q.id for q in questions]
    totals = dict(
        db.execute(
            select(HouseholdUnits.question_id, func.count())
            .where(HouseholdUnits.question_id.in_(ids))
            .group_by(HouseholdUnits.question_id)
        ).all()
    )
    voted = dict(
        db.execute(
            select(HouseholdUnits.question_id, func.count())
            .where(HouseholdUnits.question_id.in_(ids), HouseholdUnits.used > 0)
            .group_by(HouseholdUnits.question_id)
        ).all()
    )
    return [
        Summary(
            question=q,
            households=int(totals.get(q.id, 0)),
            voted_households=int(voted.get(q.id, 0)),
            result=outcome(db, q) if q.status == "closed" else None,
        )
        for q in questions
    ]


def roll_of(db: Session, question: Question) -> Roll | None:
    return db.get(Roll, question.roll_id)


def households_on_roll(db: Session, question: Question) -> int:
    return (
        db.scalar(select(func.count(RollHousehold.id)).where(RollHousehold.roll_id == question.roll_id)) or 0
    )
