"""REST API for expense export batches (API.md): make a batch, list them, read CSV and PDF, mark paid."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from boardkit.api.expenses import claim_link
from boardkit.api.expenses_json import iso
from boardkit.api.models import expenses as m
from boardkit.api.models.common import out
from boardkit.api.openapi import Query, doc
from boardkit.api.schema import parse
from boardkit.core.web import Ctx, api, file_response, spooled_file_response
from boardkit.expenses.service import export

PAGE_SIZE = 50


def export_json(ctx: Ctx, batch: Any) -> m.Export:
    paid = export.paid_at(batch)
    return m.Export(
        id=batch.id,
        organisation_id=batch.organisation_id,
        created_by=batch.created_by,
        created_at=iso(batch.created_at),
        claims=[c.id for c in batch.claims],
        paid=paid is not None,
        paid_at=iso(paid),
        csv_url=ctx.url("api:expense_export_csv", export_id=batch.id),
        pdf_url=ctx.url("api:expense_export_pdf", export_id=batch.id),
    )


@doc(
    "Export batches of the organisations I administer, newest first (404 for anyone but staff)",
    ok=m.ExportList,
    query=(Query("before"),),
    errors=(404,),
    op_id="listExpenseExports",
)
@api
def list_exports(ctx: Ctx) -> dict[str, Any]:
    """Batches of the organisations I administer, newest first; ``?before=`` is the cursor."""
    found = export.list_exports(
        ctx.db, principal=ctx.principal, before_id=ctx.query_int("before"), limit=PAGE_SIZE
    )
    listed = m.ExportList(
        items=[export_json(ctx, b) for b in found],
        next=str(found[-1].id) if len(found) == PAGE_SIZE else None,
    )
    return out(listed)


@doc(
    "Every approved, not yet exported claim → a batch (administration)",
    ok=m.Export,
    status=201,
    body=m.NewExport,
    body_required=False,
    errors=(403, 404, 409, 422),
    op_id="createExpenseExport",
)
@api
def create_export(ctx: Ctx) -> Response:
    """Every approved, not yet exported claim → a batch; optional ``{organisation_id}``."""
    organisation_id = parse(ctx, m.NewExport, optional=True).organisation_id
    batch = export.create_export(
        ctx.db, principal=ctx.principal, organisation_id=organisation_id, link=claim_link(ctx)
    )
    return JSONResponse(out(export_json(ctx, batch)), status_code=201)


@doc(
    "The administration has paid the batch: every claim in it is marked paid",
    ok=m.Export,
    errors=(403, 409),
    op_id="markExpenseExportPaid",
)
@api
def mark_paid(ctx: Ctx) -> dict[str, Any]:
    """The administration has paid the batch: every claim in it is marked paid."""
    batch = export.mark_export_paid(
        ctx.db, principal=ctx.principal, export_id=ctx.int_param("export_id"), link=claim_link(ctx)
    )
    return out(export_json(ctx, batch))


@doc("The batch as CSV for the bookkeeping", content="text/csv", op_id="getExpenseExportCsv")
@api
def export_csv(ctx: Ctx) -> Response:
    batch = export.get_export(ctx.db, principal=ctx.principal, export_id=ctx.int_param("export_id"))
    data = export.export_csv(ctx.db, batch, secret_key=ctx.settings.secret_key)
    return file_response(data, "text/csv; charset=utf-8", f"udlaeg-eksport-{batch.id}.csv")


@doc(
    "Every receipt of the batch, in order, as one PDF", content="application/pdf", op_id="getExpenseExportPdf"
)
@api
def export_pdf(ctx: Ctx) -> Response:
    batch = export.get_export(ctx.db, principal=ctx.principal, export_id=ctx.int_param("export_id"))
    store = ctx.store
    return spooled_file_response(
        lambda out: export.write_pdf(ctx.db, batch, store, out),
        "application/pdf",
        f"udlaeg-eksport-{batch.id}-bilag.pdf",
    )


EXPORT = "/expense-exports/{export_id:id}"
routes = [
    Route("/expense-exports", list_exports, methods=["GET"], name="expense_exports"),
    Route("/expense-exports", create_export, methods=["POST"], name="expense_export_create"),
    Route(f"{EXPORT}.csv", export_csv, methods=["GET"], name="expense_export_csv"),
    Route(f"{EXPORT}.pdf", export_pdf, methods=["GET"], name="expense_export_pdf"),
    Route(f"{EXPORT}/paid", mark_paid, methods=["POST"], name="expense_export_paid"),
]
