"""What a meeting's notice says: the e-mail's context, its calendar invite, and a paper letter's content.

One :class:`Notice` is made per sending and shared by every recipient: the parts that are the
same for everyone (details, agenda, deadlines) are rendered once per language, so a
1,000-household invitation renders little more than a greeting and RSVP links per person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

from boardkit.config import Settings
from boardkit.core import i18n
from boardkit.core.db import utcnow
from boardkit.core.templating import TZ, render
from boardkit.meetings import calendar, rsvp, timeline
from boardkit.meetings.models import RSVP_RESPONSES, Meeting
from boardkit.org.service import Person

# Letters say where proposals go (DOMAIN.md: in writing, to the board or the administration).
PROPOSALS_TO = "skriftligt til afdelingsbestyrelsen eller til administrationen"


def agenda_titles(meeting: Meeting) -> list[str]:
    """The agenda as a notice shows it: public items only."""
    return [item.title for item in meeting.items if not item.closed]


def deadlines(meeting: Meeting) -> dict[str, datetime]:
    rules = timeline.rules_for(meeting.board.organisation.rules)
    found = timeline.milestones(kind=meeting.kind, starts_at=meeting.starts_at, rules=rules)
    return {m.key: m.due for m in found}


def alarm_minutes(meeting: Meeting) -> int:
    """The calendar alarm before the meeting: rule ``calendar_alarm_minutes`` (default 2 hours)."""
    value = (meeting.board.organisation.rules or {}).get("calendar_alarm_minutes")
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 7 * 24 * 60:
        return value
    return calendar.DEFAULT_ALARM_MINUTES


def moment(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def recipient_line(names: list[str]) -> str:
    """The name on a household's letter: the residents (up to two), else the household."""
    if not names:
        return "Beboerne"
    return " og ".join(names) if len(names) <= 2 else "Husstanden"


@dataclass
class Notice:
    """Everything about a meeting that every e-mail and letter of one sending shares."""

    meeting: Meeting
    settings: Settings
    previous: dict[str, Any] = field(default_factory=dict)  # before a move: starts_at, location, room
    now: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        self.agenda = agenda_titles(self.meeting)
        self.deadlines = deadlines(self.meeting)
        self.organizer = calendar.organizer_for(self.meeting, self.settings.mail_from)
        self.alarm = alarm_minutes(self.meeting)
        self._blocks: dict[str, dict[str, str]] = {}

    @property
    def url(self) -> str:
        return self.settings.base_url + calendar.meeting_path(self.meeting.id)

    @property
    def proposals_url(self) -> str:
        return self.url + "/proposals" if self.meeting.is_department_meeting else ""

    @property
    def domain(self) -> str:
        return urlsplit(self.settings.base_url).hostname or "boardkit.local"

    def shared(self) -> dict[str, Any]:
        m = self.meeting
        return {
            "meeting": m,
            "board_name": m.board.name,
            "place": calendar.place_of(m) if m.location or m.room else "",
            "agenda": self.agenda,
            "proposals_due": self.deadlines.get("proposals_due") if m.is_department_meeting else None,
            "proposals_url": self.proposals_url,
            "meeting_url": self.url,
            "previous_starts_at": moment(self.previous.get("starts_at")),
            "previous_place": ", ".join(
                p for p in (self.previous.get("location"), self.previous.get("room")) if p
            ),
        }

    def blocks(self, language: str) -> dict[str, str]:
        """The meeting's details and agenda as text and HTML, rendered once per language."""
        language = i18n.normalise(language)
        if language not in self._blocks:
            ctx = self.shared()
            with i18n.language(language):
                self._blocks[language] = {
                    "details_txt": render("email/_meeting_details.txt", ctx),
                    "details_html": Markup(render("email/_meeting_details.html", ctx)),  # noqa: S704
                    "agenda_txt": render("email/_meeting_agenda.txt", ctx),
                    "agenda_html": Markup(render("email/_meeting_agenda.html", ctx)),  # noqa: S704
                }
        return self._blocks[language]

    def email_context(self, person: Person, kind: str) -> dict[str, Any]:
        link = rsvp.rsvp_url(
            base_url=self.settings.base_url,
            secret_key=self.settings.secret_key,
            meeting=self.meeting,
            person_id=person.id,
        )
        return {
            **self.shared(),
            "name": person.name,
            "kind": kind,
            "blocks": self.blocks(person.language),
            "rsvp": {r: f"{link}?response={r}" for r in RSVP_RESPONSES},
        }

    def ics(self, person: Person, response: str | None) -> str:
        """The invite (or cancellation) for one person, with them as the only ATTENDEE."""
        with i18n.language(person.language):
            return calendar.invite(
                self.meeting,
                base_url=self.settings.base_url,
                organizer=self.organizer,
                attendee=calendar.Attendee(person.email or "", person.name, response),
                agenda=self.agenda,
                alarm_minutes=self.alarm,
                now=self.now,
            )

    def letter_content(self) -> dict[str, Any]:
        """The notice's full content for a paper letter (the keys ``letter_text`` reads)."""
        m, board = self.meeting, self.meeting.board
        department = board.department
        content: dict[str, Any] = {
            "title": m.title,
            "meeting_kind": m.kind,
            "starts_at": m.starts_at.isoformat(),
            "ends_at": m.ends_at.isoformat(),
            "location": m.location,
            "room": m.room,
            "online_url": m.online_url,
            "agenda": self.agenda,
            "notice_date": self.now.astimezone(TZ).date().isoformat(),
            "board": board.name,
            "organisation": board.organisation.name,
            "department": department.name if department else "",
            "department_number": department.number if department else "",
            "sequence": m.sequence,
            "meeting_url": self.url,
        }
        if m.is_department_meeting:
            content["proposals_due"] = self.deadlines["proposals_due"].astimezone(TZ).date().isoformat()
            content["material_due"] = self.deadlines["material_due"].astimezone(TZ).date().isoformat()
            content["proposals_to"] = PROPOSALS_TO
            content["proposals_url"] = self.proposals_url
        if m.status == "cancelled":
            content["cancel_reason"] = m.cancel_reason
        if self.previous:
            content["previous"] = self.previous
        return content
