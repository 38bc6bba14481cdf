"""What a meeting's notice says: the e-mail's context, its calendar invite, and a paper letter's content.

One :class:`Notice` is made per sending and shared by every recipient: each e-mail template is
rendered once per language with marks where a person's name and RSVP link go, and the calendar
event once per language without its ATTENDEE, so 1,000 households' invitations cost little more
than string replacement per person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from markupsafe import escape
from sqlalchemy.orm import Session

from boardkit.config import Settings
from boardkit.core import i18n, mail
from boardkit.core.db import utcnow
from boardkit.core.models import OutboxEmail
from boardkit.core.templating import TZ, render
from boardkit.meetings import calendar, rsvp, timeline
from boardkit.meetings.models import RSVP_RESPONSES, Meeting
from boardkit.org.service import Person

# Where each recipient's own name and RSVP link go in the message rendered once for all.
NAME_MARK = "__boardkit_name__"
LINK_MARK = "__boardkit_rsvp__"
INVITE_FILE = "invite.ics"
# Letters say where proposals go (DOMAIN.md: in writing, to the board or the administration).
PROPOSALS_TO = "skriftligt til afdelingsbestyrelsen eller til administrationen"


def agenda_titles(meeting: Meeting) -> list[calendar.AgendaEntry]:
    """The agenda as a notice shows it: (number, title) with the meeting's own item numbers, a
    closed item as "Lukket punkt" (title None), person and complaint cases left out."""
    return calendar.agenda_entries(meeting.items)


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
        self._shared: dict[str, Any] | None = None
        self._mails: dict[tuple[str, str], tuple[str, str, str]] = {}
        self._events: dict[str, list[str]] = {}

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
        """The e-mail templates' context that is the same for every recipient."""
        if self._shared is None:
            m, before = self.meeting, self.previous
            self._shared = {
                "meeting": m,
                "board_name": m.board.name,
                "place": calendar.place_of(m) if m.location or m.room else "",
                "agenda": self.agenda,
                "proposals_due": self.deadlines.get("proposals_due") if m.is_department_meeting else None,
                "proposals_url": self.proposals_url,
                "meeting_url": self.url,
                "previous_starts_at": moment(before.get("starts_at")),
                "previous_place": ", ".join(p for p in (before.get("location"), before.get("room")) if p),
            }
        return self._shared

    def _rendered(self, template: str, language: str) -> tuple[str, str, str]:
        """Subject, text and HTML in one language, with marks where each person's name and link go."""
        key = (template, i18n.normalise(language))
        if key not in self._mails:
            ctx = {
                **self.shared(),
                "name": NAME_MARK,
                "rsvp": {r: f"{LINK_MARK}?response={r}" for r in RSVP_RESPONSES},
            }
            with i18n.language(key[1]):
                subject = " ".join(render(f"email/{template}/subject.txt", ctx).split())
                self._mails[key] = (
                    subject,
                    render(f"email/{template}/body.txt", ctx),
                    render(f"email/{template}/body.html", ctx),
                )
        return self._mails[key]

    def email(self, person: Person, template: str, response: str | None) -> OutboxEmail:
        """The message to one person: the shared rendering with their name, RSVP link and invite."""
        subject, text, html = self._rendered(template, person.language)
        link = rsvp.rsvp_url(
            base_url=self.settings.base_url,
            secret_key=self.settings.secret_key,
            meeting=self.meeting,
            person_id=person.id,
        )
        ics = self.ics(person, response)
        return mail.compose_mail(
            to=mail.Recipient(person.email or "", person.name, person.language, person.id),
            template=template,
            subject=subject.replace(NAME_MARK, person.name),
            text=text.replace(NAME_MARK, person.name).replace(LINK_MARK, link),
            html=html.replace(NAME_MARK, str(escape(person.name))).replace(LINK_MARK, link),
            domain=self.domain,
            attachments=[
                {"filename": "invite.ics", "content_type": calendar.content_type(ics), "content": ics}
            ],
            organisation_id=self.meeting.board.organisation_id,
            secret_key=self.settings.secret_key,  # seals the RSVP links
        )

    def ics(self, person: Person, response: str | None) -> str:
        """The invite (or cancellation) for one person, with them as the only ATTENDEE."""
        language = i18n.normalise(person.language)
        if language not in self._events:
            with i18n.language(language):
                self._events[language] = calendar.event_lines(
                    self.meeting,
                    base_url=self.settings.base_url,
                    organizer=self.organizer,
                    agenda=self.agenda,
                    alarm_minutes=self.alarm,
                    now=self.now,
                )
        attendee = calendar.Attendee(person.email or "", person.name, response)
        lines = calendar.with_attendee(self._events[language], attendee)
        return calendar.calendar(
            [lines], method="CANCEL" if self.meeting.status == "cancelled" else "REQUEST"
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
            # Letters are Danish whatever the reader's language (see letter_text).
            "agenda": [
                {"number": n, "title": "Lukket punkt" if title is None else title, "closed": title is None}
                for n, title in self.agenda
            ],
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


def invite_ics(db: Session, *, meeting: Meeting, settings: Settings, person: Person | None) -> str:
    """The event as the invitee gets it (REQUEST, or CANCEL once cancelled), for download."""
    attendee = None
    if person is not None and person.email:
        response = rsvp.get_response(db, meeting_id=meeting.id, person_id=person.id)
        attendee = calendar.Attendee(person.email, person.name, response)
    return calendar.invite(
        meeting,
        base_url=settings.base_url,
        organizer=calendar.organizer_for(meeting, settings.mail_from),
        attendee=attendee,
        agenda=agenda_titles(meeting),
        alarm_minutes=alarm_minutes(meeting),
    )
