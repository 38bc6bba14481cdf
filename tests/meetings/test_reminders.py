"""Reminders: the meeting (not to those who declined), material due (to the board), one message a day."""

from __future__ import annotations

import threading
import time as clock
from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select, update

from boardkit.app import build_runner
from boardkit.config import Settings
from boardkit.core import jobs
from boardkit.core.db import Database, utcnow
from boardkit.core.models import Job, OutboxEmail
from boardkit.core.templating import TZ
from boardkit.meetings import reminders, rsvp
from boardkit.meetings.invitations import service as invitations
from boardkit.meetings.models import Meeting, ReminderLog
from boardkit.org.models import Organisation
from tests.helpers import person_id
from tests.meetings.meeting_env import ADMIN, CHAIR, TREASURER, make_meeting


def at(days: int, hour: int) -> datetime:
    """``hour`` o'clock Copenhagen time, ``days`` from today."""
    day = utcnow().astimezone(TZ).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, 0), tzinfo=TZ)


def only(db: Database, *keep: int) -> None:
    """Cancel the demo's other meetings, so only the test's own can be due."""
    with db.transaction() as s:
        s.execute(update(Meeting).where(Meeting.id.not_in(keep)).values(status="cancelled"))


def invite(db: Database, settings: Settings, meeting_id: int) -> None:
    with db.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        invitations.send_invitations(s, meeting=meeting, settings=settings)


def run(db: Database, settings: Settings, now: datetime) -> int:
    with db.transaction() as s:
        return reminders.run_reminders(s, settings=settings, now=now)


def reminder_mails(db: Database) -> list[OutboxEmail]:
    with db.transaction() as s:
        rows = s.scalars(
            select(OutboxEmail).where(OutboxEmail.template == "meeting_reminder").order_by(OutboxEmail.id)
        ).all()
        s.expunge_all()
    return list(rows)


def invitees(db: Database, meeting_id: int) -> set[str]:
    with db.transaction() as s:
        return {
            e.to_address
            for e in s.scalars(select(OutboxEmail).where(OutboxEmail.template == "meeting_invitation"))
        }


def test_a_meeting_reminder_goes_to_invitees_who_have_not_declined_once(
    demo: Database, settings: Settings
) -> None:
    meeting_id = make_meeting(demo, days=2, title="Bestyrelsesmøde om vinduer")
    only(demo, meeting_id)
    invite(demo, settings, meeting_id)
    treasurer = person_id(demo, TREASURER)
    with demo.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        rsvp.set_rsvp(s, meeting=meeting, person_id=treasurer, response="declined")
    expected = invitees(demo, meeting_id) - {TREASURER}

    assert run(demo, settings, at(0, 7)) == 0  # not before eight in the morning
    assert run(demo, settings, at(0, 10)) == len(expected)
    mails = reminder_mails(demo)
    assert {m.to_address for m in mails} == expected
    assert all("Bestyrelsesmøde om vinduer" in m.subject and "Husk mødet" in m.body_text for m in mails)
    assert run(demo, settings, at(0, 15)) == 0  # later the same day: nothing
    assert run(demo, settings, at(1, 10)) == 0  # the next day: already reminded
    assert len(reminder_mails(demo)) == len(expected)


def test_reminders_due_the_same_day_become_one_message(demo: Database, settings: Settings) -> None:
    soon = make_meeting(demo, days=2, title="Møde om haven")
    later = make_meeting(demo, days=9, title="Møde om budgettet")  # material due in two days
    only(demo, soon, later)
    invite(demo, settings, soon)
    assert run(demo, settings, at(0, 9)) > 0
    per_person = Counter(m.to_address for m in reminder_mails(demo))
    assert set(per_person.values()) == {1}  # one message each, whatever was due
    chair = next(m for m in reminder_mails(demo) if m.to_address == CHAIR)
    assert "Møde om haven" in chair.body_text and "Materialet til Møde om budgettet" in chair.body_text
    assert chair.subject == "Dine påmindelser fra boardkit (2)"
    admin = next(m for m in reminder_mails(demo) if m.to_address == ADMIN)  # invited, not on the board
    assert "Møde om haven" in admin.body_text and "budgettet" not in admin.body_text
    chair_id = person_id(demo, CHAIR)
    with demo.transaction() as s:
        log = s.scalars(select(ReminderLog).where(ReminderLog.person_id == chair_id)).one()
        assert log.keys == sorted([f"meeting:{soon}", f"material:{later}"])


def test_what_comes_due_after_todays_message_waits_until_tomorrow(demo: Database, settings: Settings) -> None:
    first = make_meeting(demo, days=2, title="Første møde")
    only(demo, first)
    invite(demo, settings, first)
    assert run(demo, settings, at(0, 9)) > 0
    second = make_meeting(demo, days=1, title="Hastemøde")
    invite(demo, settings, second)
    assert run(demo, settings, at(0, 14)) == 0  # the board already had today's message
    assert run(demo, settings, at(1, 8)) > 0
    chair = [m for m in reminder_mails(demo) if m.to_address == CHAIR]
    assert len(chair) == 2 and "Hastemøde" in chair[1].body_text and "Første møde" not in chair[1].body_text


def test_the_lead_time_follows_the_organisations_rule(demo: Database, settings: Settings) -> None:
    meeting_id = make_meeting(demo, days=4)
    only(demo, meeting_id)
    invite(demo, settings, meeting_id)
    assert run(demo, settings, at(0, 10)) == 0  # default: two days before
    with demo.transaction() as s:
        org = s.scalars(select(Organisation)).one()
        org.rules = {**org.rules, "meeting_reminder_days": 5}
    assert run(demo, settings, at(0, 10)) > 0


@pytest.mark.postgres
def test_the_reminder_job_is_queued_once_however_many_workers_look(db: Database, settings: Settings) -> None:
    runner = build_runner(db, settings)
    assert runner.periodic[reminders.KIND] == reminders.EVERY_SECONDS
    results: list[list[str]] = []
    threads = [threading.Thread(target=lambda: results.append(runner.schedule_periodic())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    # Each periodic job (the reminders' among them) was queued by exactly one of the threads.
    assert Counter(kind for r in results for kind in r) == dict.fromkeys(runner.periodic, 1)
    assert runner.schedule_periodic() == []  # each is waiting
    assert runner.run_until_idle() == len(runner.periodic)
    assert runner.schedule_periodic() == []  # just ran
    later = utcnow() + timedelta(seconds=reminders.EVERY_SECONDS + 60)
    assert reminders.KIND in runner.schedule_periodic(now=later)
    with db.transaction() as s:
        assert Counter(s.scalars(select(Job.status).where(Job.kind == reminders.KIND))) == {
            "done": 1,
            "queued": 1,
        }


@pytest.mark.postgres
def test_a_running_worker_queues_and_runs_the_periodic_job(db: Database) -> None:
    seen = threading.Event()
    runner = jobs.JobRunner(db)
    runner.every("tick", lambda _s, _p: seen.set(), seconds=3600)
    worker = jobs.Worker(runner, poll_seconds=0.05)
    worker.start()
    try:
        assert seen.wait(10)
    finally:
        worker.stop()
    clock.sleep(0.1)
    with db.transaction() as s:
        assert s.scalars(select(Job.status).where(Job.kind == "tick")).all() == ["done"]
