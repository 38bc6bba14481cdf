"""Demo minutes: Engparken's department meeting in the spring, approved and published, the board's
meeting before last with published minutes, and its last meeting with minutes awaiting approval.
The coming department meeting is announced, so a resident (beboer@) sees on the home page the next
meeting with its proposal deadline and the latest minutes of both kinds (held meetings were announced).

Only ``boardkit demo`` adds these (like ``demo_packs``): the test fixture's demo keeps one
department meeting per department. The published minutes are marked published without sending
a notice (a demo load sends no mail).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.db import utcnow
from boardkit.meetings import service as meeting_service
from boardkit.meetings.minutes import service as minutes_service
from boardkit.meetings.models import Meeting, MinutesApproval, MinutesVersion
from boardkit.org import service as org_service
from boardkit.org.models import Board, Membership, Person

TZ = ZoneInfo("Europe/Copenhagen")

NOTES = {
    "Valg af dirigent": (
        "Bestyrelsen foreslog Mette Kirkegaard fra administrationen.",
        "Mette Kirkegaard blev valgt.",
    ),
    "Forretningsorden": ("", "Forretningsordenen blev godkendt uden bemærkninger."),
    "Bestyrelsens beretning": (
        "Formanden fremlagde beretningen. Spørgsmål om vaskeriet og legepladsen.",
        "Beretningen blev taget til efterretning.",
    ),
    "Indkomne forslag": ("Forslag om cykelskur ved Engvænget 14.", "Forslaget blev vedtaget."),
    "Afdelingens budget for næste år": (
        "Administrationen gennemgik budgettet; lejen stiger 1,9 %.",
        "Budgettet blev godkendt.",
    ),
    "Valg": ("Søren Ødegård og Ayşe Şahin genopstillede.", "Begge blev genvalgt for to år."),
}
VOTES = {
    "Indkomne forslag": {"for": 58, "against": 12, "blank": 4},
    "Afdelingens budget for næste år": {"for": 66, "against": 5, "blank": 3},
}


def add_demo_minutes(db: Session, *, board: Board) -> None:
    members = {
        m.role: m.person
        for m in db.scalars(
            select(Membership).where(Membership.board_id == board.id, Membership.end_date.is_(None))
        )
    }
    chair, treasurer = members["chair"], members["treasurer"]
    held_spring = datetime.combine(
        utcnow().astimezone(TZ).date() - timedelta(days=150), time(19, 0), tzinfo=TZ
    )
    meeting = Meeting(
        board=board,
        department_id=board.department_id,
        kind="ordinary_department",
        title="Ordinært afdelingsmøde",
        starts_at=held_spring.astimezone(UTC),
        ends_at=(held_spring + timedelta(hours=2, minutes=30)).astimezone(UTC),
        location="Fælleshuset, Engparken 2",
        status="held",
        uid="demo-minutes-engparken@demo.boardkit.dk",
        invited_at=(held_spring - timedelta(days=35)).astimezone(UTC),
    )
    db.add(meeting)
    db.flush()
    meeting_service.add_starting_agenda(db, meeting)
    data = _input(meeting, chair, treasurer, department=True)
    _minutes(db, meeting, data, chair, approvers=[chair, treasurer], publish=True)
    board_meeting = db.scalar(
        select(Meeting).where(Meeting.board_id == board.id, Meeting.kind == "board", Meeting.status == "held")
    )
    if board_meeting is not None:
        earlier = _earlier_board_meeting(db, board_meeting)
        _minutes(
            db,
            earlier,
            _input(earlier, chair, treasurer, department=False),
            chair,
            approvers=[chair, treasurer],
            publish=True,
        )
        board_meeting.invited_at = board_meeting.starts_at - timedelta(days=8)
        for item in board_meeting.items:
            if item.role == "approve_minutes":
                item.previous_meeting_id = earlier.id
        data = _input(board_meeting, chair, treasurer, department=False)
        _minutes(db, board_meeting, data, chair, approvers=[chair], publish=False)
    _announce_department_meeting(db, board)


def _earlier_board_meeting(db: Session, last: Meeting) -> Meeting:
    """The board meeting before the last one (five weeks earlier), held and announced."""
    starts = last.starts_at - timedelta(days=35)
    meeting = Meeting(
        board=last.board,
        kind="board",
        title="Bestyrelsesmøde",
        starts_at=starts,
        ends_at=starts + (last.ends_at - last.starts_at),
        location=last.location,
        status="held",
        uid="demo-minutes-engparken-board@demo.boardkit.dk",
        invited_at=starts - timedelta(days=8),
    )
    db.add(meeting)
    db.flush()
    meeting_service.add_starting_agenda(db, meeting)
    return meeting


def _announce_department_meeting(db: Session, board: Board) -> None:
    """Mark the coming department meeting as announced (a demo load sends no mail; "Send indkaldelse"
    on its page still reaches everyone, as nobody has an invitation yet)."""
    meeting = db.scalar(
        select(Meeting).where(
            Meeting.board_id == board.id, Meeting.kind == "ordinary_department", Meeting.status == "planned"
        )
    )
    if meeting is not None:
        meeting.status, meeting.invited_at = "invited", utcnow() - timedelta(days=1)


def _input(
    meeting: Meeting, chair: Person, treasurer: Person, *, department: bool
) -> minutes_service.MinutesInput:
    m = minutes_service
    items = []
    for item in sorted(meeting.items, key=lambda i: i.position):
        notes, decision = NOTES.get(item.title, ("Punktet blev drøftet.", ""))
        items.append(
            m.ItemInput(
                item.id, notes=notes, decision=decision, votes=VOTES.get(item.title) if department else None
            )
        )
    return m.MinutesInput(
        meeting_chair="Mette Kirkegaard" if department else chair.name,
        minute_taker=treasurer.name,
        minute_taker_id=treasurer.id,
        attendance=[(chair.id, "present"), (treasurer.id, "present")],
        residents_present=84 if department else None,
        households_represented=61 if department else None,
        items=items,
    )


def _minutes(
    db: Session, meeting: Meeting, data: object, chair: Person, *, approvers: list[Person], publish: bool
) -> None:
    m = minutes_service
    assert isinstance(data, m.MinutesInput)
    principal = org_service.build_principal(db, person_id=chair.id)
    minutes = m.save_minutes(db, principal=principal, meeting=meeting, data=data)
    submitted = meeting.starts_at + timedelta(days=3)
    minutes.status, minutes.submitted_at, minutes.submitted_by = "submitted", submitted, chair.id
    db.add(MinutesVersion(minutes_id=minutes.id, number=1, content=minutes.content, created_by=chair.id))
    for n, person in enumerate(approvers):
        db.add(
            MinutesApproval(
                minutes_id=minutes.id,
                version=1,
                person_id=person.id,
                approved_at=submitted + timedelta(days=n + 1),
            )
        )
    db.flush()
    if publish:
        minutes.status, minutes.approved_at = "approved", submitted + timedelta(days=len(approvers))
        minutes_service.sync_decisions(db, meeting=meeting, minutes=minutes)
        minutes.status, minutes.published_at = "published", submitted + timedelta(days=len(approvers) + 1)
        minutes.published_by, minutes.published_version = chair.id, 1
    db.flush()
