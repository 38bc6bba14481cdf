"""REST API for expense reports (API.md): the yearly mileage summary (JSON and CSV) and a board's budget."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.web import Ctx, api
from boardkit.expenses.service import reports, rules

MAX_ID = 2**31 - 1


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


def summary_json(row: reports.MileageSummary) -> dict[str, Any]:
    return {**asdict(row), "km_tenths": row.km_tenths, "amount_ore": row.amount_ore}


@api
def mileage(ctx: Ctx) -> dict[str, Any]:
    """The year's mileage per claimant and vehicle: mine, or everyone's for the administration."""
    year, organisation_id, rows = _summary(ctx)
    query = {"year": year, "organisation_id": organisation_id}
    return {
        "year": year,
        "organisation_id": organisation_id,
        "items": [summary_json(r) for r in rows],
        "csv_url": ctx.url("api:expense_report_mileage_csv", _query=query),
    }


@api
def mileage_csv(ctx: Ctx) -> Response:
    year, _organisation_id, rows = _summary(ctx)
    headers = {
        "Content-Disposition": f'attachment; filename="koerselsgodtgoerelse-{year}.csv"',
        "X-Content-Type-Options": "nosniff",
    }
    return Response(reports.mileage_summary_csv(rows), media_type="text/csv; charset=utf-8", headers=headers)


@api
def budget(ctx: Ctx) -> dict[str, Any]:
    """Per budget account: the yearly budget, the board's spent and pending claims, what remains."""
    board_id = _number(ctx, "board_id")
    if board_id is None:
        raise _invalid("board_id", _("Vælg bestyrelsen."))
    found = reports.budget_overview(ctx.db, principal=ctx.principal, board_id=board_id, year=_year(ctx))
    return {
        **{k: v for k, v in asdict(found).items() if k != "accounts"},
        "budget_ore": found.budget_ore,
        "spent_ore": found.spent_ore,
        "pending_ore": found.pending_ore,
        "accounts": [
            {**asdict(a), "remaining_ore": a.remaining_ore, "percent_used": a.percent_used}
            for a in found.accounts
        ],
    }


def _query(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": INT, "description": description}


def _op(summary: str, op_id: str, *params: dict[str, Any], json: bool = True) -> dict[str, Any]:
    body = {"content": {"application/json": {"schema": {"type": "object"}}}} if json else {}
    errors = {
        str(c): {"description": d}
        for c, d in ((401, "Not signed in"), (404, "Not found"), (422, "Bad input"))
    }
    return {
        "get": {
            "summary": summary,
            "operationId": op_id,
            "parameters": list(params),
            "responses": {"200": {"description": "OK", **body}, **errors},
        }
    }


INT = {"type": "integer"}
YEAR = _query(
    "year", "the calendar year (mileage: the day travelled; budget: the financial year); default this year"
)
ORG = _query("organisation_id", "default: the one organisation I administer or sit on a board of")
PATHS: dict[str, Any] = {
    "/expense-reports/mileage": _op(
        "The year's mileage per claimant and vehicle (km, amount, rates used, trips; pending apart): "
        "my own, or everyone's in the organisation for the administration",
        "getMileageSummary",
        YEAR,
        ORG,
        _query("person_id", "one claimant (someone else's: administration only, else 404)"),
    ),
    "/expense-reports/mileage.csv": _op(
        "The mileage summary for Danish Excel: UTF-8 with BOM, `;`, one row per person and vehicle; "
        "columns " + ", ".join(reports.CSV_COLUMNS),
        "getMileageSummaryCsv",
        YEAR,
        ORG,
        _query("person_id", "one claimant"),
        json=False,
    ),
    "/expense-reports/budget": _op(
        "Per budget account of the board's organisation: yearly budget, the board's spent (approved, "
        "exported, paid) and pending (submitted, attested), remaining and percent used",
        "getBudgetOverview",
        {"name": "board_id", "in": "query", "required": True, "schema": INT},
        YEAR,
    ),
}
routes = [
    Route("/expense-reports/mileage", mileage, methods=["GET"], name="expense_report_mileage"),
    Route("/expense-reports/mileage.csv", mileage_csv, methods=["GET"], name="expense_report_mileage_csv"),
    Route("/expense-reports/budget", budget, methods=["GET"], name="expense_report_budget"),
]
