"""Demo resident democracy in Engparken (issue 18), built through the democracy services.

- The ordinary department meeting in the spring (``demo.minutes``: held about 150 days ago, its
  minutes approved and published) has its electoral roll (reference date: the day it was
  announced), the check-ins that match its minutes (84 residents of 61 households) and the two
  votes its minutes state, counted at the meeting; its end is recorded. Its approved minutes are
  left as they are.
- A digital vote must close within 7 × 24 hours of a meeting's recorded end, so a vote open until
  a date in the demo's near future needs a meeting held within the last days. Moving the spring
  meeting (its election feeds the board's memberships, its minutes are published, its decisions
  followed up for months) would change much of the demo, so the vote belongs to an extraordinary
  department meeting held yesterday evening: a roll, about 35 households checked in (some with
  both adults), two proposals counted at the meeting (their figures, the attendance and the
  digital decision go into the meeting's draft minutes), the recorded end and the decision to
  continue the first proposal digitally, open until 20:00 five days after the demo day (within
  the 7 days). A few households have voted online since; beboer@ (Mads Højgaard Frølund) was not
  at the meeting and has not voted.

Only ``boardkit demo`` adds this (like ``demo.minutes``: it needs the spring meeting); the tests'
demo fixture keeps no rolls or questions. The digital vote queues its jobs as any vote does: the
letters to the paper households, the reminder 24 hours before the close, and the close.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from boardkit.core.db import utcnow
from boardkit.core.permissions import Principal
from boardkit.demo.accounts import ACCOUNT_NAMES, RESIDENT_EMAIL, TZ
from boardkit.democracy import ballots, checkin, digital, questions, roll
from boardkit.democracy.models import CheckIn, Participation, Question, Roll, RollHousehold, RollVoter
from boardkit.meetings import service as meeting_service
from boardkit.meetings.models import AgendaItem, Meeting
from boardkit.org import service as org_service
from boardkit.org.models import Board, Membership, Person

# The spring meeting's figures, as its published minutes state them (demo.minutes).
SPRING_RESIDENTS, SPRING_HOUSEHOLDS = 84, 61
SPRING_VOTES = {
    "Indkomne forslag": ("Forslag om cykelskur ved Engvænget 14", 58, 12, 4),
    "Afdelingens budget for næste år": ("Afdelingens budget for næste år (lejen stiger 1,9 %)", 66, 5, 3),
}
# Yesterday's extraordinary meeting.
EXTRA_TITLE = "Ekstraordinært afdelingsmøde om altaner og ladestandere"
EXTRA_HOUSEHOLDS, EXTRA_BOTH = 35, 12  # households checked in, of which both adults
BALCONIES = (
    "Forslag 1: Altaner på Engvænget 10–16",
    "Bestyrelsen foreslår altaner på alle lejligheder i Engvænget 10–16, finansieret af et lån over "
    "30 år. Huslejen stiger med 4,8 % fra 1. juli.",
)
CHARGERS = (
    "Forslag 2: Ladestandere på p-pladsen",
    "Otte ladestandere på p-pladsen ved Engparken 2, betalt af brugerne. Ingen huslejestigning.",
)
DIGITAL_DECISION = (
    "Afdelingsmødet besluttede, at forslag 1 om altaner fortsætter til digital afstemning, så "
    "husstande, der ikke var til stede, også kan stemme. Afstemningen lukker senest 7 døgn efter mødet."
)
ONLINE_VOTERS = 14  # households (not at the meeting) that have voted online since


def add_demo_democracy(db: Session, *, board: Board) -> None:
    """The spring meeting's roll, check-ins and counts, and yesterday's extraordinary meeting with
    its digital vote open (see the module's docstring)."""
    chair_id = db.scalar(
        select(Membership.person_id)
        .where(Membership.board_id == board.id, Membership.role == "chair", Membership.end_date.is_(None))
        .order_by(Membership.id)
    )
    assert chair_id is not None and board.department_id is not None
    chair = org_service.build_principal(db, person_id=chair_id)
    resident = db.scalar(select(Person.id).where(Person.email == RESIDENT_EMAIL))
    spring = db.scalar(
        select(Meeting)
        .where(Meeting.board_id == board.id, Meeting.kind == "ordinary_department", Meeting.status == "held")
        .order_by(Meeting.starts_at.desc())
    )
    if spring is not None:
        _spring_meeting(db, chair, spring)
    _extraordinary_meeting(db, chair, board, skip_person=resident)


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=TZ).astimezone(UTC)


