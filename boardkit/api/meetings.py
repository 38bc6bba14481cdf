"""REST API for meetings, their agenda, timeline and attachments (API.md); thin over meetings.service."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from boardkit.api.meetings_json import attachment_json, item_json, meeting_json, redacted_item_json
from boardkit.api.models import meetings as m
from boardkit.api.models.common import Attachment, out
from boardkit.api.openapi import Query, doc
from boardkit.api.schema import parse
from boardkit.core.errors import AppError, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Action
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, api
from boardkit.meetings import service
from boardkit.meetings.invitations import service as invitations_service
from boardkit.meetings.minutes import service as minutes_service
from boardkit.meetings.service import AgendaItem, ItemInput, Meeting, MeetingInput


def _query_moment(ctx: Ctx, name: str, *, end: bool) -> datetime | None:
    """``from``/``to`` as a date (whole Copenhagen days) or an ISO time with offset."""
    raw = ctx.request.query_params.get(name, "").strip()
    if not raw:
        return None
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw) + timedelta(days=1 if end else 0)
            return datetime.combine(day, time(0, 0), tzinfo=TZ)
        parsed = datetime.fromisoformat(raw) if len(raw) <= 40 else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise AppError(
            _("%(name)s skal være en dato (ÅÅÅÅ-MM-DD) eller et tidspunkt med tidszone.", name=name),
            code="bad_query",
            fields={name: "invalid"},
        )
    return parsed


# --- meetings -------------------------------------------------------------------------------


@doc(
    "Meetings I may see",
    ok=m.MeetingList,
    errors=(400,),
    op_id="listMeetings",
    query=(
        Query("board_id", {"type": "integer"}),
        Query("from", description="YYYY-MM-DD or ISO time"),
        Query("to", description="YYYY-MM-DD or ISO time"),
    ),
)
@api
def list_meetings(ctx: Ctx) -> dict[str, Any]:
    """Meetings I may see, by board and time window."""
    meetings = service.list_meetings(
        ctx.db,
        principal=ctx.principal,
        board_id=ctx.query_int("board_id"),
        start=_query_moment(ctx, "from", end=False),
        end=_query_moment(ctx, "to", end=True),
        limit=500,
    )
    return out(m.MeetingList(items=[meeting_json(ctx, found) for found in meetings], next=None))


def _meeting_input(body: m.MeetingChange, current: Meeting | None = None) -> MeetingInput:
    def pick(key: str) -> Any:
        return getattr(current, key) if current is not None and not body.given(key) else getattr(body, key)

    return MeetingInput(
        title=pick("title"),
        kind=pick("kind"),
        starts_at=pick("starts_at"),
        ends_at=pick("ends_at"),
        location=pick("location"),
        room=pick("room"),
        online_url=pick("online_url"),
        description=pick("description"),
        invite_substitutes=pick("invite_substitutes"),
        override_notice=body.override_notice,
        override_reason=body.override_reason,
    )


@doc(
    "Schedule a meeting (chair, admin)",
    ok=m.Meeting,
    status=201,
    body=m.NewMeeting,
    errors=(403, 404),
    op_id="createMeeting",
)
@api
def create_meeting(ctx: Ctx) -> Response:
    """Schedule a meeting with its starting agenda (422 ``notice_too_short`` without an override)."""
    body = parse(ctx, m.NewMeeting)
    meeting = service.create_meeting(
        ctx.db,
        principal=ctx.principal,
        actor_id=ctx.person_id,
        board_id=body.board_id,
        data=_meeting_input(body),
        domain=urlsplit(ctx.settings.base_url).hostname or "boardkit.local",
    )
    return JSONResponse(out(meeting_json(ctx, meeting)), status_code=201)


@doc("One meeting", ok=m.Meeting, op_id="getMeeting")
@api
def get_meeting(ctx: Ctx) -> dict[str, Any]:
    return out(meeting_json(ctx, service.meeting_for(ctx)))


@doc(
    "Change a meeting (chair, admin); a new time or place raises the sequence",
    ok=m.Meeting,
    body=m.MeetingChange,
    errors=(403,),
    op_id="updateMeeting",
)
@api
def update_meeting(ctx: Ctx) -> dict[str, Any]:
    """Change a meeting; a new time or place raises its SEQUENCE (invitees get an update)."""
    meeting = service.meeting_for(ctx, Action.MANAGE)
    data = _meeting_input(parse(ctx, m.MeetingChange), meeting)
    invitations_service.change_meeting(
        ctx.db, meeting, actor_id=ctx.person_id, data=data, settings=ctx.settings
    )
    return out(meeting_json(ctx, meeting))


@doc(
    "Cancel a meeting (chair, admin)",
    ok=m.Meeting,
    body=m.Cancel,
    body_required=False,
    errors=(403,),
    op_id="cancelMeeting",
)
@api
def cancel_meeting(ctx: Ctx) -> dict[str, Any]:
    meeting = service.meeting_for(ctx, Action.MANAGE)
    reason = parse(ctx, m.Cancel, optional=True).reason
    invitations_service.cancel_meeting(
        ctx.db, meeting, actor_id=ctx.person_id, reason=reason, settings=ctx.settings
    )
    return out(meeting_json(ctx, meeting))


@doc("Statutory dates with status", ok=m.Timeline, op_id="getMeetingTimeline")
@api
def meeting_timeline(ctx: Ctx) -> dict[str, Any]:
    """The statutory dates with their status (done, upcoming, due_today, overdue)."""
    meeting = service.meeting_for(ctx)
    minutes = minutes_service.find_minutes(ctx.db, meeting_id=meeting.id)
    timeline = service.timeline_of(
        meeting, minutes_done=minutes is not None and minutes.status == "published"
    )
    return out(m.Timeline.model_validate(timeline))


# --- agenda ---------------------------------------------------------------------------------


@doc("The agenda as I may see it", ok=m.AgendaItemList, op_id="listAgendaItems")
@api
def list_items(ctx: Ctx) -> dict[str, Any]:
    """The agenda with the meeting's item numbers: a closed item the caller may not read is only
    "Lukket punkt"; items about a person or a complaint are left out for residents."""
    meeting = service.load_agenda(ctx.db, service.meeting_for(ctx))
    items = [
        item_json(ctx, line.item) if line.item is not None else redacted_item_json(meeting, line.number)
        for line in service.agenda_lines(ctx.principal, meeting)
    ]
    return out(m.AgendaItemList(items=items, next=None))


def _item_input(body: m.ItemChange, current: AgendaItem | None = None) -> ItemInput:
    def pick(key: str) -> Any:
        return getattr(current, key) if current is not None and not body.given(key) else getattr(body, key)

    return ItemInput(
        title=pick("title"),
        description=pick("description"),
        kind=pick("kind"),
        closed=pick("closed"),
        person_case=pick("person_case"),
        presenter=pick("presenter"),
        minutes_allotted=pick("minutes_allotted"),
        position=pick("position"),
    )


@doc(
    "Add an agenda item (chair, admin)",
    ok=m.AgendaItem,
    status=201,
    body=m.ItemChange,
    errors=(403,),
    op_id="createAgendaItem",
)
@api
def create_item(ctx: Ctx) -> Response:
    meeting = service.load_agenda(ctx.db, service.meeting_for(ctx, Action.MANAGE))
    item = service.add_item(
        ctx.db, meeting, actor_id=ctx.person_id, data=_item_input(parse(ctx, m.ItemChange))
    )
    return JSONResponse(out(item_json(ctx, item)), status_code=201)


def _item(ctx: Ctx) -> AgendaItem:
    return service.get_item(
        ctx.db, principal=ctx.principal, item_id=ctx.int_param("item_id"), action=Action.MANAGE
    )


@doc(
    "Change or move an agenda item (chair, admin)",
    ok=m.AgendaItem,
    body=m.ItemChange,
    errors=(403,),
    op_id="updateAgendaItem",
)
@api
def update_item(ctx: Ctx) -> dict[str, Any]:
    item = _item(ctx)
    service.update_item(
        ctx.db, item, actor_id=ctx.person_id, data=_item_input(parse(ctx, m.ItemChange), item)
    )
    return out(item_json(ctx, item))


@doc("Delete an agenda item (chair, admin)", status=204, errors=(403,), op_id="deleteAgendaItem")
@api
def delete_item(ctx: Ctx) -> Response:
    service.delete_item(ctx.db, _item(ctx), actor_id=ctx.person_id)
    return Response(status_code=204)


@doc(
    "Attach a file (chair, admin): PDF and images by content; other files kept as downloads",
    ok=Attachment,
    status=201,
    upload=True,
    errors=(403, 413, 415),
    op_id="uploadAttachment",
)
@api
def upload_attachment(ctx: Ctx) -> Response:
    """A file by multipart field ``file``: checked by content (415 when disguised, 413 when too large)."""
    item = _item(ctx)
    files = ctx.files.get("file", [])
    if not files:
        raise ValidationFailed(
            _("Send filen i feltet “file” (multipart/form-data)."), fields={"file": "required"}
        )
    attachment = service.add_attachment(
        ctx.db,
        item,
        store=ctx.store,
        actor_id=ctx.person_id,
        filename=files[0].filename,
        data=files[0].data,
        declared_type=files[0].content_type,
    )
    return JSONResponse(out(attachment_json(ctx, attachment)), status_code=201)


@doc(
    "The file (readers of its item); PDFs and images inline, others as downloads",
    content="application/octet-stream",
    query=(Query("download", {"enum": ["1"]}),),
    op_id="getAttachment",
)
@api
def get_attachment(ctx: Ctx) -> Response:
    """The file, for readers of its item (closed items only for those allowed)."""
    attachment = service.get_attachment(
        ctx.db, principal=ctx.principal, attachment_id=ctx.int_param("attachment_id")
    )
    return service.attachment_response(ctx, attachment)


routes = [
    Route("/meetings", list_meetings, methods=["GET"], name="meetings"),
    Route("/meetings", create_meeting, methods=["POST"], name="meeting_create"),
    Route("/meetings/{meeting_id:id}", get_meeting, methods=["GET"], name="meeting"),
    Route("/meetings/{meeting_id:id}", update_meeting, methods=["PATCH"], name="meeting_update"),
    Route("/meetings/{meeting_id:id}/cancel", cancel_meeting, methods=["POST"], name="meeting_cancel"),
    Route("/meetings/{meeting_id:id}/timeline", meeting_timeline, name="meeting_timeline"),
    Route("/meetings/{meeting_id:id}/agenda-items", list_items, methods=["GET"], name="agenda_items"),
    Route("/meetings/{meeting_id:id}/agenda-items", create_item, methods=["POST"], name="agenda_item_create"),
    Route("/agenda-items/{item_id:id}", update_item, methods=["PATCH"], name="agenda_item_update"),
    Route("/agenda-items/{item_id:id}", delete_item, methods=["DELETE"], name="agenda_item_delete"),
    Route(
        "/agenda-items/{item_id:id}/attachments",
        upload_attachment,
        methods=["POST"],
        name="attachment_upload",
    ),
    Route("/attachments/{attachment_id:id}", get_attachment, name="attachment"),
]
