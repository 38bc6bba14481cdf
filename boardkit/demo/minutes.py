"""Demo minutes: Engparken's department meeting in the spring, approved and published, the board's
meeting before last with published minutes, and its last meeting with minutes awaiting approval.
The department meeting's minutes record the election (a member re-elected, the first substitute
elected member, a member stepping down, two substitutes in order); the board meeting before last
carries an item over to the next meeting; the decisions are mostly carried out, four are open or
in progress.
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
from boardkit.demo.accounts import ACCOUNT_NAMES, TERM_2024, TERM_2025
from boardkit.meetings import service as meeting_service
from boardkit.meetings.minutes import service as minutes_service
from boardkit.meetings.models import AgendaItem, Decision, Meeting, Minutes, MinutesApproval, MinutesVersion
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
# The board meeting before last: its decisions, and how far each has come.
BOARD_DECISIONS = {
    "Godkendelse af dagsorden": ("Dagsordenen blev godkendt.", "done", ""),
    "Godkendelse af referat fra sidste møde": ("Referatet blev godkendt.", "done", ""),
    "Meddelelser fra formanden": (
        "Formanden indhenter tilbud på tre nye vaskemaskiner til vaskeriet.",
        "in_progress",
        "To tilbud er modtaget; det tredje ventes i næste uge.",
    ),
    "Økonomi": ("Kassereren lægger budgetopfølgningen på portalen før næste møde.", "open", ""),
    "Eventuelt": ("Driften bedes efterse legepladsen ved Engvænget inden vinteren.", "open", ""),
}
CARRIED_OVER = "Belysning på stierne"
# The department meeting's decisions that are not carried out yet (the rest are done).
DEPARTMENT_STATUS = {
    "Indkomne forslag": ("in_progress", "Driften har bestilt tre tilbud på cykelskuret."),
}
VOTES = {
    "Indkomne forslag": {"for": 58, "against": 12, "blank": 4},
    "Afdelingens budget for næste år": {"for": 66, "against": 5, "blank": 3},
}


def add_demo_minutes(db: Session, *, board: Board) -> None:
    open_memberships = list(
        db.scalars(
            select(Membership)
            .where(Membership.board_id == board.id, Membership.end_date.is_(None))
            .order_by(Membership.id)
        )
    )
    members = {m.role: m.person for m in open_memberships}
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
    _add_election(db, meeting, data, open_memberships)
    minutes = _minutes(db, meeting, data, chair, approvers=[chair, treasurer], publish=True)
    _set_statuses(db, meeting, {t: s for t, s in DEPARTMENT_STATUS.items()}, default="done")
    # The election waits for the administration (admin@) to confirm it on /board-changes/{board}.
    outcome = minutes_service.board_changes(minutes)
    if outcome is not None:
        org_service.propose_election(db, outcome, tell=False)
    board_meeting = db.scalar(
        select(Meeting).where(Meeting.board_id == board.id, Meeting.kind == "board", Meeting.status == "held")
    )
    if board_meeting is not None:
        earlier = _earlier_board_meeting(db, board_meeting)
        _minutes(
            db,
            earlier,
            _input(earlier, chair, treasurer, department=False, decisions=BOARD_DECISIONS),
            chair,
            approvers=[chair, treasurer],
            publish=True,
        )
        _set_statuses(db, earlier, {t: (st, note) for t, (_d, st, note) in BOARD_DECISIONS.items()})
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
    final = max(meeting.items, key=lambda i: i.position)  # "Eventuelt" stays last
    meeting.items.append(AgendaItem(position=final.position, title=CARRIED_OVER, kind="decision"))
    final.position += 1
    db.flush()
    return meeting


def _add_election(db: Session, meeting: Meeting, data: object, memberships: list[Membership]) -> None:
    """The election at the department meeting: the member elected in 2024 is re-elected, the first
    substitute becomes a member, the member elected in 2025 steps down, and the meeting elects the
    second substitute again and a new one after her (two years for members, one for substitutes)."""
    m = minutes_service
    assert isinstance(data, m.MinutesInput)
    members = [x for x in memberships if x.role == "member"]
    substitutes = [x for x in memberships if x.role == "substitute"]
    re_elected = next(x.person for x in members if x.start_date == TERM_2024)
    leaving = next(x.person for x in members if x.start_date == TERM_2025)
    first, second = substitutes[0].person, substitutes[1].person
    on_a_board = set(db.scalars(select(Membership.person_id)))
    accounts = set(ACCOUNT_NAMES)
    assert meeting.department_id is not None
    new = next(
        p
        for h in org_service.list_households(
            db, department_id=meeting.department_id, day=meeting.starts_at.astimezone(TZ).date()
        )
        for p in h.residents
        if p.id not in on_a_board and p.email not in accounts and p.email and not p.paper
    )
    year = meeting.starts_at.astimezone(TZ).year
    data.election = m.ElectionInput(
        elected=[
            m.ElectedInput(re_elected.id, "member", until_year=year + 2),
            m.ElectedInput(first.id, "member", until_year=year + 2),
        ],
        substitutes=[
            m.SubstituteInput(second.id, 1, until_year=year + 1),
            m.SubstituteInput(new.id, 2, until_year=year + 1),
        ],
        leaving=[leaving.id, first.id, second.id],  # the substitutes are elected anew (not leaving)
    )
    for item in data.items:
        if item.notes.startswith("Søren Ødegård og Ayşe Şahin"):
            item.notes = (
                f"{re_elected.name} genopstillede. {leaving.name} ønskede ikke at fortsætte. "
                f"{first.name} (1. suppleant) stillede op som medlem."
            )
            item.decision = (
                f"{re_elected.name} blev genvalgt og {first.name} nyvalgt for to år. "
                f"Som suppleanter blev valgt 1. {second.name} og 2. {new.name} for et år."
            )


def _set_statuses(
    db: Session, meeting: Meeting, statuses: dict[str, tuple[str, str]], default: str = "open"
) -> None:
    """How far each of the meeting's decisions has come (by item title), as if set over the months."""
    for decision in db.scalars(select(Decision).where(Decision.meeting_id == meeting.id)):
        status, note = statuses.get(decision.item_title, (default, ""))
        decision.status, decision.status_note = status, note
        if status != "open":
            decision.status_changed_at = meeting.starts_at + timedelta(days=30)


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
    meeting: Meeting,
    chair: Person,
    treasurer: Person,
    *,
    department: bool,
    decisions: dict[str, tuple[str, str, str]] | None = None,
) -> minutes_service.MinutesInput:
    m = minutes_service
    items = []
    for item in sorted(meeting.items, key=lambda i: i.position):
        notes, decision = NOTES.get(item.title, ("Punktet blev drøftet.", ""))
        if decisions and item.title in decisions:
            decision = decisions[item.title][0]
        carried = item.title == CARRIED_OVER
        if carried:
            notes = "Tilbuddet fra elektrikeren var ikke kommet. Punktet blev udsat til næste møde."
        items.append(
            m.ItemInput(
                item.id,
                notes=notes,
                decision=decision,
                votes=VOTES.get(item.title) if department else None,
                carried_over=carried,
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
) -> Minutes:
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
    return minutes
