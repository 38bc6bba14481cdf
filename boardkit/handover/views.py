"""Handover pages: a board's packs ("Lav overdragelsesmappe" for the chair), one pack with its
sections (the successor's "Bekræft modtagelse"), its PDF, and the departing member's checklist —
the one page a departing member whose seat has ended still reaches."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import Forbidden, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.web import Ctx, file_response, form_errors, page, redirect, render
from boardkit.handover import service
from boardkit.handover.models import HandoverPack
from boardkit.org import service as org_service


def _names() -> dict[str, Any]:
    return {
        "status_names": {
            "open": _("Afventer"),
            "confirmed": _("Tjekliste bekræftet"),
            "acknowledged": _("Modtaget"),
            "closed": _("Afsluttet"),
        },
        "role_name": org_service.role_name,
    }


def _list_context(ctx: Ctx, board_id: int) -> dict[str, Any]:
    board, packs = service.list_packs(ctx.db, principal=ctx.principal, board_id=board_id)
    manage = service.may_generate(ctx.principal, board)
    candidates = service.successor_candidates(ctx.db, board_id=board.id) if manage else []
    return {
        **_names(),
        "board": board,
        "packs": packs,
        "manage": manage,
        "candidates_options": [(str(i), f"{name} ({role})") for i, name, role in candidates],
        "errors": {},
        "values": {},
    }


@page
def board_packs(ctx: Ctx) -> Response:
    ctx.require_login()
    board_id = ctx.int_param("board_id")
    if ctx.request.method == "POST":
        raw = ctx.value("successor_person_id")
        try:
            pack = service.generate(
                ctx.db,
                board_id=board_id,
                actor_id=ctx.person_id,
                reason="on_demand",
                successor_person_id=int(raw) if raw.isdigit() else None,
            )
        except (ValidationFailed, Forbidden) as exc:
            errors = exc.fields or {"_pack": exc.message}
            return form_errors(
                ctx, "handover/list.html", errors, **{**_list_context(ctx, board_id), "errors": errors}
            )
        ctx.flash(_("Overdragelsesmappen er lavet. PDF'en er klar om et øjeblik."))
        return redirect(ctx, "handover_pack", pack_id=pack.id)
    return render(ctx, "handover/list.html", **_list_context(ctx, board_id))


def _pack_context(ctx: Ctx, pack: HandoverPack) -> dict[str, Any]:
    return {
        **_names(),
        "pack": pack,
        "content": pack.content,
        "may_confirm": service.may_confirm(ctx.principal, pack),
        "may_acknowledge": service.may_acknowledge(ctx.principal, pack) and pack.acknowledged_at is None,
        "lines": service.check_line_labels(),
    }


@page
def pack_page(ctx: Ctx) -> Response:
    ctx.require_login()
    pack = service.get_pack(ctx.db, principal=ctx.principal, pack_id=ctx.int_param("pack_id"))
    return render(ctx, "handover/pack.html", **_pack_context(ctx, pack))


@page
def pack_pdf(ctx: Ctx) -> Response:
    ctx.require_login()
    data, pack = service.pack_pdf(
        ctx.db, principal=ctx.principal, pack_id=ctx.int_param("pack_id"), store=ctx.store
    )
    return file_response(data, "application/pdf", service.pdf_filename(pack), inline=True)


@page
def pack_acknowledge(ctx: Ctx) -> Response:
    ctx.require_login()
    pack_id = ctx.int_param("pack_id")
    try:
        service.acknowledge(ctx.db, principal=ctx.principal, pack_id=pack_id)
    except ValidationFailed as exc:
        ctx.flash(exc.message, "error")
    else:
        ctx.flash(_("Tak. Modtagelsen er bekræftet."))
    return redirect(ctx, "handover_pack", pack_id=pack_id)


@page
def pack_checklist(ctx: Ctx) -> Response:
    ctx.require_login()
    pack_id = ctx.int_param("pack_id")
    pack = service.checklist_pack(ctx.db, principal=ctx.principal, pack_id=pack_id)
    context = {**_names(), "pack": pack, "lines": service.check_line_labels(), "errors": {}, "values": {}}
    if ctx.request.method == "POST":
        try:
            service.confirm_checklist(
                ctx.db,
                principal=ctx.principal,
                pack_id=pack_id,
                ticked=ctx.values("line"),
                remark=ctx.value("remark"),
            )
        except ValidationFailed as exc:
            errors = exc.fields or {"_checklist": exc.message}
            context.pop("errors")
            context.pop("values")
            return form_errors(ctx, "handover/checklist.html", errors, **context)
        ctx.flash(_("Tak. Din tjekliste er bekræftet."))
        return redirect(ctx, "handover_checklist", pack_id=pack_id)
    return render(ctx, "handover/checklist.html", **context)


routes = [
    Route("/boards/{board_id:id}/handover", board_packs, methods=["GET", "POST"], name="board_handover"),
    Route("/handover/{pack_id:id}", pack_page, name="handover_pack"),
    Route("/handover/{pack_id:id}.pdf", pack_pdf, name="handover_pdf"),
    Route(
        "/handover/{pack_id:id}/acknowledge", pack_acknowledge, methods=["POST"], name="handover_acknowledge"
    ),
    Route(
        "/handover/{pack_id:id}/checklist", pack_checklist, methods=["GET", "POST"], name="handover_checklist"
    ),
]
