"""Reminders: of a meeting (to invitees who have not declined), of material due, of an unread pack.

Run by the periodic job ``meetings.reminders``. What is due:

* **Meeting** — from ``meeting_reminder_days`` (organisation rule, default 2) days before the
  meeting's day until it starts, to everyone invited by e-mail who has not declined.
* **Material due** — from ``material_reminder_days`` (default 2) days before the material
  deadline until the deadline, to the board's members (not substitutes) with an e-mail address.
* **Minutes due** — from ``minutes_reminder_days`` (default 7) days before the minutes are due
  (``minutes_due_days`` after the meeting, default 28) until they are published, to the board's
  chair, once.
* **Pack unread** — from ``pack_reminder_days`` (default 2) days before the meeting's day until
  it starts, to the pack's board readers who have not opened its current version (a new
  version is a new reminder).

At most one reminder message per person per day: everything due for a person is merged into one
e-mail, and a ``ReminderLog`` row (unique per person and day) records it; anything that comes
due later the same day waits for the next day's message. Each reminder goes out once (its key
is kept in the log). Nothing is sent before 08:00 Copenhagen time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from boardkit.config import Settings
from boardkit.core import jobs, mail
from boardkit.core.db import utcnow
from boardkit.core.templating import TZ
from boardkit.meetings import calendar, rsvp, timeline
from boardkit.meetings.invitations.service import emailable
from boardkit.meetings.minutes import service as minutes_service
from boardkit.meetings.models import Invitation, Meeting, ReminderLog
from boardkit.meetings.packs import service as packs_service
from boardkit.org import service as org_service
from boardkit.org.service import Person

KIND = "meetings.reminders"
EVERY_SECONDS = 15 * 60
SEND_FROM_HOUR = 8
HORIZON = timedelta(days=60)  # reminders are never due further ahead than this
MINUTES_HORIZON = timedelta(days=120)  # minutes of meetings older than this are not chased any more


@dataclass(frozen=True)
class Due:
    key: str  # "meeting:<id>", "material:<id>" or "pack:<pack version id>"
    kind: str  # meeting, material, pack
    meeting: Meeting
    deadline: datetime  # when the reminder stops making sense
    version: int | None = None  # the pack version not yet opened


def _rules(meeting: Meeting) -> dict[str, Any]:
    return timeline.rules_for(meeting.board.organisation.rules)


def _days(rules: dict[str, Any], key: str, default: int) -> int:
    value = rules.get(key, default)
    return value if isinstance(value, int) and 0 <= value <= 60 else default


def _meeting_due(db: Session, meeting: Meeting, rules: dict[str, Any], today: date) -> list[tuple[int, Due]]:
    lead = _days(rules, "meeting_reminder_days", 2)
    if meeting.invited_at is None or today < meeting.starts_at.astimezone(TZ).date() - timedelta(lead):
        return []
    declined = rsvp.declined_ids(db, meeting_id=meeting.id)
    invitees = db.scalars(
        select(Invitation.person_id).where(
            Invitation.meeting_id == meeting.id,
            Invitation.channel == "email",
            Invitation.person_id.is_not(None),
        )
    )
    due = Due(f"meeting:{meeting.id}", "meeting", meeting, meeting.starts_at)
    return [(pid, due) for pid in invitees if pid is not None and pid not in declined]


def _material_due(
    db: Session, meeting: Meeting, rules: dict[str, Any], today: date, now: datetime
) -> list[tuple[int, Due]]:
    milestones = timeline.milestones(kind=meeting.kind, starts_at=meeting.starts_at, rules=rules)
    material = next(m for m in milestones if m.key == "material_due")
    ahead = _days(rules, "material_reminder_days", 2)
    if now > material.due or today < material.day - timedelta(ahead):
        return []
    due = Due(f"material:{meeting.id}", "material", meeting, material.due)
    return [
        (m.person_id, due)
        for m in org_service.list_board_members(db, board_id=meeting.board_id)
        if m.active_at(now) and m.role != "substitute"
    ]


def _pack_due(db: Session, meeting: Meeting, rules: dict[str, Any], today: date) -> list[tuple[int, Due]]:
    lead = _days(rules, "pack_reminder_days", 2)
    if meeting.pack_published_at is None or today < meeting.starts_at.astimezone(TZ).date() - timedelta(lead):
        return []
    return [
        (person.id, Due(f"pack:{version.id}", "pack", meeting, meeting.starts_at, version.number))
        for person, version in packs_service.unread_by(db, meeting)
    ]


def _minutes_due(
    db: Session, meeting: Meeting, rules: dict[str, Any], today: date, now: datetime
) -> list[tuple[int, Due]]:
    milestones = timeline.milestones(kind=meeting.kind, starts_at=meeting.starts_at, rules=rules)
    minutes_due = next(m for m in milestones if m.key == "minutes_due")
    if today < minutes_due.day - timedelta(_days(rules, "minutes_reminder_days", 7)):
        return []
    minutes = minutes_service.find_minutes(db, meeting_id=meeting.id)
    if minutes is not None and minutes.status == "published":
        return []
    due = Due(f"minutes:{meeting.id}", "minutes", meeting, minutes_due.due)
    return [
        (m.person_id, due)
        for m in org_service.list_board_members(db, board_id=meeting.board_id)
        if m.active_at(now) and m.role == "chair"
    ]


def due_reminders(db: Session, *, now: datetime) -> dict[int, list[Due]]:
    """Everything due now, by person."""
    today = now.astimezone(TZ).date()
    meetings = db.scalars(
        select(Meeting)
        .options(joinedload(Meeting.board))
        .where(Meeting.starts_at > now, Meeting.starts_at < now + HORIZON, Meeting.status != "cancelled")
        .order_by(Meeting.starts_at)
    ).unique()
    result: dict[int, list[Due]] = defaultdict(list)
    for meeting in meetings:
        rules = _rules(meeting)
        for person_id, due in (
            _meeting_due(db, meeting, rules, today)
            + _material_due(db, meeting, rules, today, now)
            + _pack_due(db, meeting, rules, today)
        ):
            result[person_id].append(due)
    held = db.scalars(
        select(Meeting)
        .options(joinedload(Meeting.board))
        .where(
            Meeting.starts_at <= now, Meeting.starts_at > now - MINUTES_HORIZON, Meeting.status != "cancelled"
        )
        .order_by(Meeting.starts_at)
    ).unique()
    for meeting in held:
        for person_id, due in _minutes_due(db, meeting, _rules(meeting), today, now):
            result[person_id].append(due)
    return result


def _sent_keys(db: Session, *, person_ids: list[int], today: date) -> tuple[dict[int, set[str]], set[int]]:
    """Keys each person was already reminded of, and who already got today's message."""
    sent: dict[int, set[str]] = defaultdict(set)
    today_done: set[int] = set()
    rows = db.scalars(
        select(ReminderLog).where(ReminderLog.person_id.in_(person_ids), ReminderLog.day >= today - HORIZON)
    )
    for row in rows:
        sent[row.person_id].update(row.keys or [])
        if row.day == today:
            today_done.add(row.person_id)
    return sent, today_done


