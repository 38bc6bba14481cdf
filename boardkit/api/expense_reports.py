"""REST API for expense reports (API.md): the yearly mileage summary (JSON and CSV) and a board's budget."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.api.models import misc as m
from boardkit.api.models.common import out
from boardkit.api.openapi import Query, doc
from boardkit.core.errors import ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.web import Ctx, api, file_response
from boardkit.expenses.service import reports, rules

MAX_ID = 2**31 - 1
INT = {"type": "integer"}
YEAR = Query(
    "year",
    INT,
    "the calendar year (mileage: the day travelled; budget: the financial year); default this year",
)
MILEAGE_QUERY = (
    YEAR,
    Query("organisation_id", INT, "default: the one organisation I administer or sit on a board of"),
    Query("person_id", INT, "one claimant (someone else's: administration only, else 404)"),
)


def _invalid(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(_("Nogle felter skal rettes."), fields={name: message})


def _number(ctx: Ctx, name: str) -> int | None:
    """A positive whole number from the query string, None when absent, 422 when it is not one."""
    raw = ctx.request.query_params.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw[:12]) <= MAX_ID:
        raise _invalid(name, _("Skriv et helt tal."))
    return int(raw)


def _year(ctx: Ctx) -> int:
    raw = ctx.request.query_params.get("year", "").strip()
    if not raw:
        return rules.today().year
    if not (raw.isascii() and raw.isdigit()) or len(raw) != 4:
        raise _invalid("year", _("Skriv et årstal, fx 2026."))
    return reports.check_year(int(raw))


def _summary(ctx: Ctx) -> tuple[int, int, list[reports.MileageSummary]]:
    year = _year(ctx)
    organisation_id = _number(ctx, "organisation_id") or reports.default_organisation(
        ctx.db, principal=ctx.principal
    )
    if organisation_id is None:
        raise _invalid("organisation_id", _("Vælg organisationen."))
    rows = reports.mileage_summary(
        ctx.db,
        principal=ctx.principal,
        organisation_id=organisation_id,
        year=year,
        person_id=_number(ctx, "person_id"),
    )
    return year, organisation_id, rows


def summary_json(row: reports.MileageSummary) -> m.MileageSummary:
    return m.MileageSummary.model_validate(
        {**asdict(row), "km_tenths": row.km_tenths, "amount_ore": row.amount_ore}
    )


@doc(
    "The year's mileage per claimant and vehicle (km, amount, rates used, trips; pending apart): "
    "my own, or everyone's in the organisation for the administration",
    ok=m.MileageReport,
    errors=(404, 422),
    op_id="getMileageSummary",
    query=MILEAGE_QUERY,
)
@api
def mileage(ctx: Ctx) -> dict[str, Any]:
    """The year's mileage per claimant and vehicle: mine, or everyone's for the administration."""
    year, organisation_id, rows = _summary(ctx)
    query = {"year": year, "organisation_id": organisation_id}
    report = m.MileageReport(
        year=year,
        organisation_id=organisation_id,
        items=[summary_json(r) for r in rows],
        csv_url=ctx.url("api:expense_report_mileage_csv", _query=query),
    )
    return out(report)


@doc(
    "The mileage summary for Danish Excel: UTF-8 with BOM, `;`, one row per person and vehicle; "
    "columns " + ", ".join(reports.CSV_COLUMNS),
    content="text/csv",
    errors=(404, 422),
    op_id="getMileageSummaryCsv",
    query=MILEAGE_QUERY,
)
@api
def mileage_csv(ctx: Ctx) -> Response:
    year, _organisation_id, rows = _summary(ctx)
    data = reports.mileage_summary_csv(rows)
    return file_response(data, "text/csv; charset=utf-8", f"koerselsgodtgoerelse-{year}.csv")


@doc(
    "Per budget account of the board's organisation: yearly budget, the board's spent (approved, "
    "exported, paid) and pending (submitted, attested), remaining and percent used",
    ok=m.BudgetOverview,
    errors=(404, 422),
    op_id="getBudgetOverview",
    query=(Query("board_id", {"type": "integer"}, required=True), YEAR),
)
@api
def budget(ctx: Ctx) -> dict[str, Any]:
    """Per budget account: the yearly budget, the board's spent and pending claims, what remains."""
    board_id = _number(ctx, "board_id")
    if board_id is None:
        raise _invalid("board_id", _("Vælg bestyrelsen."))
    found = reports.budget_overview(ctx.db, principal=ctx.principal, board_id=board_id, year=_year(ctx))
    overview = {
        **{k: v for k, v in asdict(found).items() if k != "accounts"},
        "budget_ore": found.budget_ore,
        "spent_ore": found.spent_ore,
        "pending_ore": found.pending_ore,
        "accounts": [
            {**asdict(a), "remaining_ore": a.remaining_ore, "percent_used": a.percent_used}
            for a in found.accounts
        ],
    }
    return out(m.BudgetOverview.model_validate(overview))


routes = [
    Route("/expense-reports/mileage", mileage, methods=["GET"], name="expense_report_mileage"),
    Route("/expense-reports/mileage.csv", mileage_csv, methods=["GET"], name="expense_report_mileage_csv"),
    Route("/expense-reports/budget", budget, methods=["GET"], name="expense_report_budget"),
]
