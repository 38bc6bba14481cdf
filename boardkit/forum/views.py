"""The forum's pages: a board's threads and a thread (reply, edit, delete, flag, moderate, put on
the agenda), and a department's bulletin board (post with a photo, house rules before the first
post, announcements)."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import AppError, NotFound
from boardkit.core.i18n import _
from boardkit.core.web import Ctx, form_errors, page, redirect, render
from boardkit.core.web.files import file_response
from boardkit.forum import access, moderation, posting, reading
from boardkit.forum.models import Post, PostFile
from boardkit.org import service as org_service

CATEGORY_NAMES = {
    "lend": "Låne/udlåne",
    "events": "Arrangementer",
    "found": "Fundet/mistet",
    "other": "Andet",
}


def _again(ctx: Ctx, template: str, exc: AppError, **context: Any) -> Response:
    """The form again with the service's messages and status (a 404 stays a 404)."""
    if exc.status == 404:
        raise exc
    errors = {k: str(v) for k, v in exc.fields.items()} or {"body": exc.message}
    return form_errors(ctx, template, errors, status_code=exc.status, **context)


def _page_number(ctx: Ctx) -> int:
    raw = ctx.request.query_params.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 10_000 else 1


def _board_context(ctx: Ctx, board_id: int) -> dict[str, Any]:
    _space, threads, more = reading.board_threads(
        ctx.db, principal=ctx.principal, board_id=board_id, page=_page_number(ctx)
    )
    board = ctx.db.get(org_service.Board, board_id)
    return {
        "board": board,
        "threads": threads,
        "more": more,
        "page_number": _page_number(ctx),
        "active_nav": "home",
    }


@page
def board_forum(ctx: Ctx) -> Response:
    ctx.require_login()
    board_id = ctx.int_param("board_id")
    if ctx.request.method == "GET":
        return render(ctx, "forum/board.html", **_board_context(ctx, board_id))
    try:
        thread = posting.start_thread(
            ctx.db,
            principal=ctx.principal,
            board_id=board_id,
            title=ctx.value("title"),
            body=ctx.value("body"),
            settings=ctx.settings,
            files=ctx.files.get("file", []),
            store=ctx.store,
        )
    except AppError as exc:
        return _again(ctx, "forum/board.html", exc, **_board_context(ctx, board_id))
    ctx.flash(_("Tråden er oprettet."))
    return redirect(ctx, "forum_thread", thread_id=thread.id)


def _thread_context(ctx: Ctx, thread_id: int) -> dict[str, Any]:
    thread, posts, more = reading.thread_posts(
        ctx.db, principal=ctx.principal, thread_id=thread_id, page=_page_number(ctx)
    )
    space = thread.space
    return {
        "thread": thread,
        "posts": posts,
        "more": more,
        "page_number": _page_number(ctx),
        "board": ctx.db.get(org_service.Board, space.board_id) if space.board_id else None,
        "moderator": access.may_moderate(ctx.db, ctx.principal, space),
        "agenda_meeting": posting.agenda_meeting(ctx.db, thread),
        "active_nav": "home",
    }


@page
def thread_page(ctx: Ctx) -> Response:
    ctx.require_login()
    thread_id = ctx.int_param("thread_id")
    if ctx.request.method == "GET":
        context = _thread_context(ctx, thread_id)
        if context["thread"].space.kind != "board":
            raise NotFound()
        person = ctx.person_id
        ctx.bookkeep(
            ("forum_read", person, thread_id),
            lambda db: reading.mark_read(db, person_id=person, thread_id=thread_id),
        )
        return render(ctx, "forum/thread.html", **context)
    try:
        post = posting.reply(
            ctx.db,
            principal=ctx.principal,
            thread_id=thread_id,
            body=ctx.value("body"),
            settings=ctx.settings,
            files=ctx.files.get("file", []),
            store=ctx.store,
        )
    except AppError as exc:
        return _again(ctx, "forum/thread.html", exc, **_thread_context(ctx, thread_id))
    ctx.flash(_("Dit svar er gemt."))
    response = redirect(ctx, "forum_thread", thread_id=thread_id)
    response.headers["location"] += f"#post-{post.id}"
    return response


