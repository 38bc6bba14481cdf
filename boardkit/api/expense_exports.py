"""REST API for expense export batches (API.md): make a batch, list them, read its CSV and PDF."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from boardkit.api.json_input import Reader, json_object
from boardkit.core.storage import FileStore
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, api
from boardkit.expenses.service import export

PAGE_SIZE = 50


def export_json(ctx: Ctx, batch: Any) -> dict[str, Any]:
    return {
        "id": batch.id,
        "organisation_id": batch.organisation_id,
        "created_by": batch.created_by,
        "created_at": batch.created_at.astimezone(TZ).isoformat(),
        "claims": [c.id for c in batch.claims],
        "csv_url": ctx.url("api:expense_export_csv", export_id=batch.id),
        "pdf_url": ctx.url("api:expense_export_pdf", export_id=batch.id),
    }


@api
def list_exports(ctx: Ctx) -> dict[str, Any]:
    """Batches of the organisations I administer, newest first; ``?before=`` is the cursor."""
    found = export.list_exports(
        ctx.db, principal=ctx.principal, before_id=ctx.query_int("before"), limit=PAGE_SIZE
    )
    return {
        "items": [export_json(ctx, b) for b in found],
        "next": str(found[-1].id) if len(found) == PAGE_SIZE else None,
    }


@api
def create_export(ctx: Ctx) -> Response:
    """Every approved, not yet exported claim → a batch; optional ``{organisation_id}``."""
    r = Reader(json_object(ctx) if ctx.body is not None else {})
    organisation_id = r.number("organisation_id")
    r.check()

    def link(claim_id: int) -> str:
        return ctx.absolute_url("api:expense_claim", claim_id=claim_id)

    batch = export.create_export(ctx.db, principal=ctx.principal, organisation_id=organisation_id, link=link)
    return JSONResponse(export_json(ctx, batch), status_code=201)


def _download(data: bytes, media_type: str, filename: str) -> Response:
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Content-Type-Options": "nosniff",
    }
    return Response(data, media_type=media_type, headers=headers)


@api
def export_csv(ctx: Ctx) -> Response:
    batch = export.get_export(ctx.db, principal=ctx.principal, export_id=ctx.int_param("export_id"))
    data = export.export_csv(ctx.db, batch, secret_key=ctx.settings.secret_key)
    return _download(data, "text/csv; charset=utf-8", f"udlaeg-eksport-{batch.id}.csv")


@api
def export_pdf(ctx: Ctx) -> Response:
    batch = export.get_export(ctx.db, principal=ctx.principal, export_id=ctx.int_param("export_id"))
    data = export.export_pdf(ctx.db, batch, FileStore(ctx.settings.files_dir))
    return _download(data, "application/pdf", f"udlaeg-eksport-{batch.id}-bilag.pdf")


EXPORT = "/expense-exports/{export_id:id}"
routes = [
    Route("/expense-exports", list_exports, methods=["GET"], name="expense_exports"),
    Route("/expense-exports", create_export, methods=["POST"], name="expense_export_create"),
    Route(f"{EXPORT}.csv", export_csv, methods=["GET"], name="expense_export_csv"),
    Route(f"{EXPORT}.pdf", export_pdf, methods=["GET"], name="expense_export_pdf"),
]
