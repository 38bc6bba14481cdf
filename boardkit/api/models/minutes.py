"""Minutes, their comments and the decision register: request bodies and answers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from boardkit.api.models.common import Date, Out, Page, Time, Url, Votes
from boardkit.api.schema import Body, Day, Flag, Id, Number, Text, fail, one_of
from boardkit.core.i18n import _, lazy_gettext

VOTES_TEXT = "Whole numbers from 0; at department meetings at most 2 per household represented"


def _agenda_item_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise fail(_("Skriv punktets agenda_item_id."))
    return value


def _attendance(value: Any) -> Any:
    """One line of attendance: a person's id (a whole number) and a status, or one message for it."""
    person = value.get("person_id") if isinstance(value, dict) else None
    status = value.get("status") if isinstance(value, dict) else None
    if isinstance(person, bool) or not isinstance(person, int) or not isinstance(status, str):
        raise fail(_("Skriv person_id (tal) og status."))
    return value


def _minutes_item(value: Any) -> Any:
    """Not an object: said as the item's missing agenda_item_id (what the writer must give)."""
    return value if isinstance(value, dict) else {}


def _votes(value: Any) -> dict[str, Any] | None:
    """Passed on as given (the service judges the numbers); it must be an object."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise fail(_("Skal være et objekt med for, against og blank."))
    return {str(k): v for k, v in value.items()}


VOTES_SCHEMA = {
    "type": ["object", "null"],
    "properties": {k: {"type": "integer", "minimum": 0} for k in ("for", "against", "blank")},
    "description": VOTES_TEXT,
}
VotesIn = Annotated[dict[str, Any] | None, BeforeValidator(_votes), Field(json_schema_extra=VOTES_SCHEMA)]

# --- requests -------------------------------------------------------------------------------


class AttendanceIn(Body):
    person_id: int
    status: Text = one_of(["present", "absent", "excused"])


class MinutesItemIn(Body):
    agenda_item_id: Annotated[int, BeforeValidator(_agenda_item_id)]
    notes: Text = ""
    decision: Text = ""
    votes: VotesIn = None
    carried_over: Flag = Field(False, description="Udsat til næste møde")


TERM_TEXT = (
    "A term ends on term_end (a date after the meeting) or at the ordinary department meeting of until_year"
)


class ElectedIn(Body):
    person_id: Id
    role: Text = one_of(["member", "chair"], "member", description="chair: elected directly by the meeting")
    term_end: Day = Field(None, description=TERM_TEXT)
    until_year: Number = None


class SubstituteIn(Body):
    person_id: Id
    order: Number = Field(None, description="1, 2 …: the order substitutes step in")
    term_end: Day = Field(None, description=TERM_TEXT)
    until_year: Number = None


class ElectionIn(Body):
    """The election of an ordinary department meeting: elected must be adults of the department's
    households; leaving are current members and substitutes (person ids)."""

    elected: list[ElectedIn] = []
    substitutes: list[SubstituteIn] = []
    leaving: list[Id] = []


class MinutesBody(Body):
    """The minutes as written (a draft in place; after submission a new version)."""

    missing = {"agenda_item_id": lazy_gettext("Skriv punktets agenda_item_id.")}

    meeting_chair: Text = ""
    minute_taker: Text = ""
    minute_taker_id: Number = None
    attendance: list[Annotated[AttendanceIn, BeforeValidator(_attendance)]] = []
    residents_present: Number = None
    households_represented: Number = None
    items: list[Annotated[MinutesItemIn, BeforeValidator(_minutes_item)]] = []
    election: ElectionIn | None = Field(None, description="Ordinary department meetings only; null: none")


class CommentBody(Body):
    text: Text = ""


class DecisionStatusBody(Body):
    status: Text = one_of(["open", "in_progress", "done"])
    note: Text = Field("", description="Left out: the note is kept; empty: no note")


# --- answers --------------------------------------------------------------------------------


class Attendance(Out):
    person_id: int
    name: str
    status: Literal["present", "absent", "excused"]


class MinutesItem(Out):
    """An item of the minutes; a closed item as residents see it has its number only (``redacted``)."""

    agenda_item_id: int
    number: int
    title: str = ""
    closed: bool
    person_case: bool = False
    kind: Literal["information", "discussion", "decision"] | None = None
    notes: str = ""
    decision: str = ""
    votes: Votes | None = Field(None, description=VOTES_TEXT)
    redacted: bool = Field(False, description="A closed item as residents see it: number only")
    carried_over: bool = Field(False, description="Udsat til næste møde")


class Elected(Out):
    person_id: int
    name: str
    role: Literal["member", "chair"]
    term_end: Date | None
    until_year: int | None


class ElectedSubstitute(Out):
    person_id: int
    name: str
    order: int
    term_end: Date | None
    until_year: int | None


class Leaving(Out):
    person_id: int
    name: str
    role: str


class Election(Out):
    elected: list[Elected]
    substitutes: list[ElectedSubstitute]
    leaving: list[Leaving]


class Approval(Out):
    person_id: int
    name: str
    approved_at: Time | None


class ReadStats(Out):
    households_read: int
    households_total: int
    persons_read: int
    persons_total: int


class Minutes(Out):
    meeting_id: int
    status: Literal["draft", "submitted", "approved", "published"]
    version: int
    meeting_chair: str | None
    minute_taker: str | None
    minute_taker_id: int | None
    attendance: list[Attendance]
    residents_present: int | None
    households_represented: int | None
    items: list[MinutesItem]
    election: Election | None = Field(None, description="Ordinary department meetings: the election result")
    submitted_at: Time | None
    approved_at: Time | None
    published_at: Time | None
    url: Url
    pdf_url: Url
    approvals: list[Approval] = Field(
        [], description="Board and administration only: whose approval counts, and when given"
    )
    read: ReadStats | None = Field(
        None, description="Chair and administration, once published: read receipts of the notice"
    )


class Comment(Out):
    id: int
    version: int
    text: str
    created_at: Time | None


class Decision(Out):
    id: int
    meeting_id: int
    meeting_title: str
    agenda_item_id: int | None
    item_number: int
    item_title: str
    department_id: int | None
    department_name: str | None
    board_id: int
    board_name: str
    date: Date
    text: str
    closed: bool
    votes: Votes | None = Field(description=VOTES_TEXT)
    minutes_url: Url
    status: Literal["open", "in_progress", "done"]
    status_changed_at: Time | None = None
    status_note: str = ""


class DecisionList(Page):
    items: list[Decision]
