"""REST API for the forum: a board's threads, a thread and its replies, editing and deleting a post,
a department's bulletin board, flags and moderation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from boardkit.api.models import forum as m
from boardkit.api.models.common import out
from boardkit.api.openapi import Query, doc
from boardkit.api.schema import parse
from boardkit.core.errors import NotFound
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, api
from boardkit.core.web.files import file_response
from boardkit.forum import service
from boardkit.org import service as org_service


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(TZ).isoformat() if value else None


def _page(ctx: Ctx) -> int:
    raw = ctx.request.query_params.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 10_000 else 1


def _post(ctx: Ctx, view: service.PostView) -> m.PostOut:
    p = view.post
    visible = p.state != "deleted" and view.shown
    return m.PostOut(
        id=p.id,
        thread_id=p.thread_id,
        author=view.author,
        state=p.state,
        html=p.html if visible else None,
        body=p.body if visible and p.author_id == ctx.person_id else None,
        created_at=_iso(p.created_at) or "",
        edited_at=_iso(p.edited_at),
        files=[
            m.PostFileOut(
                id=f.id,
                filename=f.filename,
                content_type=f.content_type,
                size=f.size,
                url=ctx.url("forum_file", file_id=f.id),
                preview_url=ctx.url("forum_preview", file_id=f.id) if f.preview_sha256 else None,
            )
            for f in (view.files if visible else [])
        ],
    )


def _post_of(ctx: Ctx, post: service.Post) -> dict[str, Any]:
    """A post just written, edited, flagged or moderated, as this reader sees it."""
    return out(_post(ctx, service.post_view(ctx.db, principal=ctx.principal, post=post)))


def _thread(ctx: Ctx, thread: service.Thread, posts: list[m.PostOut], next_url: str | None) -> m.ThreadOut:
    space = thread.space
    return m.ThreadOut(
        id=thread.id,
        title=thread.title,
        space=space.kind,
        board_id=space.board_id,
        department_id=space.department_id,
        category=thread.category,
        expires_on=thread.expires_on.isoformat() if thread.expires_on else None,
        announcement=thread.announcement,
        agenda_item_id=thread.agenda_item_id,
        posts=posts,
        next=next_url,
    )


@doc(
    "A board's threads, newest activity first",
    ok=m.ThreadList,
    errors=(404,),
    op_id="listThreads",
    query=(Query("page", {"type": "integer", "minimum": 1}),),
)
@api
def list_threads(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    board_id, page = ctx.int_param("board_id"), _page(ctx)
    _space, rows, more = service.board_threads(ctx.db, principal=ctx.principal, board_id=board_id, page=page)
    items = [
        m.ThreadSummary(
            id=r.thread.id,
            title=r.thread.title,
            starter=r.starter,
            post_count=r.thread.post_count,
            last_post_at=_iso(r.thread.last_post_at) or "",
            unread=r.unread,
            agenda_item_id=r.thread.agenda_item_id,
            url=ctx.url("api:forum_thread", thread_id=r.thread.id),
        )
        for r in rows
    ]
    next_url = ctx.url("api:forum_threads", board_id=board_id) + f"?page={page + 1}" if more else None
    return out(m.ThreadList(items=items, next=next_url))


@doc(
    "Start a thread in a board's forum (its members and the administration)",
    ok=m.ThreadOut,
    status=201,
    body=m.ThreadBody,
    errors=(404, 422, 429),
    op_id="createThread",
)
@api
def create_thread(ctx: Ctx) -> Response:
    ctx.require_login()
    body = parse(ctx, m.ThreadBody)
    thread = service.start_thread(
        ctx.db,
        principal=ctx.principal,
        board_id=ctx.int_param("board_id"),
        title=body.title,
        body=body.body,
        settings=ctx.settings,
    )
    found, posts, _more = service.thread_posts(ctx.db, principal=ctx.principal, thread_id=thread.id)
    return JSONResponse(out(_thread(ctx, found, [_post(ctx, v) for v in posts], None)), status_code=201)


@doc(
    "A thread with a page of its posts",
    ok=m.ThreadOut,
    errors=(404,),
    op_id="getThread",
    query=(Query("page", {"type": "integer", "minimum": 1}),),
)
@api
def get_thread(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    thread_id, page = ctx.int_param("thread_id"), _page(ctx)
    thread, posts, more = service.thread_posts(
        ctx.db, principal=ctx.principal, thread_id=thread_id, page=page
    )
    next_url = ctx.url("api:forum_thread", thread_id=thread_id) + f"?page={page + 1}" if more else None
    return out(_thread(ctx, thread, [_post(ctx, v) for v in posts], next_url))


@doc(
    "Reply in a board thread",
    ok=m.PostOut,
    status=201,
    body=m.ReplyBody,
    errors=(404, 409, 422, 429),
    op_id="replyToThread",
)
@api
def reply(ctx: Ctx) -> Response:
    ctx.require_login()
    body = parse(ctx, m.ReplyBody)
    post = service.reply(
        ctx.db,
        principal=ctx.principal,
        thread_id=ctx.int_param("thread_id"),
        body=body.body,
        settings=ctx.settings,
    )
    return JSONResponse(_post_of(ctx, post), status_code=201)


@doc(
    "Edit my post (the earlier text stays in its history)",
    ok=m.PostOut,
    body=m.ReplyBody,
    errors=(404, 409, 422),
    op_id="editPost",
)
@api
def edit_post(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    body = parse(ctx, m.ReplyBody)
    post = service.edit(ctx.db, principal=ctx.principal, post_id=ctx.int_param("post_id"), body=body.body)
    return _post_of(ctx, post)


@doc("Delete my post: the text goes, a marker stays", ok=m.PostOut, errors=(404, 409), op_id="deletePost")
@api
def delete_post(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    post = service.delete(ctx.db, principal=ctx.principal, post_id=ctx.int_param("post_id"))
    return _post_of(ctx, post)


def _bulletin(ctx: Ctx, department_id: int) -> m.BulletinList:
    _space, rows = service.bulletin(
        ctx.db, principal=ctx.principal, department_id=department_id, today=org_service.today()
    )
    items = [_thread(ctx, thread, [_post(ctx, view)], None) for thread, view in rows]
    return m.BulletinList(department_id=department_id, items=items)


@doc(
    "A department's bulletin board: open posts, the board's announcements first",
    ok=m.BulletinList,
    errors=(404,),
    op_id="getBulletin",
)
@api
def get_bulletin(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    return out(_bulletin(ctx, ctx.int_param("department_id")))


@doc(
    "Post on the bulletin board (its residents), or the board's announcement",
    ok=m.ThreadOut,
    status=201,
    body=m.BulletinBody,
    errors=(404, 422, 429),
    op_id="postBulletin",
)
@api
def post_bulletin(ctx: Ctx) -> Response:
    ctx.require_login()
    body = parse(ctx, m.BulletinBody)
    department_id = ctx.int_param("department_id")
    thread = service.post_bulletin(
        ctx.db,
        principal=ctx.principal,
        department_id=department_id,
        data=service.BulletinInput(
            title=body.title,
            body=body.body,
            category=body.category,
            expires_on=body.expires_on,
            announcement=body.announcement,
            notify_residents=body.notify_residents,
        ),
        settings=ctx.settings,
        today=org_service.today(),
    )
    found = next((t for t in _bulletin(ctx, department_id).items if t.id == thread.id), None)
    if found is None:
        raise NotFound()
    return JSONResponse(out(found), status_code=201)


@doc(
    "Flag a post (once; three flags hide it until it is reviewed)",
    ok=m.PostOut,
    errors=(404,),
    op_id="flagPost",
)
@api
def flag(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    post = service.flag(ctx.db, principal=ctx.principal, post_id=ctx.int_param("post_id"))
    return _post_of(ctx, post)


@doc(
    "Hide, restore or delete a post with a reason (moderators)",
    ok=m.PostOut,
    body=m.ModerationBody,
    errors=(404, 422),
    op_id="moderatePost",
)
@api
def moderate(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    body = parse(ctx, m.ModerationBody)
    post = service.moderate(
        ctx.db,
        principal=ctx.principal,
        post_id=ctx.int_param("post_id"),
        action=body.action,
        reason=body.reason,
        settings=ctx.settings,
    )
    return _post_of(ctx, post)


@doc(
    "The bulletin board as an A4 poster for the stairwell (PDF with a QR code)",
    content="application/pdf",
    errors=(404,),
    op_id="getBulletinPoster",
)
@api
def bulletin_pdf(ctx: Ctx) -> Response:
    ctx.require_login()
    department_id = ctx.int_param("department_id")
    data, name = service.poster_pdf(
        ctx.db,
        principal=ctx.principal,
        department_id=department_id,
        today=org_service.today(),
        url=ctx.absolute_url("department", department_id=department_id),
    )
    return file_response(data, "application/pdf", name, inline=True)


@doc(
    "Choose what I hear from a board's forum or a bulletin board",
    ok=m.PreferenceOut,
    body=m.PreferenceBody,
    errors=(404, 422),
    op_id="setForumPreference",
)
@api
def set_preference(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    body = parse(ctx, m.PreferenceBody)
    space = service.space_for(
        ctx.db, principal=ctx.principal, board_id=body.board_id, department_id=body.department_id
    )
    found = service.set_preference(
        ctx.db, person_id=ctx.person_id, space_id=space.id, level=body.level, hide_content=body.hide_content
    )
    return out(
        m.PreferenceOut(
            board_id=space.board_id,
            department_id=space.department_id,
            level=found.level,
            hide_content=found.hide_content,
        )
    )


routes = [
    Route("/forum-preferences", set_preference, methods=["PUT"], name="forum_preferences"),
    Route("/departments/{department_id:id}/bulletin.pdf", bulletin_pdf, methods=["GET"], name="bulletin_pdf"),
    Route("/boards/{board_id:id}/threads", list_threads, methods=["GET"], name="forum_threads"),
    Route("/boards/{board_id:id}/threads", create_thread, methods=["POST"], name="forum_thread_create"),
    Route("/threads/{thread_id:id}", get_thread, methods=["GET"], name="forum_thread"),
    Route("/threads/{thread_id:id}/replies", reply, methods=["POST"], name="forum_reply"),
    Route("/posts/{post_id:id}", edit_post, methods=["PATCH"], name="forum_post_edit"),
    Route("/posts/{post_id:id}", delete_post, methods=["DELETE"], name="forum_post_delete"),
    Route("/departments/{department_id:id}/bulletin", get_bulletin, methods=["GET"], name="bulletin"),
    Route("/departments/{department_id:id}/bulletin", post_bulletin, methods=["POST"], name="bulletin_post"),
    Route("/posts/{post_id:id}/flag", flag, methods=["POST"], name="forum_flag"),
    Route("/posts/{post_id:id}/moderation", moderate, methods=["POST"], name="forum_moderation"),
]