def _back(ctx: Ctx, post: Post) -> Response:
    space = post.thread.space
    if space.kind == "board":
        response = redirect(ctx, "forum_thread", thread_id=post.thread_id)
    else:
        response = redirect(ctx, "bulletin", department_id=space.department_id)
    response.headers["location"] += f"#post-{post.id}"
    return response


@page
def edit_post(ctx: Ctx) -> Response:
    ctx.require_login()
    post_id = ctx.int_param("post_id")
    post = ctx.db.get(Post, post_id)
    if (
        post is None
        or post.author_id != ctx.person_id
        or not access.may_read(ctx.db, ctx.principal, post.thread.space)
    ):
        raise NotFound()
    if ctx.request.method == "GET":
        return render(ctx, "forum/edit.html", post=post, values={"body": post.body}, active_nav="home")
    try:
        posting.edit(ctx.db, principal=ctx.principal, post_id=post_id, body=ctx.value("body"))
    except AppError as exc:
        return _again(ctx, "forum/edit.html", exc, post=post, active_nav="home")
    ctx.flash(_("Indlægget er rettet. Den tidligere tekst kan ses i historikken."))
    return _back(ctx, post)


@page
def post_history(ctx: Ctx) -> Response:
    ctx.require_login()
    post_id = ctx.int_param("post_id")
    revisions = posting.history(ctx.db, principal=ctx.principal, post_id=post_id)
    post = ctx.db.get(Post, post_id)
    return render(ctx, "forum/history.html", post=post, revisions=revisions, active_nav="home")


@page
def delete_post(ctx: Ctx) -> Response:
    ctx.require_login()
    post = posting.delete(ctx.db, principal=ctx.principal, post_id=ctx.int_param("post_id"))
    ctx.flash(_("Indlægget er slettet."))
    return _back(ctx, post)


@page
def flag_post(ctx: Ctx) -> Response:
    ctx.require_login()
    post = moderation.flag(ctx.db, principal=ctx.principal, post_id=ctx.int_param("post_id"))
    ctx.flash(_("Tak. Moderatorerne ser på indlægget."), "info")
    return _back(ctx, post)


@page
def moderate_post(ctx: Ctx) -> Response:
    ctx.require_login()
    post_id = ctx.int_param("post_id")
    try:
        post = moderation.moderate(
            ctx.db,
            principal=ctx.principal,
            post_id=post_id,
            action=ctx.value("action"),
            reason=ctx.value("reason"),
            settings=ctx.settings,
        )
    except AppError as exc:
        if exc.status == 404:
            raise
        ctx.rollback_only = True
        ctx.flash(str(next(iter(exc.fields.values()), exc.message)), "error")
        found = ctx.db.get(Post, post_id)
        assert found is not None
        return _back(ctx, found)
    ctx.flash(_("Moderationen er gemt."))
    return _back(ctx, post)


@page
def to_agenda(ctx: Ctx) -> Response:
    ctx.require_login()
    thread_id = ctx.int_param("thread_id")
    meeting_id = posting.put_on_agenda(ctx.db, principal=ctx.principal, thread_id=thread_id)
    ctx.flash(_("Tråden er sat på dagsordenen."))
    return redirect(ctx, "meeting", meeting_id=meeting_id)


def _bulletin_context(ctx: Ctx, department_id: int) -> dict[str, Any]:
    today = org_service.today()
    space, posts = reading.bulletin(ctx.db, principal=ctx.principal, department_id=department_id, today=today)
    department = ctx.db.get(org_service.Department, department_id)
    return {
        "department": department,
        "posts": posts,
        "categories": CATEGORY_NAMES,
        "may_post": department_id in ctx.principal.resident_department_ids,
        "may_announce": access.may_announce(ctx.principal, space),
        "moderator": access.may_moderate(ctx.db, ctx.principal, space),
        "today": today,
        "active_nav": "home",
    }


