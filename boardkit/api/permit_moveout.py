"""REST API for the administration's permit work on a home: invoice lines on an improvement and
the move-out checklist (JSON and PDF)."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from boardkit.api.models import permits as m
from boardkit.api.models.common import out
from boardkit.api.openapi import Query, doc
from boardkit.api.permits import permit_json
from boardkit.api.schema import parse
from boardkit.core.errors import ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.web import Ctx, api, file_response
from boardkit.org import service as org_service
from boardkit.permits import service


@doc(
    "Record an invoice line on an improvement case (the administration)",
    ok=m.InvoiceLine,
    status=201,
    body=m.InvoiceLineBody,
    errors=(404,),
    op_id="addPermitInvoiceLine",
)
@api
def add_invoice_line(ctx: Ctx) -> Response:
    body = parse(ctx, m.InvoiceLineBody)
    row = service.add_invoice_line(
        ctx.db,
        principal=ctx.principal,
        permit_id=ctx.int_param("permit_id"),
        line=service.InvoiceLine(
            body.description,
            body.amount_ore or 0,
            body.cvr,
            body.vat_registered,
            body.own_labour,
            body.white_goods,
        ),
    )
    ctx.db.flush()
    answer = m.InvoiceLine(id=row.id, description=row.description, amount_ore=row.amount_ore)
    return JSONResponse(out(answer), status_code=201)


def _moved_out(ctx: Ctx) -> date:
    raw = ctx.request.query_params.get("moved_out", "")
    try:
        return date.fromisoformat(raw) if raw else org_service.today()
    except ValueError:
        raise ValidationFailed(
            _("Nogle felter skal rettes."), fields={"moved_out": _("Skal være en dato som 2026-03-15.")}
        ) from None


def _checklist(ctx: Ctx) -> Any:
    return service.checklist(
        ctx.db, principal=ctx.principal, tenancy_id=ctx.int_param("tenancy_id"), moved_out=_moved_out(ctx)
    )


MOVED_OUT = (
    Query("moved_out", {"type": "string", "format": "date"}, "The day of moving out (default today)"),
)


@doc(
    "The move-out checklist of a tenancy: permits in force, what to re-establish, compensation owed",
    ok=m.MoveOutChecklist,
    errors=(422,),
    op_id="getMoveOutChecklist",
    query=MOVED_OUT,
)
@api
def move_out_checklist(ctx: Ctx) -> dict[str, Any]:
    found = _checklist(ctx)
    rows = []
    for item in found.improvements:
        owed = item.owed
        rows.append(
            m.Compensation(
                permit_id=item.permit.id,
                title=item.permit.title,
                eligible_ore=owed.eligible_ore if owed else None,
                base_ore=owed.base_ore if owed else None,
                owed_ore=owed.owed_ore if owed else None,
                months_used=owed.months_used if owed else None,
                life_months=owed.life_months if owed else None,
                excluded=[f"{line.description}: {why}" for line, why in owed.excluded] if owed else [],
                problem=item.problem,
            )
        )
    return out(
        m.MoveOutChecklist(
            tenancy_id=found.tenancy.id,
            moved_out=found.moved_out.isoformat(),
            active=[m.Permit.model_validate(permit_json(ctx, p)) for p in found.active],
            reestablish=[p.id for p in found.reestablish],
            compensation=rows,
            total_owed_ore=found.total_owed_ore,
        )
    )


@doc(
    "The move-out checklist as a PDF for the inspection",
    content="application/pdf",
    op_id="getMoveOutChecklistPdf",
    query=MOVED_OUT,
)
@api
def move_out_checklist_pdf(ctx: Ctx) -> Response:
    found = _checklist(ctx)
    organisation = ctx.db.get(org_service.Organisation, found.department.organisation_id)
    data = service.checklist_pdf(found, organisation=organisation.name if organisation else "")
    return file_response(data, "application/pdf", f"fraflytning-{found.tenancy.number}.pdf", inline=True)


routes = [
    Route(
        "/permits/{permit_id:id}/invoice-lines",
        add_invoice_line,
        methods=["POST"],
        name="permit_invoice_lines",
    ),
    Route("/tenancies/{tenancy_id:id}/move-out-checklist", move_out_checklist, name="move_out_checklist"),
    Route(
        "/tenancies/{tenancy_id:id}/move-out-checklist.pdf",
        move_out_checklist_pdf,
        name="move_out_checklist_pdf",
    ),
]