def _make_roll(db: Session, meeting: Meeting, created_by: int | None) -> Roll:
    assert meeting.department_id is not None
    invited = (meeting.invited_at or meeting.starts_at).astimezone(TZ).date()
    return roll.make_roll(
        db,
        organisation_id=meeting.board.organisation_id,
        department_id=meeting.department_id,
        reference_date=invited,
        meeting_id=meeting.id,
        created_by=created_by,
    )


def _households(db: Session, the_roll: Roll, skip_person: int | None = None) -> list[list[RollVoter]]:
    """The roll's households with their voters (in the roll's order), without ``skip_person``'s."""
    voters: dict[int, list[RollVoter]] = {}
    for voter in db.scalars(
        select(RollVoter)
        .join(RollHousehold, RollHousehold.id == RollVoter.household_id)
        .where(RollHousehold.roll_id == the_roll.id)
        .order_by(RollHousehold.id, RollVoter.id)
    ):
        voters.setdefault(voter.household_id, []).append(voter)
    return [people for people in voters.values() if all(v.person_id != skip_person for v in people)]


def _check_in(
    db: Session,
    chair: Principal,
    meeting: Meeting,
    the_roll: Roll,
    *,
    households: int,
    both: int,
    skip_person: int | None = None,
) -> list[list[RollVoter]]:
    """Check in the first ``households`` households (every other one, so the present are spread
    over the addresses), both adults in ``both`` of them; the check-ins are dated at the door."""
    candidates = _households(db, the_roll, skip_person)
    pairs = [h for h in candidates if len(h) >= 2]
    chosen_pairs = pairs[::2][:both]
    singles = [h for h in candidates[::2] if h not in chosen_pairs][: households - len(chosen_pairs)]
    present = [[h[0], h[1]] for h in chosen_pairs] + [[h[0]] for h in singles]
    n = 0
    for people in present:
        for voter in people:
            checkin.check_in(db, chair, meeting.id, voter_id=voter.id)
            n += 1
    db.flush()
    # At the door: from 15 minutes before the start to 10 minutes after, in the order they came.
    rows = list(db.scalars(select(CheckIn).where(CheckIn.roll_id == the_roll.id).order_by(CheckIn.id)))
    for i, row in enumerate(rows):
        row.checked_in_at = meeting.starts_at - timedelta(minutes=15) + timedelta(minutes=25) * i / max(n, 1)
    db.flush()
    return present


def _count(
    db: Session, chair: Principal, item: AgendaItem, text: str, counts: tuple[int, int, int], at: datetime
) -> Question:
    """The chair records the vote as counted at the meeting; dated when it was counted there."""
    yes, no, blank = counts
    question = questions.record_vote(
        db,
        chair,
        agenda_item_id=item.id,
        data=questions.VoteInput(
            question=text, method="show_of_hands", votes_for=yes, against=no, blank=blank
        ),
    )
    question.counted_at = at
    db.execute(
        update(Participation)
        .where(Participation.question_id == question.id, Participation.channel == "meeting")
        .values(at=at)
        .execution_options(synchronize_session=False)
    )
    db.flush()
    return question


