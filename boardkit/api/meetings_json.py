"""Meetings, agenda items and attachments as the API answers them (the models of api/models/meetings)."""

from __future__ import annotations

from datetime import datetime

from boardkit.api.models import common
from boardkit.api.models import meetings as m
from boardkit.core.i18n import _
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx
from boardkit.meetings.service import AgendaItem, Attachment, Meeting


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(TZ).isoformat() if value else None


def meeting_json(ctx: Ctx, meeting: Meeting) -> m.Meeting:
    return m.Meeting(
        id=meeting.id,
        board_id=meeting.board_id,
        board_name=meeting.board.name,
        department_id=meeting.department_id,
        kind=meeting.kind,
        title=meeting.title,
        description=meeting.description,
        starts_at=_iso(meeting.starts_at),
        ends_at=_iso(meeting.ends_at),
        location=meeting.location,
        room=meeting.room,
        online_url=meeting.online_url,
        status=meeting.status,
        cancel_reason=meeting.cancel_reason or None,
        invited_at=_iso(meeting.invited_at),
        invite_substitutes=meeting.invite_substitutes,
        sequence=meeting.sequence,
        uid=meeting.uid,
        url=ctx.absolute_url("meeting", meeting_id=meeting.id),
    )


def attachment_json(ctx: Ctx, a: Attachment) -> common.Attachment:
    return common.Attachment(
        id=a.id,
        filename=a.filename,
        content_type=a.content_type,
        size=a.size,
        pages=a.pages,
        url=ctx.absolute_url("api:attachment", attachment_id=a.id),
    )


def item_json(ctx: Ctx, item: AgendaItem) -> m.AgendaItem:
    return m.AgendaItem(
        id=item.id,
        meeting_id=item.meeting_id,
        position=item.position,
        title=item.title,
        description=item.description,
        kind=item.kind,
        closed=item.closed,
        person_case=item.person_case,
        redacted=False,
        presenter=item.presenter,
        minutes_allotted=item.minutes_allotted,
        role=item.role or None,
        previous_meeting_id=item.previous_meeting_id,
        attachments=[attachment_json(ctx, a) for a in item.attachments],
    )


def redacted_item_json(meeting: Meeting, number: int) -> m.AgendaItem:
    """A closed item the caller may not read: its number and "Lukket punkt", nothing else."""
    return m.AgendaItem(
        id=None,
        meeting_id=meeting.id,
        position=number,
        title=_("Lukket punkt"),
        description="",
        kind=None,
        closed=True,
        person_case=False,
        redacted=True,
        presenter="",
        minutes_allotted=None,
        role=None,
        previous_meeting_id=None,
        attachments=[],
    )
