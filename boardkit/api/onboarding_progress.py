"""REST API for onboarding: my programme and progress, a video's progress or a step marked done,
signing a declaration, and a board's follow-up (chair and administration)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.routing import Route

from boardkit.api.models import programmes as m
from boardkit.api.models.common import out
from boardkit.api.openapi import doc
from boardkit.api.schema import parse
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, api
from boardkit.onboarding import service
from boardkit.org import service as org_service


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(TZ).isoformat() if value else None


def _step(ctx: Ctx, step: service.Step) -> m.Step:
    module, progress = step.module, step.progress
    answer = m.Step(
        id=progress.id,
        module_id=module.id,
        kind=module.kind,
        title=module.title,
        body=module.body,
        due_on=progress.due_on.isoformat(),
        overdue=step.overdue,
        done=step.done,
        done_at=_iso(progress.done_at),
        seconds_watched=progress.seconds_watched,
        tick_by=module.tick_by,
        link=module.url or None,
        declaration_id=module.declaration_id,
    )
    if module.kind == "video" and module.video is not None:
        video = module.video
        answer.video = m.StepVideo(
            url=ctx.url("onboarding_video", video_id=video.id),
            content_type=video.content_type,
            poster_url=ctx.url("onboarding_poster", video_id=video.id) if video.poster_sha256 else None,
            duration=video.duration,
            captions=[
                m.CaptionTrack(
                    language=c.language,
                    label=c.label,
                    url=ctx.url("onboarding_caption", video_id=video.id, language=c.language),
                )
                for c in video.captions
            ],
            transcript=next((c.transcript for c in video.captions if c.language == "da"), ""),
        )
    if module.kind == "document" and module.document_sha256:
        answer.document_url = ctx.url("onboarding_document", progress_id=progress.id)
    return answer


def _programme(ctx: Ctx, programme: service.MemberProgramme) -> m.MyProgramme:
    assignment = programme.assignment
    return m.MyProgramme(
        id=assignment.id,
        title=assignment.programme.title,
        board_id=assignment.board_id,
        started_on=assignment.started_on.isoformat(),
        completed_at=_iso(assignment.completed_at),
        percent=programme.percent,
        done=programme.done,
        total=len(programme.steps),
        steps=[_step(ctx, s) for s in programme.steps],
    )


@doc("My onboarding programmes and how far I am", ok=m.MyProgrammes, op_id="getMyOnboarding")
@api
def my_onboarding(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    found = service.my_programmes(ctx.db, person_id=ctx.person_id, today=org_service.today())
    return out(m.MyProgrammes(items=[_programme(ctx, p) for p in found]))


@doc(
    "Record how far I watched a video module (done at 90%), or mark a module of my programme done",
    ok=m.Step,
    body=m.ProgressBody,
    errors=(404, 409, 422),
    op_id="recordOnboardingProgress",
)
@api
def record_progress(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    body = parse(ctx, m.ProgressBody)
    today = org_service.today()
    progress_id = service.step_of_module(
        ctx.db, person_id=ctx.person_id, module_id=ctx.int_param("module_id")
    )
    service.record(
        ctx.db,
        principal=ctx.principal,
        progress_id=progress_id,
        seconds_watched=body.seconds_watched,
        done=body.done,
    )
    step = service.one_step(ctx.db, progress_id=progress_id, today=today)
    return out(_step(ctx, step))


@doc(
    "Sign the current version of a declaration (signing again changes nothing)",
    ok=m.SignatureOut,
    errors=(404,),
    op_id="signDeclaration",
)
@api
def sign_declaration(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    signature, version = service.sign_and_version(
        ctx.db, principal=ctx.principal, declaration_id=ctx.int_param("declaration_id")
    )
    return out(
        m.SignatureOut(
            declaration_id=version.declaration_id,
            version=version.number,
            sha256=signature.sha256,
            signed_at=_iso(signature.signed_at) or "",
        )
    )


@doc(
    "Each new member's progress on a board (its chair and the administration)",
    ok=m.BoardOnboarding,
    errors=(404,),
    op_id="getBoardOnboardingStatus",
)
@api
def board_status(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    board_id = ctx.int_param("board_id")
    found = service.board_status(
        ctx.db, principal=ctx.principal, board_id=board_id, today=org_service.today()
    )
    return out(
        m.BoardOnboarding(
            board_id=board_id,
            items=[
                m.MemberProgress(
                    person_id=p.assignment.person_id,
                    name=name,
                    percent=p.percent,
                    missing=[s.module.title for s in p.missing],
                    overdue=[s.module.title for s in p.missing if s.overdue],
                )
                for name, p in found
            ],
        )
    )


routes = [
    Route("/onboarding", my_onboarding, name="onboarding"),
    Route(
        "/onboarding/modules/{module_id:id}/progress",
        record_progress,
        methods=["POST"],
        name="onboarding_progress",
    ),
    Route(
        "/declarations/{declaration_id:id}/sign", sign_declaration, methods=["POST"], name="declaration_sign"
    ),
    Route("/boards/{board_id:id}/onboarding-status", board_status, name="board_onboarding_status"),
]