def run_reminders(db: Session, *, settings: Settings, now: datetime | None = None) -> int:
    """Send today's reminders, one message per person; returns how many e-mails were queued."""
    now = now or utcnow()
    local = now.astimezone(TZ)
    if local.hour < SEND_FROM_HOUR:
        return 0
    today = local.date()
    due = due_reminders(db, now=now)
    if not due:
        return 0
    ids = sorted(due)
    sent, today_done = _sent_keys(db, person_ids=ids, today=today)
    people = org_service.get_people(db, ids=ids)
    queued = 0
    for person_id in ids:
        person = people.get(person_id)
        if person is None or person_id in today_done or not emailable(person):
            continue
        items = {d.key: d for d in due[person_id] if d.key not in sent[person_id]}
        if not items:
            continue
        try:
            with db.begin_nested():  # (person, day) is unique: a second worker's message loses here
                db.add(ReminderLog(person_id=person_id, day=today, keys=sorted(items)))
        except IntegrityError:
            continue
        _queue(db, person=person, items=list(items.values()), settings=settings)
        queued += 1
    return queued


def _queue(db: Session, *, person: Person, items: list[Due], settings: Settings) -> None:
    entries = [
        {
            "kind": d.kind,
            "meeting": d.meeting,
            "place": calendar.place_of(d.meeting),
            "deadline": d.deadline,
            "version": d.version,
            "url": settings.base_url + calendar.meeting_path(d.meeting.id),
        }
        for d in sorted(items, key=lambda d: (d.deadline, d.kind))
    ]
    # The one organisation the reminder is about; None (personal) when it gathers several.
    organisations = {d.meeting.board.organisation_id for d in items}
    mail.queue_mail(
        db,
        to=mail.Recipient(person.email or "", person.name, person.language, person.id),
        template="meeting_reminder",
        context={"name": person.name, "items": entries},
        domain=urlsplit(settings.base_url).hostname or "boardkit.local",
        organisation_id=organisations.pop() if len(organisations) == 1 else None,
    )


def make_handler(settings: Settings) -> jobs.Handler:
    def handle(db: Session, payload: dict[str, Any]) -> None:
        run_reminders(db, settings=settings)

    return handle
