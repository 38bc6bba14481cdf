"""The meeting and agenda forms of the web pages: what was typed → service input, and back."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from boardkit.core.i18n import _
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx
from boardkit.meetings.models import ITEM_KINDS, AgendaItem, Meeting
from boardkit.meetings.service import ItemInput, MeetingInput

# Which meetings each kind of board calls (the API leaves the finer rule to the service).
KINDS_FOR_BOARD = {
    "department_board": ("board", "ordinary_department", "extraordinary_department"),
    "organisation_board": ("board",),
    "committee": ("committee",),
}
# The service's field names → the form's inputs (the error summary links to the input).
MEETING_FIELD_IDS = {"starts_at": "date", "ends_at": "end", "kind": "kind"}


def kinds_for(board_kind: str) -> tuple[str, ...]:
    return KINDS_FOR_BOARD.get(board_kind, ("board",))


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _clock(raw: str) -> time | None:
    try:
        return time.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def local_datetime(day: date, at: time) -> datetime:
    """A Copenhagen wall-clock time as an aware datetime (stored as UTC)."""
    return datetime.combine(day, at.replace(second=0, microsecond=0), tzinfo=TZ)


def meeting_input(ctx: Ctx, *, kinds: tuple[str, ...]) -> tuple[MeetingInput, dict[str, str]]:
    """The meeting form as service input, with errors for what cannot even be read."""
    errors: dict[str, str] = {}
    day, start, end = _day(ctx.value("date")), _clock(ctx.value("start")), _clock(ctx.value("end"))
    if day is None:
        errors["date"] = _("Skriv datoen, fx 15-03-2027.")
    if start is None:
        errors["start"] = _("Skriv starttidspunktet, fx 19:00.")
    if end is None:
        errors["end"] = _("Skriv sluttidspunktet, fx 21:00.")
    kind = ctx.value("kind")
    if kind not in kinds:
        errors["kind"] = _("Vælg en mødetype fra listen.")
    data = MeetingInput(
        title=ctx.value("title"),
        kind=kind,
        starts_at=local_datetime(day, start) if day and start else None,
        ends_at=local_datetime(day, end) if day and end else None,
        location=ctx.value("location"),
        room=ctx.value("room"),
        online_url=ctx.value("online_url"),
        description=ctx.value("description"),
        invite_substitutes=bool(ctx.value("invite_substitutes")),
        override_notice=bool(ctx.value("override_notice")),
        override_reason=ctx.value("override_reason"),
    )
    if data.override_notice and not data.override_reason:
        errors["override_reason"] = _("Skriv, hvorfor mødet indkaldes med kortere varsel.")
    return data, errors


def meeting_errors(fields: dict[str, Any]) -> dict[str, str]:
    """The service's field errors keyed by the form's input ids."""
    return {MEETING_FIELD_IDS.get(k, k): str(v) for k, v in fields.items() if k != "override_notice"}


def meeting_values(meeting: Meeting) -> dict[str, Any]:
    """The edit form filled from a meeting (local date and times)."""
    starts, ends = meeting.starts_at.astimezone(TZ), meeting.ends_at.astimezone(TZ)
    return {
        "title": meeting.title,
        "kind": meeting.kind,
        "date": starts.date().isoformat(),
        "start": starts.strftime("%H:%M"),
        "end": ends.strftime("%H:%M"),
        "location": meeting.location,
        "room": meeting.room,
        "online_url": meeting.online_url,
        "description": meeting.description,
        "invite_substitutes": "1" if meeting.invite_substitutes else "",
    }


def item_input(ctx: Ctx) -> tuple[ItemInput, dict[str, str]]:
    errors: dict[str, str] = {}
    raw_minutes = ctx.value("minutes_allotted")
    minutes: int | None = None
    if raw_minutes:
        if raw_minutes.isdigit() and len(raw_minutes) <= 4:
            minutes = int(raw_minutes)
        else:
            errors["minutes_allotted"] = _("Skriv et antal minutter mellem 1 og 600.")
    kind = ctx.value("kind", "information")
    data = ItemInput(
        title=ctx.value("title"),
        description=ctx.value("description"),
        kind=kind if kind in ITEM_KINDS else "",
        closed=bool(ctx.value("closed")),
        person_case=bool(ctx.value("person_case")),
        presenter=ctx.value("presenter"),
        minutes_allotted=minutes,
    )
    return data, errors


def item_values(item: AgendaItem) -> dict[str, Any]:
    return {
        "title": item.title,
        "description": item.description,
        "kind": item.kind,
        "closed": "1" if item.closed else "",
        "person_case": "1" if item.person_case else "",
        "presenter": item.presenter,
        "minutes_allotted": "" if item.minutes_allotted is None else str(item.minutes_allotted),
    }
