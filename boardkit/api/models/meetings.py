"""Meetings, their agenda, timeline, invitations, answers and packs: request bodies and answers."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import Field

from boardkit.api.models.common import Attachment, Date, Out, Page, Time, Url
from boardkit.api.schema import Body, Flag, Id, MaybeMoment, Moment, Number, Text, one_of
from boardkit.core.i18n import lazy_gettext

MeetingKind = Literal["board", "ordinary_department", "extraordinary_department", "committee"]
ItemKind = Literal["information", "discussion", "decision"]
RsvpResponse = Literal["accepted", "declined", "tentative"]

# --- requests -------------------------------------------------------------------------------


class MeetingChange(Body):
    """A change to a meeting: keys left out keep their value."""

    title: Text = ""
    kind: Text = one_of(get_args(MeetingKind))
    starts_at: MaybeMoment = None
    ends_at: MaybeMoment = None
    location: Text = ""
    room: Text = ""
    online_url: Text = ""
    description: Text = ""
    invite_substitutes: Flag = False
    override_notice: Flag = Field(False, description="Hold it inside the notice period (with a reason)")
    override_reason: Text = ""


class _OnBoard(Body):
    board_id: Id


class NewMeeting(MeetingChange, _OnBoard):
    """A meeting to schedule (with its starting agenda); ``board_id`` first, as errors list it."""

    missing = {
        "starts_at": lazy_gettext("Skal udfyldes, fx 2027-03-15T19:00:00+01:00."),
        "ends_at": lazy_gettext("Skal udfyldes, fx 2027-03-15T19:00:00+01:00."),
    }

    starts_at: Moment
    ends_at: Moment


class Cancel(Body):
    reason: Text = ""


class ItemChange(Body):
    """An agenda item's fields: keys left out keep their value (a new item: the defaults)."""

    title: Text = ""
    description: Text = ""
    kind: Text = one_of(get_args(ItemKind), "information")
    closed: Flag = False
    person_case: Flag = Field(
        False, description="About a person or a complaint: always closed, and left out entirely for residents"
    )
    presenter: Text = ""
    minutes_allotted: Number = None
    position: Number = None


class RsvpBody(Body):
    response: Text = one_of(get_args(RsvpResponse))


class NoteBody(Body):
    text: Text


# --- answers --------------------------------------------------------------------------------


class Meeting(Out):
    id: int
    board_id: int
    board_name: str
    department_id: int | None
    kind: MeetingKind
    title: str
    description: str
    starts_at: Time
    ends_at: Time
    location: str
    room: str
    online_url: str
    status: Literal["planned", "invited", "held", "cancelled"]
    cancel_reason: str | None
    invited_at: Time | None
    invite_substitutes: bool
    sequence: int
    uid: str
    url: Url


class MeetingList(Page):
    items: list[Meeting]


class AgendaItem(Out):
    id: int | None
    meeting_id: int
    position: int
    title: str
    description: str
    kind: ItemKind | None
    closed: bool
    person_case: bool
    redacted: bool = Field(
        description="A closed item the caller may not read: only its number (position) and the title "
        "“Lukket punkt”; id and kind null, no description, presenter or files"
    )
    presenter: str
    minutes_allotted: int | None
    role: str | None
    previous_meeting_id: int | None
    attachments: list[Attachment]


class AgendaItemList(Page):
    items: list[AgendaItem]


class Milestone(Out):
    due: Time
    date: Date
    status: Literal["done", "upcoming", "due_today", "overdue"]


class Timeline(Out):
    notice_by: Milestone
    proposals_due: Milestone | None = None
    material_due: Milestone
    minutes_due: Milestone | None = None


class Sent(Out):
    queued: int = Field(description="e-mails queued now")
    paper: int = Field(description="letters put in the print batch now")
    unreachable: int = Field(description="invitees with no e-mail address (board meetings)")
    already: int = Field(description="invitees who already had this version")
    status: str


class RsvpCounts(Out):
    accepted: int
    declined: int
    tentative: int
    no_answer: int


class RsvpEntry(Out):
    person_id: int
    name: str
    response: RsvpResponse
    responded_at: Time


class Rsvps(Out):
    counts: RsvpCounts
    invited: int = Field(description="people invited by e-mail")
    items: list[RsvpEntry]
    next: str | None


class RsvpAnswer(Out):
    meeting_id: int
    person_id: int
    response: RsvpResponse
    responded_at: Time


class PackVersion(Out):
    number: int
    built_at: Time
    pages: int
    changes: list[dict[str, Any]] = Field(
        description="item_added, item_removed, item_changed (fields), file_added, file_removed, file_replaced"
    )


class PackVersions(Out):
    published_at: Time | None
    items: list[PackVersion]
    next: str | None


class Note(Out):
    agenda_item_id: int
    text: str
    updated_at: Time | None
