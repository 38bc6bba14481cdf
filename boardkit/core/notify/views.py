"""Pages of the notification service: my notices, the read-receipt link, failed deliveries."""

from __future__ import annotations

from functools import partial

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from boardkit.core.db import utcnow
from boardkit.core.errors import NotFound
from boardkit.core.notify import admin, receipts, registry
from boardkit.core.notify.models import Notice
from boardkit.core.web import Ctx, page, render

PAGE_SIZE = 50


def _safe_path(path: str) -> str:
    return path if path.startswith("/") and not path.startswith("//") else "/"


@page
def notification_list(ctx: Ctx) -> Response:
    """My notices, newest first, unread ones marked."""
    person_id = ctx.person_id
    before = ctx.query_int("before")
    items = receipts.list_notices(ctx.db, person_id=person_id, limit=PAGE_SIZE, before_id=before)
    return render(
        ctx,
        "notify/list.html",
        items=items,
        unread=receipts.count_unread(ctx.db, person_id=person_id),
        next_before=items[-1].id if len(items) == PAGE_SIZE else None,
        active_nav="notifications",
    )


def _note_read(ctx: Ctx, *, notice_id: int, person_id: int) -> None:
    """The read mark, noted after the response (a read request never waits for the write lock)."""
    if receipts.is_unread(ctx.db, notice_id=notice_id, person_id=person_id):
        mark = partial(receipts.mark_read, notice_id=notice_id, person_id=person_id, now=utcnow())
        ctx.bookkeep(("notice_read", notice_id, person_id), mark)


@page
def notification_open(ctx: Ctx) -> Response:
    """Open one of my notices: it counts as read, and I land on what it is about."""
    person_id = ctx.person_id
    notice = receipts.my_notice(ctx.db, notice_id=ctx.int_param("notice_id"), person_id=person_id)
    _note_read(ctx, notice_id=notice.id, person_id=person_id)
    return RedirectResponse(_safe_path(notice.link_path), status_code=303)


@page
def receipt(ctx: Ctx) -> Response:
    """The link in a notice's e-mail or SMS: marks it read (no login needed), then shows the page.

    Someone not logged in sees public material (published minutes, say) right here, as the person
    the notice was sent to may see it, without asking for a login mail first; anything else, and
    anyone logged in, goes on to the notice's page."""
    row = receipts.delivery_for_token(ctx.db, token=ctx.param("token"))
    notice = ctx.db.get(Notice, row.notice_id) if row is not None else None
    if row is None or notice is None:
        raise NotFound()
    if row.person_id is not None:
        _note_read(ctx, notice_id=row.notice_id, person_id=row.person_id)
    view = registry.link_view(notice.object_type) if ctx.identity is None else None
    if view is not None and notice.object_id is not None and row.person_id is not None:
        shown = view(ctx, notice.object_id, row.person_id)
        if shown is not None:
            return shown
    return RedirectResponse(_safe_path(notice.link_path), status_code=303)


@page
def failed_deliveries(ctx: Ctx) -> Response:
    """Administration: deliveries that failed on a channel, why, and what reached the person instead."""
    principal = ctx.require_login().principal
    if not principal.staff_organisation_ids:
        raise NotFound()
    rows = admin.list_failed(
        ctx.db, organisation_ids=principal.staff_organisation_ids, before_id=ctx.query_int("before")
    )
    return render(
        ctx,
        "notify/failed.html",
        rows=rows,
        next_before=rows[-1].id if len(rows) == admin.PAGE_SIZE else None,
        active_nav="org:index",
    )


routes = [
    Route("/notifications", notification_list, name="notifications"),
    Route("/notifications/{notice_id:id}/open", notification_open, name="notification_open"),
    Route("/n/{token}", receipt, name="notice_receipt"),
]
admin_routes = [Route("/failed", failed_deliveries, name="failed")]
