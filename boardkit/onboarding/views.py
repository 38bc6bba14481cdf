"""The member's pages: "Kom godt i gang" (the programme and its steps), one step (a video with
captions and a transcript, a document, a declaration to sign, a task, a link), and the chair's and
administration's follow-up of a board; the video, poster, caption and document files."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import NotFound
from boardkit.core.i18n import _
from boardkit.core.web import Ctx, page, redirect, render
from boardkit.core.web.files import file_response
from boardkit.onboarding import declarations, files, progress
from boardkit.onboarding.models import Progress
from boardkit.org import service as org_service

FETCH = "fetch"  # the player's progress posts say so, and get 204 instead of the page


def _own_step(ctx: Ctx, progress_id: int) -> Progress:
    step = ctx.db.get(Progress, progress_id)
    if step is None or step.assignment.person_id != ctx.person_id:
        raise NotFound()
    return step


@page
def index(ctx: Ctx) -> Response:
    """The member's programme: every step, what is due when, and how far they are."""
    ctx.require_login()
    today = org_service.today()
    programmes = progress.my_programmes(ctx.db, person_id=ctx.person_id, today=today)
    boards = org_service.get_boards(ctx.db, ids=[p.assignment.board_id for p in programmes])
    follows = [
        b
        for b in org_service.get_boards(ctx.db, ids=ctx.principal.board_roles).values()
        if progress.may_follow(ctx.principal, b)
    ]
    return render(
        ctx,
        "onboarding/index.html",
        programmes=programmes,
        boards=boards,
        follows=follows,
        active_nav="onboarding",
    )


def _step_context(ctx: Ctx, step: Progress) -> dict[str, Any]:
    module = step.module
    context: dict[str, Any] = {"step": step, "module": module, "active_nav": "onboarding"}
    if module.kind == "video" and module.video is not None:
        context["captions"] = module.video.captions
        context["transcript"] = next((c.transcript for c in module.video.captions if c.language == "da"), "")
    if module.kind == "declaration" and module.declaration_id is not None:
        context["version"] = declarations.current_version(ctx.db, module.declaration_id)
        context["signed"] = declarations.signed_at(
            ctx.db, person_id=ctx.person_id, declaration_id=module.declaration_id
        )
    return context


@page
def step_page(ctx: Ctx) -> Response:
    """One step: GET shows it; POST records how far a video got, marks the step done, or signs."""
    ctx.require_login()
    progress_id = ctx.int_param("progress_id")
    if ctx.request.method == "GET":
        return render(ctx, "onboarding/step.html", **_step_context(ctx, _own_step(ctx, progress_id)))
    step = ctx.db.get(Progress, progress_id)
    if step is None:
        raise NotFound()
    seconds = ctx.value("seconds")
    if ctx.value("action") == "sign" and step.module.declaration_id is not None:
        _own_step(ctx, progress_id)
        declarations.sign(ctx.db, principal=ctx.principal, declaration_id=step.module.declaration_id)
        ctx.flash(_("Du har underskrevet erklæringen."))
    elif seconds:
        try:
            watched = float(seconds)
        except ValueError:
            watched = -1.0
        progress.record(ctx.db, principal=ctx.principal, progress_id=progress_id, seconds_watched=watched)
        if ctx.request.headers.get("X-Requested-With") == FETCH:
            return Response(status_code=204)
    else:
        progress.record(ctx.db, principal=ctx.principal, progress_id=progress_id, done=True)
        ctx.flash(_("Trinnet er markeret som gjort."))
    if step.assignment.person_id != ctx.person_id:  # the chair ticked a member's task
        return redirect(ctx, "onboarding_status", board_id=step.assignment.board_id)
    return redirect(ctx, "onboarding_step", progress_id=progress_id)


@page
def status_page(ctx: Ctx) -> Response:
    """The chair's and the administration's view of a board: each member's share done and what is missing."""
    ctx.require_login()
    board_id = ctx.int_param("board_id")
    members = progress.board_status(
        ctx.db, principal=ctx.principal, board_id=board_id, today=org_service.today()
    )
    board = ctx.db.get(org_service.Board, board_id)
    return render(ctx, "onboarding/status.html", board=board, members=members, active_nav="onboarding")


@page
def video_file(ctx: Ctx) -> Response:
    video = files.video(ctx.db, principal=ctx.principal, video_id=ctx.int_param("video_id"))
    return file_response(
        ctx.store.path(video.sha256), video.content_type, video.filename, inline=True, etag=video.sha256
    )


@page
def poster_file(ctx: Ctx) -> Response:
    video = files.video(ctx.db, principal=ctx.principal, video_id=ctx.int_param("video_id"))
    if not video.poster_sha256:
        raise NotFound()
    return file_response(ctx.store.path(video.poster_sha256), "image/jpeg", "plakat.jpg", inline=True)


@page
def caption_file(ctx: Ctx) -> Response:
    caption = files.caption(
        ctx.db,
        principal=ctx.principal,
        video_id=ctx.int_param("video_id"),
        language=ctx.request.path_params["language"],
    )
    return file_response(
        ctx.store.path(caption.sha256), "text/vtt; charset=utf-8", f"{caption.language}.vtt", inline=True
    )


@page
def document_file(ctx: Ctx) -> Response:
    step = _own_step(ctx, ctx.int_param("progress_id"))
    module = step.module
    if module.kind != "document" or not module.document_sha256:
        raise NotFound()
    return file_response(
        ctx.store.path(module.document_sha256), module.document_type, module.document_name, inline=True
    )


routes = [
    Route("/onboarding", index, name="onboarding"),
    Route("/onboarding/steps/{progress_id:int}", step_page, methods=["GET", "POST"], name="onboarding_step"),
    Route("/onboarding/steps/{progress_id:int}/document", document_file, name="onboarding_document"),
    Route("/boards/{board_id:int}/onboarding", status_page, name="onboarding_status"),
    Route("/onboarding/videos/{video_id:int}/file", video_file, name="onboarding_video"),
    Route("/onboarding/videos/{video_id:int}/poster", poster_file, name="onboarding_poster"),
    Route(
        "/onboarding/videos/{video_id:int}/captions/{language}.vtt", caption_file, name="onboarding_caption"
    ),
]
