"""REST API for resident permits: kinds, applications (a resident's own; the administration's
all, filtered), decisions, withdrawing, and the board's figures per department."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from boardkit.api.models import permits as m
from boardkit.api.models.common import out
from boardkit.api.openapi import Query, doc
from boardkit.api.schema import parse
from boardkit.core.errors import ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, api
from boardkit.org import service as org_service
from boardkit.permits import service


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(TZ).isoformat() if value else None


def permit_json(ctx: Ctx, permit: service.Permit, *, with_history: bool = False) -> dict[str, Any]:
    animal = permit.details.get("animal")
    answer = m.Permit(
        id=permit.id,
        kind=permit.kind.code,
        kind_name=permit.kind.name,
        status=permit.status,
        route=permit.route,
        title=permit.title,
        description=permit.description,
        animal=m.Animal(**animal) if animal else None,
        needs_building_permit=permit.needs_building_permit,
        received_on=permit.received_on.isoformat(),
        deadline=permit.deadline.isoformat() if permit.deadline else None,
        reason=permit.reason,
        conditions=permit.conditions,
        decided_at=_iso(permit.decided_at),
        reestablish_on_move_out=permit.kind.reestablish_on_move_out,
        department_id=permit.department_id,
        tenancy_id=permit.tenancy_id,
        url=ctx.url("api:permit", permit_id=permit.id),
    )
    if with_history:
        answer.files = [
            m.PermitFile(
                id=f.id,
                filename=f.filename,
                content_type=f.content_type,
                size=f.size,
                url=ctx.url("api:permit_file", permit_id=permit.id, file_id=f.id),
            )
            for f in service.files_of(ctx.db, permit)
        ]
        answer.history = [
            m.PermitEvent(action=e.action, at=_iso(e.at) or "", note=e.note)
            for e in service.history(ctx.db, permit)
        ]
    return out(answer)


@doc(
    "The permit kinds of my organisation(s), with their tracks", ok=m.PermitKindList, op_id="listPermitKinds"
)
@api
def list_kinds(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    kinds = service.kinds_for(ctx.db, principal=ctx.principal)
    return out(
        m.PermitKindList(
            items=[
                m.PermitKind(
                    code=k.code,
                    name=k.name,
                    group=k.group,
                    track=k.track,
                    reestablish_on_move_out=k.reestablish_on_move_out,
                    life_years=k.life_years,
                    needs_building_permit=k.needs_building_permit,
                    delegated_to_board=k.delegated_to_board,
                )
                for k in kinds
            ]
        )
    )


def _int_query(ctx: Ctx, name: str) -> int | None:
    raw = ctx.request.query_params.get(name, "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields={name: _("Skal være et helt tal.")})
    return int(raw)


@doc(
    "Permit cases: a resident's own homes'; the administration's all, filtered; newest first",
    ok=m.PermitList,
    errors=(422,),
    op_id="listPermits",
    query=(
        Query("department_id", {"type": "integer"}),
        Query("kind", {"type": "string"}),
        Query("status", {"type": "string"}),
        Query("at_risk", {"enum": ["1"]}),
        Query("page", {"type": "integer", "minimum": 1}),
    ),
)
@api
def list_permits(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    query = ctx.request.query_params
    page = _int_query(ctx, "page") or 1
    filters = service.Filters(
        department_id=_int_query(ctx, "department_id"),
        kind=query.get("kind", "")[:40],
        status=query.get("status", "")[:20],
        at_risk=query.get("at_risk") == "1",
        page=page,
    )
    rows, more = service.list_permits(
        ctx.db, principal=ctx.principal, filters=filters, today=org_service.today()
    )
    following = str(ctx.request.url.include_query_params(page=page + 1)) if more else None
    return {"items": [permit_json(ctx, p) for p in rows], "next": following}


@doc(
    "Apply, report or give notice for one's own home (a tenant of the tenancy)",
    ok=m.Permit,
    status=201,
    body=m.PermitBody,
    errors=(404,),
    op_id="submitPermit",
    description="404 `not_tenant` for anyone who does not rent a home (household members, sub-tenants). "
    "An installation with `outside: true` is filed as outdoor råderet.",
)
@api
def submit_permit(ctx: Ctx) -> Response:
    ctx.require_login()
    body = parse(ctx, m.PermitBody)
    application = service.Application(
        kind=body.kind,
        title=body.title,
        description=body.description,
        tenancy_id=body.tenancy_id,
        needs_building_permit=body.needs_building_permit,
        outside=body.outside,
        animal=body.animal.model_dump() if body.animal is not None else None,
    )
    permit = service.submit(
        ctx.db,
        principal=ctx.principal,
        application=application,
        settings=ctx.settings,
        today=org_service.today(),
    )
    return JSONResponse(permit_json(ctx, permit, with_history=True), status_code=201)


@doc("One permit case with its history (its tenants, the administration)", ok=m.Permit, op_id="getPermit")
@api
def get_permit(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    permit = service.get_permit(
        ctx.db, principal=ctx.principal, permit_id=ctx.int_param("permit_id"), later=ctx.bookkeep
    )
    return permit_json(ctx, permit, with_history=True)


@doc(
    "Decide a case (the administration; the board's chair for a delegated kind)",
    ok=m.Permit,
    body=m.DecisionBody,
    errors=(404, 409),
    op_id="decidePermit",
    description="reject needs a reason (the letter names beboerklagenævnet); 409 `banned_breed` "
    "approving a banned dog breed, `assistance_dog` refusing an assistance dog on house-rule grounds, "
    "`permit_decided` when it is no longer waiting, `permit_notice` for a notice.",
)
@api
def decide_permit(ctx: Ctx) -> dict[str, Any]:
    body = parse(ctx, m.DecisionBody)
    decision = service.Decision(
        outcome=body.outcome, reason=body.reason, conditions=body.conditions, grounds=body.grounds or "other"
    )
    permit = service.decide(
        ctx.db,
        principal=ctx.principal,
        permit_id=ctx.int_param("permit_id"),
        decision=decision,
        settings=ctx.settings,
    )
    return permit_json(ctx, permit, with_history=True)


@doc("Withdraw a case that is still waiting", ok=m.Permit, errors=(409,), op_id="withdrawPermit")
@api
def withdraw_permit(ctx: Ctx) -> dict[str, Any]:
    permit = service.withdraw(
        ctx.db, principal=ctx.principal, permit_id=ctx.int_param("permit_id"), settings=ctx.settings
    )
    return permit_json(ctx, permit, with_history=True)


@doc(
    "End a pet permit: the animal is gone (its tenants, the administration)",
    ok=m.Permit,
    errors=(409,),
    op_id="endPermit",
)
@api
def end_permit(ctx: Ctx) -> dict[str, Any]:
    permit = service.report_gone(
        ctx.db, principal=ctx.principal, permit_id=ctx.int_param("permit_id"), today=org_service.today()
    )
    return permit_json(ctx, permit, with_history=True)


@doc(
    "Add drawings, quotes or photos to a case (its tenants while it waits; the administration)",
    ok=m.Permit,
    status=201,
    upload=True,
    errors=(404, 409, 413, 415),
    op_id="addPermitAttachments",
    description="multipart/form-data with `file` parts: PDF, JPEG, PNG or HEIC by content, at most 20 MB "
    "each and 10 on a case; a PDF locked with a password is refused (415 `pdf_locked`).",
)
@api
def add_attachments(ctx: Ctx) -> Response:
    permit_id = ctx.int_param("permit_id")
    service.attach(
        ctx.db, principal=ctx.principal, permit_id=permit_id, files=ctx.files.get("file", []), store=ctx.store
    )
    permit = service.get_permit(ctx.db, principal=ctx.principal, permit_id=permit_id)
    return JSONResponse(permit_json(ctx, permit, with_history=True), status_code=201)


@doc(
    "A case's file (images shown, other files as downloads)",
    content="application/octet-stream",
    op_id="getPermitFile",
)
@api
def get_file(ctx: Ctx) -> Response:
    return service.file_answer(
        ctx.db,
        principal=ctx.principal,
        permit_id=ctx.int_param("permit_id"),
        file_id=ctx.int_param("file_id"),
        store=ctx.store,
    )


@doc(
    "A department's permit figures for its board and the administration: no names",
    ok=m.PermitOverview,
    op_id="getPermitOverview",
)
@api
def permit_overview(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    figures = service.department_overview(
        ctx.db,
        principal=ctx.principal,
        department_id=ctx.int_param("department_id"),
        today=org_service.today(),
    )
    return out(
        m.PermitOverview(
            department_id=figures.department_id,
            department_name=figures.department_name,
            total=figures.total,
            waiting=figures.waiting,
            near_deadline=figures.near_deadline,
            past_deadline=figures.past_deadline,
            average_handling_days=figures.average_handling_days,
            kinds=[
                m.KindFigures(
                    code=k.code, name=k.name, group=k.group, delegated=k.delegated, by_status=k.by_status
                )
                for k in figures.kinds
            ],
        )
    )


routes = [
    Route("/permit-kinds", list_kinds, name="permit_kinds"),
    Route("/permits", list_permits, methods=["GET"], name="permits"),
    Route("/permits", submit_permit, methods=["POST"], name="permit_create"),
    Route("/permits/{permit_id:id}", get_permit, name="permit"),
    Route("/permits/{permit_id:id}/decision", decide_permit, methods=["POST"], name="permit_decision"),
    Route("/permits/{permit_id:id}/withdraw", withdraw_permit, methods=["POST"], name="permit_withdraw"),
    Route("/permits/{permit_id:id}/end", end_permit, methods=["POST"], name="permit_end"),
    Route(
        "/permits/{permit_id:id}/attachments", add_attachments, methods=["POST"], name="permit_attachments"
    ),
    Route("/permits/{permit_id:id}/attachments/{file_id:id}", get_file, name="permit_file"),
    Route("/departments/{department_id:id}/permit-overview", permit_overview, name="permit_overview"),
]