def _spring_meeting(db: Session, chair: Principal, meeting: Meeting) -> None:
    """The spring meeting's roll and attendance as its minutes state them, its two counted votes
    and its recorded end (the approved minutes stay as they are)."""
    the_roll = _make_roll(db, meeting, chair.person_id)
    both = SPRING_RESIDENTS - SPRING_HOUSEHOLDS
    _check_in(db, chair, meeting, the_roll, households=SPRING_HOUSEHOLDS, both=both)
    items = {i.title: i for i in meeting.items}
    for n, (title, (text, yes, no, blank)) in enumerate(SPRING_VOTES.items()):
        if title in items:
            _count(
                db,
                chair,
                items[title],
                text,
                (yes, no, blank),
                meeting.starts_at + timedelta(minutes=50 + 40 * n),
            )
    questions.end_meeting(db, chair, meeting, ended_at=meeting.ends_at)


def _extraordinary_meeting(db: Session, chair: Principal, board: Board, *, skip_person: int | None) -> None:
    today = utcnow().astimezone(TZ).date()
    starts = _local(today - timedelta(days=1), time(19, 0))
    meeting = Meeting(
        board=board,
        department_id=board.department_id,
        kind="extraordinary_department",
        title=EXTRA_TITLE,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        location="Fælleshuset, Engparken 2",
        status="held",
        uid="demo-democracy-engparken@demo.boardkit.dk",
        invited_at=starts - timedelta(days=15),
        description="Indkaldt af bestyrelsen for at behandle forslagene om altaner og ladestandere.",
    )
    db.add(meeting)
    db.flush()
    meeting_service.add_starting_agenda(db, meeting)  # "Valg af dirigent"
    proposals = []
    for position, (title, description) in enumerate((BALCONIES, CHARGERS), start=2):
        item = AgendaItem(
            meeting_id=meeting.id,
            position=position,
            title=title,
            description=description,
            kind="decision",
            presenter=ACCOUNT_NAMES.get("formand@demo.boardkit.dk", ""),
        )
        db.add(item)
        proposals.append(item)
    db.flush()
    db.refresh(meeting, ["items"])
    the_roll = _make_roll(db, meeting, chair.person_id)
    present = _check_in(
        db, chair, meeting, the_roll, households=EXTRA_HOUSEHOLDS, both=EXTRA_BOTH, skip_person=skip_person
    )
    units = sum(len(h) for h in present)
    balconies = _count(
        db,
        chair,
        proposals[0],
        BALCONIES[0],
        (units * 11 // 20, units * 7 // 20, units // 20),
        starts + timedelta(minutes=55),
    )
    _count(db, chair, proposals[1], CHARGERS[0], (units - 6, 4, 2), starts + timedelta(minutes=85))
    questions.record_digital_decision(
        db, chair, meeting, agenda_item_id=proposals[0].id, text=DIGITAL_DECISION
    )
    the_roll.digital_decided_at = starts + timedelta(minutes=60)
    ended = starts + timedelta(hours=1, minutes=55)
    questions.end_meeting(db, chair, meeting, ended_at=ended)
    closes = _local(today + timedelta(days=5), time(20, 0))
    digital.open_digital(db, chair, question_id=balconies.id, closes_at=closes)
    _vote_online(db, balconies, the_roll, present, skip_person)


def _vote_online(
    db: Session, question: Question, the_roll: Roll, present: list[list[RollVoter]], skip_person: int | None
) -> None:
    """Since the meeting: households that were not there vote online (each through ``ballots.cast``
    as its logged-in voter would), and the second adult of two households where one came."""
    there = {v.household_id for h in present for v in h}
    everyone = _households(db, the_roll, skip_person)
    absent = [h for h in everyone if h[0].household_id not in there]
    voters = [h[-1] for h in absent[1::3][:ONLINE_VOTERS]]
    came_alone = {h[0].household_id for h in present if len(h) == 1}
    voters += [h[1] for h in everyone if h[0].household_id in came_alone and len(h) >= 2][:2]
    for n, voter in enumerate(voters):
        if voter.person_id is None:
            continue
        principal = org_service.build_principal(db, person_id=voter.person_id)
        ballots.cast(db, principal, question_id=question.id, choice=("yes", "no", "yes", "blank")[n % 4])
    db.flush()
