"""REST API for handover packs: make one for a board, read it (and its PDF), the departing member's
checklist and the successor's receipt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from boardkit.api.models import handover as m
from boardkit.api.models.common import out
from boardkit.api.openapi import doc
from boardkit.api.schema import parse
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, api
from boardkit.core.web.files import file_response
from boardkit.handover import service


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(TZ).isoformat() if value else None


def pack_json(ctx: Ctx, pack: service.HandoverPack) -> dict[str, Any]:
    content = pack.content
    checklist = None
    if pack.departing_person_id is not None or pack.departing_role:
        checklist = m.HandoverChecklist(
            items=[m.ChecklistItem(**i) for i in pack.checklist.get("items", [])],
            lines={k: bool(v) for k, v in pack.checklist.get("lines", {}).items()},
            remark=pack.remark,
            confirmed_at=_iso(pack.confirmed_at),
        )
    return out(
        m.HandoverPackOut(
            id=pack.id,
            board_id=pack.board_id,
            reason=pack.reason,
            status=pack.status,
            departing_role=pack.departing_role or None,
            successor_person_id=pack.successor_person_id,
            created_at=_iso(pack.created_at) or "",
            acknowledged_at=_iso(pack.acknowledged_at),
            checklist=checklist,
            pdf=ctx.url("api:handover_pack_pdf", pack_id=pack.id),
            pdf_ready=pack.pdf_sha256 is not None,
            facts=[[str(a), str(b)] for a, b in content.get("facts", [])],
            sections=[
                m.HandoverSection(
                    key=s["key"],
                    title=s["title"],
                    note=s.get("note", ""),
                    tables=[
                        m.HandoverTable(
                            caption=t["caption"], columns=t["columns"], rows=t["rows"], empty=t["empty"]
                        )
                        for t in s.get("tables", [])
                    ],
                )
                for s in content.get("sections", [])
            ],
        )
    )


@doc(
    "Make a handover pack for a board (chair, vice chair, administration)",
    ok=m.HandoverPackOut,
    status=201,
    body=m.HandoverBody,
    body_required=False,
    errors=(403, 404, 422),
    op_id="createHandoverPack",
)
@api
def create_pack(ctx: Ctx) -> Response:
    ctx.require_login()
    body = parse(ctx, m.HandoverBody, optional=True)
    pack = service.generate(
        ctx.db,
        board_id=ctx.int_param("board_id"),
        actor_id=ctx.person_id,
        reason="on_demand",
        successor_person_id=body.successor_person_id,
    )
    return JSONResponse(pack_json(ctx, pack), status_code=201)


@doc(
    "A handover pack: its sections as frozen when it was made",
    ok=m.HandoverPackOut,
    errors=(404,),
    op_id="getHandoverPack",
)
@api
def get_pack(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    return pack_json(ctx, service.get_pack(ctx.db, principal=ctx.principal, pack_id=ctx.int_param("pack_id")))


@doc("A handover pack as PDF", content="application/pdf", errors=(404,), op_id="getHandoverPackPdf")
@api
def get_pdf(ctx: Ctx) -> Response:
    ctx.require_login()
    data, pack = service.pack_pdf(
        ctx.db, principal=ctx.principal, pack_id=ctx.int_param("pack_id"), store=ctx.store
    )
    return file_response(data, "application/pdf", service.pdf_filename(pack), inline=True)


@doc(
    "The successor acknowledges receipt (twice changes nothing)",
    ok=m.HandoverPackOut,
    errors=(404, 422),
    op_id="acknowledgeHandoverPack",
)
@api
def acknowledge(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    pack = service.acknowledge(ctx.db, principal=ctx.principal, pack_id=ctx.int_param("pack_id"))
    return pack_json(ctx, pack)


@doc(
    "The departing member confirms their checklist, every line ticked (twice changes nothing); the "
    "answer is the checklist's pack as far as its departing member may see it",
    ok=m.HandoverChecklist,
    body=m.ChecklistBody,
    errors=(404, 422),
    op_id="confirmHandoverChecklist",
)
@api
def confirm_checklist(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    body = parse(ctx, m.ChecklistBody)
    pack = service.confirm_checklist(
        ctx.db,
        principal=ctx.principal,
        pack_id=ctx.int_param("pack_id"),
        ticked=body.lines,
        remark=body.remark,
    )
    return out(
        m.HandoverChecklist(
            items=[m.ChecklistItem(**i) for i in pack.checklist.get("items", [])],
            lines={k: bool(v) for k, v in pack.checklist.get("lines", {}).items()},
            remark=pack.remark,
            confirmed_at=_iso(pack.confirmed_at),
        )
    )


routes = [
    Route("/boards/{board_id:id}/handover", create_pack, methods=["POST"], name="handover_create"),
    Route("/handover-packs/{pack_id:id}", get_pack, methods=["GET"], name="handover_pack"),
    Route("/handover-packs/{pack_id:id}.pdf", get_pdf, methods=["GET"], name="handover_pack_pdf"),
    Route(
        "/handover-packs/{pack_id:id}/acknowledge", acknowledge, methods=["POST"], name="handover_acknowledge"
    ),
    Route(
        "/handover-packs/{pack_id:id}/checklist",
        confirm_checklist,
        methods=["POST"],
        name="handover_checklist",
    ),
]
