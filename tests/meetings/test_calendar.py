"""iCalendar invites and feeds, read back with vobject and icalendar and checked property by property."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.core.templating import TZ
from boardkit.meetings import calendar, service
from boardkit.meetings.invitations import service as invitations
from boardkit.meetings.models import AgendaItem, Meeting
from boardkit.org.models import Organisation
from tests.helpers import api_token
from tests.meetings import ics_check
from tests.meetings.meeting_env import ADMIN, CHAIR, MEMBER_SOEBAKKEN, RESIDENT, closed_item, make_meeting

BASE = "https://boardkit.example.dk"


def invite_for(
    db: Database, meeting_id: int, *, method_settings: Settings | None = None
) -> tuple[str, Meeting]:
    settings = method_settings or Settings(
        base_url=BASE, secret_key="k", mail_from="Fællesbo <bestyrelse@fb.dk>"
    )
    with db.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        service.load_agenda(s, meeting)
        person = service.org_service.get_person_by_email(s, email=CHAIR)
        text = invitations.invite_ics(s, meeting=meeting, settings=settings, person=person)
        s.expunge_all()
    return text, meeting


def test_an_invite_has_everything_a_calendar_needs(demo: Database) -> None:
    meeting_id = make_meeting(demo, days=20, title="Bestyrelsesmøde; budget, 2027 \\ ÆØÅ Şahin")
    text, meeting = invite_for(demo, meeting_id)
    event = ics_check.one(text, method="REQUEST")
    assert event.uid == meeting.uid and "@" in event.uid
    assert event.sequence == 0
    assert event.start == meeting.starts_at and event.end == meeting.ends_at
    assert event.summary == "Bestyrelsesmøde; budget, 2027 \\ ÆØÅ Şahin"  # escaped and read back intact
    assert event.location == "Fælleshuset"
    assert event.url == f"{BASE}/meetings/{meeting_id}"
    assert event.organizer == "mailto:bestyrelse@fb.dk"
    assert event.status == "CONFIRMED"
    assert event.alarm_actions == ["DISPLAY"] and event.alarm_trigger == timedelta(hours=-2)
    [(address, params)] = event.attendees
    assert address == f"mailto:{CHAIR}"
    assert params["CN"] == ["Søren Ødegård"] and params["PARTSTAT"] == ["NEEDS-ACTION"]
    assert "Dagsorden:" in event.description and "Godkendelse af dagsorden" in event.description
    lines = ics_check.unfold(text)
    assert "ORGANIZER;CN=Afdelingsbestyrelsen i Engparken:mailto:bestyrelse@fb.dk" in lines
    assert f"DTSTART;TZID=Europe/Copenhagen:{meeting.starts_at.astimezone(TZ):%Y%m%dT%H%M%S}" in lines
    assert any(line.startswith("DTSTAMP:") and line.endswith("Z") for line in lines)


@pytest.mark.parametrize("month", [1, 3, 7, 10, 12])
def test_local_times_hold_in_summer_and_winter_and_around_the_changes(demo: Database, month: int) -> None:
    """vobject builds the zone from the file's VTIMEZONE: its rules must agree with the real zone."""
    year = datetime.now(UTC).year + 1
    day = date(year, month, 15)
    if month in (3, 10):  # the day the clocks change: the last Sunday of March and of October
        day = date(year, month, 31)
        day -= timedelta(days=(day.weekday() + 1) % 7)
    with demo.transaction() as s:
        meeting = s.scalar(select(Meeting).where(Meeting.kind == "board").limit(1))
        assert meeting is not None
        for hour in (1, 2, 3, 19):
            meeting.starts_at = datetime.combine(day, time(hour, 30), tzinfo=TZ).astimezone(UTC)
            meeting.ends_at = meeting.starts_at + timedelta(hours=2)
            text = calendar.invite(
                meeting,
                base_url=BASE,
                organizer=calendar.Organizer("a@b.dk", "Bestyrelsen"),
                attendee=calendar.Attendee("c@d.dk", "C"),
                agenda=[],
            )
            event = ics_check.one(text, method="REQUEST")
            assert event.start == meeting.starts_at, (day, hour)
            assert event.end == meeting.ends_at
        s.rollback()


def test_closed_items_never_reach_the_invite(demo: Database) -> None:
    meeting_id, item_id = closed_item(demo)
    text, _meeting = invite_for(demo, meeting_id)
    event = ics_check.one(text, method="REQUEST")
    with demo.transaction() as s:
        closed = s.get(AgendaItem, item_id)
        assert closed is not None and closed.closed
        assert closed.title not in event.description
        public = s.scalars(
            select(AgendaItem.title).where(AgendaItem.meeting_id == meeting_id, AgendaItem.closed.is_(False))
        ).all()
    assert all(title in event.description for title in public)


def test_cancelled_meeting_gives_method_cancel_with_the_same_uid_and_a_higher_sequence(
    demo: Database,
) -> None:
    meeting_id = make_meeting(demo, days=20)
    before = ics_check.one(invite_for(demo, meeting_id)[0], method="REQUEST")
    with demo.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        service.cancel_meeting(s, meeting, actor_id=meeting.created_by or 0, reason="Formanden er syg")
    text, _meeting = invite_for(demo, meeting_id)
    after = ics_check.one(text, method="CANCEL")
    assert after.uid == before.uid and after.sequence > before.sequence
    assert after.status == "CANCELLED" and after.alarm_actions == []
    assert "Formanden er syg" in after.description


def test_the_alarm_follows_the_organisations_rule(demo: Database) -> None:
    with demo.transaction() as s:
        org = s.scalar(select(Organisation))
        assert org is not None
        org.rules = {**org.rules, "calendar_alarm_minutes": 90}
    event = ics_check.one(invite_for(demo, make_meeting(demo, days=20))[0], method="REQUEST")
    assert event.alarm_trigger == timedelta(minutes=-90)
    assert "TRIGGER:-PT1H30M" in ics_check.unfold(invite_for(demo, make_meeting(demo, days=21))[0])


def test_text_is_escaped_folded_and_survives_both_parsers() -> None:
    long = "Æ" * 100 + ", ; \\ " + "ø" * 50 + "\nny linje\r\nog en til"
    folded = calendar.fold("DESCRIPTION:" + calendar.text(long))
    for raw in folded.split("\r\n"):
        assert len(raw.encode()) <= 75
    assert calendar.param('Anne "A", B') == "\"Anne 'A', B\""
    assert calendar.param("Anne") == "Anne"
    assert calendar.text("a\x00b\x07c") == "abc"
    assert calendar.duration_before(120) == "-PT2H" and calendar.duration_before(45) == "-PT45M"


def test_invite_ics_endpoint_serves_readers_only(client: TestClient, demo: Database) -> None:
    meeting_id = make_meeting(demo, days=20)
    r = client.get(f"/api/v1/meetings/{meeting_id}/invite.ics", headers=api_token(demo, CHAIR))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/calendar")
    event = ics_check.one(r.text, method="REQUEST")
    assert event.attendees[0][0] == f"mailto:{CHAIR}"
    admin = client.get(f"/api/v1/meetings/{meeting_id}/invite.ics", headers=api_token(demo, ADMIN))
    assert ics_check.one(admin.text, method="REQUEST").uid == event.uid
    for outsider in (RESIDENT, MEMBER_SOEBAKKEN):  # a board meeting: residents and other boards see nothing
        r = client.get(f"/api/v1/meetings/{meeting_id}/invite.ics", headers=api_token(demo, outsider))
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/meetings/{meeting_id}/invite.ics").status_code == 401
