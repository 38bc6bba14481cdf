"""REST API for my notices and their read receipts."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from boardkit.api.models import misc as m
from boardkit.api.models.common import out
from boardkit.api.openapi import Query, doc
from boardkit.core import notify
from boardkit.core.notify import receipts
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, api

PAGE_SIZE = 50


def notice_json(item: notify.NoticeItem, base_url: str) -> m.Notice:
    return m.Notice(
        id=item.id,
        kind=item.kind,
        subject=item.subject,
        body=item.body,
        url=base_url + item.link_path,
        important=item.important,
        statutory=item.statutory,
        object_type=item.object_type or None,
        object_id=item.object_id,
        created_at=item.created_at.astimezone(TZ).isoformat(),
        read=item.read_at is not None,
        read_at=item.read_at.astimezone(TZ).isoformat() if item.read_at else None,
        channel=item.channel,
    )


@doc(
    "My notices, newest first, with whether I have read them",
    ok=m.NoticeList,
    query=(Query("before"), Query("unread", {"type": "string", "enum": ["1"]})),
    op_id="listNotifications",
)
@api
def notification_list(ctx: Ctx) -> dict[str, Any]:
    """My notices, newest first; ``?before=`` is the cursor, ``?unread=1`` only the unread."""
    items = notify.list_notices(
        ctx.db,
        person_id=ctx.person_id,
        limit=PAGE_SIZE,
        before_id=ctx.query_int("before"),
        unread_only=ctx.request.query_params.get("unread") in ("1", "true"),
    )
    notices = m.NoticeList(
        items=[notice_json(i, ctx.settings.base_url) for i in items],
        next=str(items[-1].id) if len(items) == PAGE_SIZE else None,
        unread=notify.count_unread(ctx.db, person_id=ctx.person_id),
    )
    return out(notices)


@doc("Mark one of my notices read (a read receipt; idempotent)", ok=m.Notice, op_id="readNotification")
@api
def notification_read(ctx: Ctx) -> dict[str, Any]:
    """Mark one of my notices read (idempotent)."""
    notice = receipts.my_notice(ctx.db, notice_id=ctx.int_param("notice_id"), person_id=ctx.person_id)
    notify.mark_read(ctx.db, notice_id=notice.id, person_id=ctx.person_id)
    item = next(
        i for i in notify.list_notices(ctx.db, person_id=ctx.person_id, before_id=notice.id + 1, limit=1)
    )
    return out(notice_json(item, ctx.settings.base_url))


routes = [
    Route("/notifications", notification_list, name="notifications"),
    Route(
        "/notifications/{notice_id:id}/read", notification_read, methods=["POST"], name="notification_read"
    ),
]
