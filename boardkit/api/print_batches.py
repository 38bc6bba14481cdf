"""REST API for print batches: letters to households without a digital channel (administration only)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.api.models import misc as m
from boardkit.api.models.common import out
from boardkit.api.openapi import Query, doc
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, api, file_response
from boardkit.meetings.invitations import service as invitations_service

PAGE_SIZE = 50


def batch_json(batch: Any, letters: int) -> m.PrintBatch:
    return m.PrintBatch(
        id=batch.id,
        organisation_id=batch.organisation_id,
        status=batch.status,
        letters=letters,
        created_at=batch.created_at.astimezone(TZ).isoformat(),
        printed_at=batch.printed_at.astimezone(TZ).isoformat() if batch.printed_at else None,
    )


def _batch(ctx: Ctx) -> Any:
    return invitations_service.get_batch(ctx.db, principal=ctx.principal, batch_id=ctx.int_param("batch_id"))


def _count(ctx: Ctx, batch: Any) -> int:
    return invitations_service.count_letters(ctx.db, batch=batch)


@doc(
    "Print batches of letters for households without a digital channel (administration)",
    ok=m.PrintBatchList,
    query=(Query("before"),),
    errors=(404,),
    op_id="listPrintBatches",
)
@api
def batch_list(ctx: Ctx) -> dict[str, Any]:
    """Print batches of my organisations, newest first; ``?before=`` is the cursor."""
    rows = invitations_service.list_batches(
        ctx.db,
        principal=ctx.principal,
        limit=PAGE_SIZE,
        before_id=ctx.query_int("before"),
    )
    more = len(rows) == PAGE_SIZE
    batches = m.PrintBatchList(
        items=[batch_json(row.batch, row.letters) for row in rows],
        next=str(rows[-1].batch.id) if more else None,
    )
    return out(batches)


@doc(
    "The batch's letters as one PDF (A4, addresses placed for C5 window envelopes)",
    content="application/pdf",
    op_id="getPrintBatchPdf",
)
@api
def batch_pdf(ctx: Ctx) -> Response:
    batch = _batch(ctx)
    data = invitations_service.build_batch_pdf(ctx.db, batch, ctx.store, later=ctx.bookkeep)
    return file_response(
        data, "application/pdf", invitations_service.batch_filename(batch), inline=True, cache="no-store"
    )


@doc(
    "Close the batch for printing; new letters go to a new batch",
    ok=m.PrintBatch,
    errors=(409,),
    op_id="closePrintBatch",
)
@api
def batch_close(ctx: Ctx) -> dict[str, Any]:
    batch = _batch(ctx)
    invitations_service.close_batch(ctx.db, batch, actor_id=ctx.person_id, store=ctx.store)
    return out(batch_json(batch, _count(ctx, batch)))


@doc(
    "Mark a closed batch printed; its letters count as the households' notices",
    ok=m.PrintedBatch,
    errors=(409,),
    op_id="markPrintBatchPrinted",
)
@api
def batch_printed(ctx: Ctx) -> dict[str, Any]:
    batch = _batch(ctx)
    marked = invitations_service.mark_printed(ctx.db, batch, actor_id=ctx.person_id)
    summary = batch_json(batch, _count(ctx, batch))
    return out(m.PrintedBatch(**dict(summary), invitations_printed=marked))


routes = [
    Route("/print-batches", batch_list, name="print_batches"),
    Route("/print-batches/{batch_id:id}.pdf", batch_pdf, name="print_batch_pdf"),
    Route("/print-batches/{batch_id:id}/close", batch_close, methods=["POST"], name="print_batch_close"),
    Route(
        "/print-batches/{batch_id:id}/printed", batch_printed, methods=["POST"], name="print_batch_printed"
    ),
]
