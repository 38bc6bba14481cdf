"""REST API for print batches: letters to households without a digital channel (administration only)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.storage import FileStore
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, api
from boardkit.meetings.invitations import service as invitations_service
from boardkit.org import service as org_service

PAGE_SIZE = 50


def batch_json(batch: Any, letters: int) -> dict[str, Any]:
    return {
        "id": batch.id,
        "organisation_id": batch.organisation_id,
        "status": batch.status,
        "letters": letters,
        "created_at": batch.created_at.astimezone(TZ).isoformat(),
        "printed_at": batch.printed_at.astimezone(TZ).isoformat() if batch.printed_at else None,
    }


def _batch(ctx: Ctx) -> Any:
    principal = org_service.require_staff(ctx.principal)
    return invitations_service.get_batch(ctx.db, principal=principal, batch_id=ctx.int_param("batch_id"))


def _count(ctx: Ctx, batch: Any) -> int:
    return invitations_service.count_letters(ctx.db, batch=batch)


@api
def batch_list(ctx: Ctx) -> dict[str, Any]:
    """Print batches of my organisations, newest first; ``?before=`` is the cursor."""
    principal = org_service.require_staff(ctx.principal)
    rows = invitations_service.list_batches(
        ctx.db,
        organisation_ids=principal.staff_organisation_ids,
        limit=PAGE_SIZE,
        before_id=ctx.query_int("before"),
    )
    more = len(rows) == PAGE_SIZE
    return {
        "items": [batch_json(row.batch, row.letters) for row in rows],
        "next": str(rows[-1].batch.id) if more else None,
    }


@api
def batch_pdf(ctx: Ctx) -> Response:
    batch = _batch(ctx)
    data = invitations_service.build_batch_pdf(
        ctx.db, batch, FileStore(ctx.settings.files_dir), later=ctx.bookkeep
    )
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{invitations_service.batch_filename(batch)}"',
            "Cache-Control": "no-store",
        },
    )


@api
def batch_close(ctx: Ctx) -> dict[str, Any]:
    batch = _batch(ctx)
    invitations_service.close_batch(
        ctx.db, batch, actor_id=ctx.person_id, store=FileStore(ctx.settings.files_dir)
    )
    return batch_json(batch, _count(ctx, batch))


@api
def batch_printed(ctx: Ctx) -> dict[str, Any]:
    batch = _batch(ctx)
    marked = invitations_service.mark_printed(ctx.db, batch, actor_id=ctx.person_id)
    return {**batch_json(batch, _count(ctx, batch)), "invitations_printed": marked}


routes = [
    Route("/print-batches", batch_list, name="print_batches"),
    Route("/print-batches/{batch_id:id}.pdf", batch_pdf, name="print_batch_pdf"),
    Route("/print-batches/{batch_id:id}/close", batch_close, methods=["POST"], name="print_batch_close"),
    Route(
        "/print-batches/{batch_id:id}/printed", batch_printed, methods=["POST"], name="print_batch_printed"
    ),
]

# --- OpenAPI ------------------------------------------------------------------------------

_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
_ID = [{"name": "batch_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
BATCH: dict[str, Any] = {
    "type": "object",
    "required": ["id", "status", "letters", "created_at", "printed_at"],
    "properties": {
        "id": {"type": "integer"},
        "organisation_id": {"type": "integer"},
        "status": {"type": "string", "enum": ["open", "closed", "printed"]},
        "letters": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "printed_at": {"type": ["string", "null"], "format": "date-time"},
    },
}


def _responses(ok: dict[str, Any], *codes: int) -> dict[str, Any]:
    text = {401: "No or invalid token", 404: "Missing or not yours", 409: "Not in a state that allows it"}
    return {"200": ok, **{str(c): {"description": text[c], "content": _ERROR} for c in codes}}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": "OK", "content": {"application/json": {"schema": schema}}}


PATHS: dict[str, Any] = {
    "/print-batches": {
        "get": {
            "summary": "Print batches of letters for households without a digital channel (administration)",
            "operationId": "listPrintBatches",
            "parameters": [
                {"name": "before", "in": "query", "required": False, "schema": {"type": "string"}},
            ],
            "responses": _responses(
                _json(
                    {
                        "type": "object",
                        "required": ["items", "next"],
                        "properties": {
                            "items": {"type": "array", "items": BATCH},
                            "next": {"type": ["string", "null"]},
                        },
                    }
                ),
                401,
                404,
            ),
        }
    },
    "/print-batches/{batch_id}.pdf": {
        "get": {
            "summary": "The batch's letters as one PDF (A4, addresses placed for C5 window envelopes)",
            "operationId": "getPrintBatchPdf",
            "parameters": _ID,
            "responses": _responses(
                {"description": "PDF", "content": {"application/pdf": {"schema": {"type": "string"}}}},
                401,
                404,
            ),
        }
    },
    "/print-batches/{batch_id}/close": {
        "post": {
            "summary": "Close the batch for printing; new letters go to a new batch",
            "operationId": "closePrintBatch",
            "parameters": _ID,
            "responses": _responses(_json(BATCH), 401, 404, 409),
        }
    },
    "/print-batches/{batch_id}/printed": {
        "post": {
            "summary": "Mark a closed batch printed; its letters count as the households' notices",
            "operationId": "markPrintBatchPrinted",
            "parameters": _ID,
            "responses": _responses(
                _json(
                    {
                        **BATCH,
                        "properties": {**BATCH["properties"], "invitations_printed": {"type": "integer"}},
                    }
                ),
                401,
                404,
                409,
            ),
        }
    },
}
