"""Who has opened the pack, and a reminder (through a real SMTP server) to those who have not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from email.header import decode_header, make_header

import pytest
from sqlalchemy import update

from boardkit.app import build_runner
from boardkit.config import Settings
from boardkit.core.db import Database, utcnow
from boardkit.core.templating import TZ
from boardkit.meetings import reminders
from boardkit.meetings.models import Meeting
from boardkit.meetings.packs import service as packs_service
from tests.meetings.meeting_env import CHAIR, TREASURER, make_meeting
from tests.meetings.packs.pack_service_env import add_item, build, download, publish
from tests.smtp import SMTPServer


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


def at(days: int, hour: int) -> datetime:
    day = utcnow().astimezone(TZ).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, 0), tzinfo=TZ)


def status(db: Database, meeting_id: int) -> dict[str, datetime | None]:
    with db.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        return {person.email or "": opened for person, opened in packs_service.read_status(s, meeting)}


@pytest.mark.postgres
def test_opening_is_recorded_once_per_version(demo: Database, settings: Settings) -> None:
    meeting_id = make_meeting(demo, days=6)
    publish(demo, meeting_id)
    build(demo, settings, meeting_id)
    assert len(status(demo, meeting_id)) == 5 and not any(status(demo, meeting_id).values())
    download(demo, settings, meeting_id, TREASURER, count=False)  # the offline app keeping a copy
    assert status(demo, meeting_id)[TREASURER] is None
    download(demo, settings, meeting_id, TREASURER)
    first = status(demo, meeting_id)[TREASURER]
    assert first is not None
    download(demo, settings, meeting_id, TREASURER, notes=True)
    assert status(demo, meeting_id)[TREASURER] == first
    assert list(status(demo, meeting_id))[-1] == TREASURER  # those who have not opened it come first
    add_item(demo, meeting_id, title="Nyt punkt")
    build(demo, settings, meeting_id)
    assert status(demo, meeting_id)[TREASURER] is None  # the new version is not opened yet


@pytest.mark.postgres
def test_those_who_have_not_opened_it_are_reminded(
    demo: Database, settings: Settings, smtp: SMTPServer
) -> None:
    meeting_id = make_meeting(demo, days=2, title="Bestyrelsesmøde om vinduer")
    with demo.transaction() as s:  # only this meeting can be due
        s.execute(update(Meeting).where(Meeting.id != meeting_id).values(status="cancelled"))
    publish(demo, meeting_id)
    build(demo, settings, meeting_id)
    download(demo, settings, meeting_id, TREASURER)
    unread = {email for email, opened in status(demo, meeting_id).items() if opened is None}
    assert len(unread) == 4 and TREASURER not in unread and CHAIR in unread

    with demo.transaction() as s:
        assert reminders.run_reminders(s, settings=settings, now=at(0, 10)) == 4
    mail_settings = settings.with_(smtp_url=smtp.url)
    build_runner(demo, mail_settings).run_until_idle(now=utcnow() + timedelta(minutes=1))
    got = {m["To"].split("<")[-1].rstrip(">"): m for m in smtp.inbox.messages}
    assert set(got) == unread
    message = got[CHAIR]
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject.startswith("Påmindelse: læs mødemappen til Bestyrelsesmøde om vinduer")
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True)
    assert isinstance(body, bytes) and "Du har ikke åbnet mødemappen" in body.decode()
    with demo.transaction() as s:
        assert reminders.run_reminders(s, settings=settings, now=at(1, 10)) == 0  # once per version


def test_no_reminder_earlier_than_the_rule_says(demo: Database, settings: Settings) -> None:
    meeting_id = make_meeting(demo, days=4)
    with demo.transaction() as s:
        s.execute(update(Meeting).where(Meeting.id != meeting_id).values(status="cancelled"))
    publish(demo, meeting_id)
    build(demo, settings, meeting_id)
    with demo.transaction() as s:
        due = reminders.due_reminders(s, now=at(0, 10))
    assert not any(d.kind == "pack" for items in due.values() for d in items)
    with demo.transaction() as s:
        due = reminders.due_reminders(s, now=at(2, 10))
    assert sum(1 for items in due.values() for d in items if d.kind == "pack") == 5
