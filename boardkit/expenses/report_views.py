"""Pages for the bookkeeping and the board: export batches, the yearly mileage summary, the budget."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import Conflict, NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.web import Ctx, file_response, page, redirect, render, spooled_file_response
from boardkit.expenses import queue, reports, rules, service
from boardkit.expenses.views import claim_link
from boardkit.org import service as org_service


@page
def exports_page(ctx: Ctx) -> Response:
    ctx.require_login()
    export = service.export
    batches = export.list_exports(ctx.db, principal=ctx.principal, limit=100)
    return render(
        ctx,
        "expenses/exports.html",
        batches=[(b, export.paid_at(b), sum(c.total_ore for c in b.claims)) for b in batches],
        ready=queue.count_queue(ctx.db, principal=ctx.principal).get("approved", 0),
        active_nav="expenses",
    )


@page
def create_export(ctx: Ctx) -> Response:
    ctx.require_login()
    try:
        batch = service.export.create_export(ctx.db, principal=ctx.principal, link=claim_link(ctx))
    except (Conflict, ValidationFailed) as exc:
        ctx.flash(exc.message if not exc.fields else "; ".join(str(v) for v in exc.fields.values()), "error")
        return redirect(ctx, "expense_exports")
    ctx.flash(
        _(
            "Eksport %(n)s er lavet med %(count)s udlæg. Hent CSV-filen og bilagene.",
            n=batch.id,
            count=len(batch.claims),
        )
    )
    return redirect(ctx, "expense_exports")


@page
def mark_paid(ctx: Ctx) -> Response:
    ctx.require_login()
    try:
        batch = service.export.mark_export_paid(
            ctx.db, principal=ctx.principal, export_id=ctx.int_param("export_id"), link=claim_link(ctx)
        )
    except Conflict as exc:
        ctx.flash(exc.message, "error")
    else:
        ctx.flash(_("Eksport %(n)s er markeret som udbetalt. Modtagerne får besked.", n=batch.id))
    return redirect(ctx, "expense_exports")


@page
def export_csv(ctx: Ctx) -> Response:
    ctx.require_login()
    batch = service.export.get_export(ctx.db, principal=ctx.principal, export_id=ctx.int_param("export_id"))
    data = service.export.export_csv(ctx.db, batch, secret_key=ctx.settings.secret_key)
    return file_response(data, "text/csv; charset=utf-8", f"udlaeg-eksport-{batch.id}.csv")


@page
def export_pdf(ctx: Ctx) -> Response:
    ctx.require_login()
    batch = service.export.get_export(ctx.db, principal=ctx.principal, export_id=ctx.int_param("export_id"))
    store = ctx.store
    return spooled_file_response(
        lambda out: service.export.write_pdf(ctx.db, batch, store, out),
        "application/pdf",
        f"udlaeg-eksport-{batch.id}-bilag.pdf",
    )


def _year(ctx: Ctx) -> int:
    year = ctx.query_int("year") or rules.today().year
    try:
        return reports.check_year(year)
    except ValidationFailed:
        return rules.today().year


def _mileage(ctx: Ctx) -> tuple[int, int | None, list[reports.MileageSummary]]:
    ctx.require_login()
    year = _year(ctx)
    organisation_id = reports.default_organisation(ctx.db, principal=ctx.principal)
    if organisation_id is None:
        return year, None, []
    rows = reports.mileage_summary(
        ctx.db, principal=ctx.principal, organisation_id=organisation_id, year=year
    )
    return year, organisation_id, rows


@page
def mileage_page(ctx: Ctx) -> Response:
    """Km and amounts per person and vehicle for a year, with the rates used: for tax reporting."""
    year, _organisation, rows = _mileage(ctx)
    return render(
        ctx,
        "expenses/mileage.html",
        year=year,
        rows=rows,
        this_year=rules.today().year,
        km_text=service.mileage.km_text,
        active_nav="expenses",
    )


@page
def mileage_csv(ctx: Ctx) -> Response:
    year, _organisation, rows = _mileage(ctx)
    return file_response(reports.mileage_summary_csv(rows), "text/csv; charset=utf-8", f"koersel-{year}.csv")


@page
def budget_page(ctx: Ctx) -> Response:
    """Spent against budget per account for one of my boards (or any board, for the administration)."""
    ctx.require_login()
    boards = org_service.list_visible_boards(ctx.db, principal=ctx.principal)
    if not boards:
        raise NotFound()
    board_id = ctx.query_int("board_id") or boards[0].id
    year = _year(ctx)
    overview = reports.budget_overview(ctx.db, principal=ctx.principal, board_id=board_id, year=year)
    return render(
        ctx,
        "expenses/budget.html",
        overview=overview,
        boards=[(b.id, b.name) for b in boards],
        this_year=rules.today().year,
        active_nav="expenses",
    )


EXPORT = "/expenses/exports/{export_id:id}"
routes = [
    Route("/expenses/exports", exports_page, name="expense_exports"),
    Route("/expenses/exports", create_export, methods=["POST"], name="expense_export_create"),
    Route(f"{EXPORT}/paid", mark_paid, methods=["POST"], name="expense_export_paid"),
    Route(f"{EXPORT}.csv", export_csv, name="expense_export_csv"),
    Route(f"{EXPORT}.pdf", export_pdf, name="expense_export_pdf"),
    Route("/expenses/mileage", mileage_page, name="expense_mileage"),
    Route("/expenses/mileage.csv", mileage_csv, name="expense_mileage_csv"),
    Route("/expenses/budget", budget_page, name="expense_budget"),
]
