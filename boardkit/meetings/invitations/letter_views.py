"""Administration pages for print batches: the letters to households without a digital channel."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import Conflict
from boardkit.core.i18n import _
from boardkit.core.web import Ctx, file_response, page, redirect, render
from boardkit.meetings.invitations import letters
from boardkit.meetings.models import PrintBatch
from boardkit.org import service as org_service


def _batch(ctx: Ctx) -> PrintBatch:
    principal = ctx.require_login().principal
    return letters.get_batch(ctx.db, principal=principal, batch_id=ctx.int_param("batch_id"))


def pdf_response(data: bytes, filename: str) -> Response:
    return file_response(data, "application/pdf", filename, inline=True, cache="no-store")


@page
def batch_list(ctx: Ctx) -> Response:
    """Every print batch of the staff member's organisations, newest first."""
    principal = ctx.require_login().principal
    batches = letters.list_batches(ctx.db, principal=principal, limit=200)
    organisations = org_service.list_organisations(ctx.db, ids=principal.staff_organisation_ids)
    return render(
        ctx,
        "meetings/print_batches.html",
        batches=batches,
        organisation_names={o.id: o.name for o in organisations},
        active_nav="org:index",
    )


@page
def batch_detail(ctx: Ctx) -> Response:
    batch = _batch(ctx)
    rows = letters.letter_rows(letters.batch_letters(ctx.db, batch=batch))
    printed_by = org_service.get_person(ctx.db, person_id=batch.printed_by).name if batch.printed_by else ""
    return render(
        ctx,
        "meetings/print_batch.html",
        batch=batch,
        rows=rows,
        printed_by=printed_by,
        active_nav="org:index",
    )


@page
def batch_pdf(ctx: Ctx) -> Response:
    """The batch's letters as one PDF, shown in the browser (inline) for printing."""
    batch = _batch(ctx)
    data = letters.build_batch_pdf(ctx.db, batch, ctx.store, later=ctx.bookkeep)
    return pdf_response(data, letters.batch_filename(batch))


@page
def batch_close(ctx: Ctx) -> Response:
    """Afslut og print: new letters go to a new batch; this one's PDF is made ready."""
    batch = _batch(ctx)
    try:
        letters.close_batch(ctx.db, batch, actor_id=ctx.person_id, store=ctx.store)
    except Conflict as exc:
        ctx.flash(exc.message, "error")
    else:
        ctx.flash(_("Batchen er afsluttet. Hent PDF'en, print brevene, og markér batchen som printet."))
    return redirect(ctx, "letters:batch", batch_id=batch.id)


@page
def batch_printed(ctx: Ctx) -> Response:
    """Markér som printet: the letters now count as the households' notices."""
    batch = _batch(ctx)
    try:
        letters.mark_printed(ctx.db, batch, actor_id=ctx.person_id)
    except Conflict as exc:
        ctx.flash(exc.message, "error")
    else:
        ctx.flash(_("Batchen er markeret som printet. Brevene tæller nu som husstandenes indkaldelse."))
    return redirect(ctx, "letters:batch", batch_id=batch.id)


routes = [
    Route("/", batch_list, name="batches"),
    Route("/{batch_id:id}", batch_detail, name="batch"),
    Route("/{batch_id:id}.pdf", batch_pdf, name="batch_pdf"),
    Route("/{batch_id:id}/close", batch_close, methods=["POST"], name="close"),
    Route("/{batch_id:id}/printed", batch_printed, methods=["POST"], name="printed"),
]
