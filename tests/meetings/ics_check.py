"""Read an iCalendar text back with two independent parsers (vobject, icalendar) and check it ourselves.

Meetings have a start and end in local time (``DTSTART;TZID=Europe/Copenhagen``); the personal feed
also holds all-day events of other domains (``core.calendar_extras``, e.g. the year plan), written as
dates (``DTSTART;VALUE=DATE``): those come back with ``all_day`` set and ``start``/``end`` as dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import vobject

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def unfold(text: str) -> list[str]:
    """Content lines as RFC 5545 defines them: CRLF + a space or tab continues a line."""
    assert "\r\n" in text, "content lines must end with CRLF"
    lines: list[str] = []
    for raw in text.split("\r\n"):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        elif raw:
            lines.append(raw)
    return lines


@dataclass
class Event:
    """What the tests need from one VEVENT, as both parsers read it."""

    uid: str
    sequence: int
    start: datetime  # a date for an all-day event
    end: datetime
    summary: str
    location: str
    url: str
    description: str
    status: str
    organizer: str
    attendees: list[tuple[str, dict[str, Any]]]  # (mailto address, params)
    alarm_actions: list[str]
    alarm_trigger: timedelta | None
    all_day: bool = False


def parse(text: str, *, method: str) -> list[Event]:
    """Every VEVENT of ``text``, after checking what a calendar client relies on."""
    assert len(text.encode()) == len(text.encode("utf-8"))
    for raw in text.split("\r\n"):
        assert len(raw.encode()) <= 75, f"line longer than 75 octets: {raw!r}"
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    assert any(line.startswith("PRODID:") for line in lines)
    assert f"METHOD:{method}" in lines, f"no METHOD:{method}"
    # The time zone the events' TZID points at is defined in the file (Outlook needs it).
    assert "BEGIN:VTIMEZONE" in lines and "TZID:Europe/Copenhagen" in lines
    times = [line for line in lines[lines.index("END:VTIMEZONE") :] if line.startswith(("DTSTART", "DTEND"))]
    days = [line for line in times if line.startswith(("DTSTART;VALUE=DATE:", "DTEND;VALUE=DATE:"))]
    times = [line for line in times if line not in days]
    if times:
        assert any(line.startswith("DTSTART;TZID=Europe/Copenhagen:") for line in times), (
            "no DTSTART with TZID"
        )
    for line in times:  # local time, or UTC only where local time is ambiguous (the night clocks go back)
        assert ";TZID=Europe/Copenhagen:" in line or line.endswith("Z"), line
    for line in days:  # an all-day event: a bare date, YYYYMMDD
        assert len(line.rsplit(":", 1)[1]) == 8 and line.rsplit(":", 1)[1].isdigit(), line

    # Parser 1: vobject, which builds the zone from the file's own VTIMEZONE.
    v = vobject.readOne(text)
    assert v.method.value == method
    vevents = list(v.vevent_list)
    # Parser 2: icalendar.
    cal = icalendar.Calendar.from_ical(text)
    assert str(cal["METHOD"]) == method
    ievents = list(cal.walk("VEVENT"))
    assert len(vevents) == len(ievents) >= 1

    events = []
    for ve, ie in zip(vevents, ievents, strict=True):
        for name in ("uid", "dtstamp", "dtstart", "dtend", "sequence", "summary", "organizer"):
            assert hasattr(ve, name), f"VEVENT without {name.upper()}"
        stamp = ve.dtstamp.value
        assert stamp.tzinfo is not None and stamp.utcoffset() == timedelta(0), "DTSTAMP must be UTC"
        start, end = ve.dtstart.value, ve.dtend.value
        if type(start) is date:
            events.append(_all_day(ve, ie))
            continue
        # Local Copenhagen time from the file's VTIMEZONE (+01:00 in winter, +02:00 in summer), or UTC
        # for a time in the hour that happens twice the night the clocks go back.
        if start.utcoffset() == timedelta(0):
            local = start.astimezone(COPENHAGEN)
            assert local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset(), "UTC for no reason"
        else:
            assert start.utcoffset() in (timedelta(hours=1), timedelta(hours=2))
        # Both parsers agree on the instant (icalendar uses its own zone database for the TZID). Compared
        # in UTC: Python never calls a time in the repeated autumn hour equal to one in another zone.
        assert ie.decoded("DTSTART").astimezone(UTC) == start.astimezone(UTC)
        assert ie.decoded("DTEND").astimezone(UTC) == end.astimezone(UTC)
        assert str(ie["UID"]) == ve.uid.value
        assert int(ie["SEQUENCE"]) == int(ve.sequence.value)
        attendees = [(a.value, dict(a.params)) for a in getattr(ve, "attendee_list", [])]
        for _address, params in attendees:
            assert params.get("RSVP") == ["TRUE"], "an ATTENDEE must be asked to answer"
            assert params.get("PARTSTAT"), "ATTENDEE without PARTSTAT"
        alarms = list(getattr(ve, "valarm_list", []))
        actions = [a.action.value for a in alarms]
        assert all(actions), "VALARM without ACTION"
        trigger = alarms[0].trigger.value if alarms else None
        events.append(
            Event(
                uid=ve.uid.value,
                sequence=int(ve.sequence.value),
                start=start.astimezone(UTC),
                end=end.astimezone(UTC),
                summary=ve.summary.value,
                location=ve.location.value if hasattr(ve, "location") else "",
                url=ve.url.value if hasattr(ve, "url") else "",
                description=ve.description.value if hasattr(ve, "description") else "",
                status=ve.status.value if hasattr(ve, "status") else "",
                organizer=ve.organizer.value,
                attendees=attendees,
                alarm_actions=actions,
                alarm_trigger=trigger,
            )
        )
    return events


def _all_day(ve: Any, ie: Any) -> Event:
    """An all-day VEVENT: dates in both parsers, the end the day after the last day, free time, no
    attendees (nobody is invited to a date of a plan)."""
    start, end = ve.dtstart.value, ve.dtend.value
    assert type(end) is date and end > start, "an all-day event ends on a later date"
    assert ie.decoded("DTSTART") == start and ie.decoded("DTEND") == end
    assert str(ie["UID"]) == ve.uid.value
    assert int(ie["SEQUENCE"]) == int(ve.sequence.value)
    assert ve.transp.value == "TRANSPARENT", "an all-day event of a plan must not block the day"
    assert not getattr(ve, "attendee_list", []), "an all-day event has no attendees"
    return Event(
        uid=ve.uid.value,
        sequence=int(ve.sequence.value),
        start=start,
        end=end,
        summary=ve.summary.value,
        location="",
        url=ve.url.value if hasattr(ve, "url") else "",
        description=ve.description.value if hasattr(ve, "description") else "",
        status=ve.status.value if hasattr(ve, "status") else "",
        organizer=ve.organizer.value,
        attendees=[],
        alarm_actions=[a.action.value for a in getattr(ve, "valarm_list", [])],
        alarm_trigger=None,
        all_day=True,
    )


def meetings(events: list[Event]) -> list[Event]:
    """The meetings of a feed: its events without the all-day ones."""
    return [e for e in events if not e.all_day]


def one(text: str, *, method: str) -> Event:
    events = parse(text, method=method)
    assert len(events) == 1
    return events[0]