@page
def bulletin_page(ctx: Ctx) -> Response:
    ctx.require_login()
    department_id = ctx.int_param("department_id")
    if ctx.request.method == "GET":
        return render(ctx, "forum/bulletin.html", **_bulletin_context(ctx, department_id))
    if ctx.value("house_rules") != "1":
        errors = {"house_rules": _("Læs husreglerne, og bekræft dem, før du skriver.")}
        return form_errors(ctx, "forum/bulletin.html", errors, **_bulletin_context(ctx, department_id))
    raw_expiry = ctx.value("expires_on")
    try:
        expires = date.fromisoformat(raw_expiry) if raw_expiry else None
    except ValueError:
        expires = date.min
    data = posting.BulletinInput(
        title=ctx.value("title"),
        body=ctx.value("body"),
        category=ctx.value("category") or "other",
        expires_on=expires,
        announcement=ctx.value("announcement") == "1",
        notify_residents=ctx.value("notify") == "1",
    )
    try:
        thread = posting.post_bulletin(
            ctx.db,
            principal=ctx.principal,
            department_id=department_id,
            data=data,
            settings=ctx.settings,
            today=org_service.today(),
            files=ctx.files.get("file", []),
            store=ctx.store,
        )
    except AppError as exc:
        return _again(
            ctx,
            "forum/bulletin.html",
            exc,
            **_bulletin_context(ctx, department_id),
        )
    ctx.flash(_("Dit opslag er sat op."))
    response = redirect(ctx, "bulletin", department_id=department_id)
    response.headers["location"] += f"#thread-{thread.id}"
    return response


def _file(ctx: Ctx) -> PostFile:
    ctx.require_login()
    found = ctx.db.get(PostFile, ctx.int_param("file_id"))
    post = ctx.db.get(Post, found.post_id) if found else None
    if found is None or post is None or not access.may_read(ctx.db, ctx.principal, post.thread.space):
        raise NotFound()
    if post.state == "deleted" or not moderation.shown_to(ctx.db, ctx.principal, post):
        raise NotFound()
    return found


@page
def post_file(ctx: Ctx) -> Response:
    found = _file(ctx)
    return file_response(ctx.store.path(found.sha256), found.content_type, found.filename, inline=True)


@page
def post_preview(ctx: Ctx) -> Response:
    found = _file(ctx)
    if not found.preview_sha256:
        raise NotFound()
    return file_response(ctx.store.path(found.preview_sha256), "image/jpeg", "preview.jpg", inline=True)


@page
def bulletin_pdf(ctx: Ctx) -> Response:
    """ "Udskriv opslagstavlen": an A4 poster of the open posts for the stairwell, with a QR code."""
    ctx.require_login()
    department_id = ctx.int_param("department_id")
    data, name = reading.poster_pdf(
        ctx.db,
        principal=ctx.principal,
        department_id=department_id,
        today=org_service.today(),
        url=ctx.absolute_url("department", department_id=department_id),
    )
    return file_response(data, "application/pdf", name, inline=True)


routes = [
    Route("/departments/{department_id:int}/bulletin.pdf", bulletin_pdf, name="bulletin_pdf"),
    Route("/forum/files/{file_id:int}", post_file, name="forum_file"),
    Route("/forum/files/{file_id:int}/preview", post_preview, name="forum_preview"),
    Route("/boards/{board_id:int}/forum", board_forum, methods=["GET", "POST"], name="board_forum"),
    Route("/forum/threads/{thread_id:int}", thread_page, methods=["GET", "POST"], name="forum_thread"),
    Route("/forum/threads/{thread_id:int}/agenda", to_agenda, methods=["POST"], name="forum_agenda"),
    Route("/forum/posts/{post_id:int}/edit", edit_post, methods=["GET", "POST"], name="forum_edit"),
    Route("/forum/posts/{post_id:int}/history", post_history, name="forum_history"),
    Route("/forum/posts/{post_id:int}/delete", delete_post, methods=["POST"], name="forum_delete"),
    Route("/forum/posts/{post_id:int}/flag", flag_post, methods=["POST"], name="forum_flag"),
    Route("/forum/posts/{post_id:int}/moderate", moderate_post, methods=["POST"], name="forum_moderate"),
    Route(
        "/departments/{department_id:int}/bulletin", bulletin_page, methods=["GET", "POST"], name="bulletin"
    ),
]
