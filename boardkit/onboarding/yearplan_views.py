"""The year plan's pages: a department board's plan for this year and next, by month (its members and
the administration), and the administration's rules for it (``/admin/year-plan``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import groupby
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.templating import fmt_date
from boardkit.core.web import Ctx, form_errors, page, redirect, render
from boardkit.onboarding import yearplan_rules
from boardkit.onboarding.yearplan import YearEvent
from boardkit.onboarding.yearplan_board import board_plan
from boardkit.org import service as org_service


@dataclass(frozen=True)
class Month:
    key: str  # "2026-09", for the headings' ids
    name: str  # "September 2026" in the reader's language
    events: list[YearEvent]


def by_month(events: list[YearEvent], year: int) -> list[Month]:
    """The year's events grouped by month (months without events left out)."""
    mine = [e for e in events if e.day.year == year]
    return [
        Month(
            key=f"{year}-{month:02d}",
            name=fmt_date(date(year, month, 1), "MMMM y").capitalize(),
            events=list(found),
        )
        for month, found in groupby(mine, key=lambda e: e.day.month)
    ]


@page
def year_plan_page(ctx: Ctx) -> Response:
    """The board's year plan (årshjul): this year and next, by month, the statutory dates marked."""
    ctx.require_login()
    plan = board_plan(
        ctx.db, principal=ctx.principal, board_id=ctx.int_param("board_id"), today=org_service.today()
    )
    return render(
        ctx,
        "onboarding/yearplan.html",
        board=plan.board,
        years=[(year, by_month(plan.events, year)) for year in plan.years],
        elections=plan.elections,
        rules=plan.rules,
        months=dict(month_names()),
        year_starts=fmt_date(date.fromisoformat(f"2001-{plan.rules.financial_year_start}"), "d. MMMM"),
        member=plan.board.id in ctx.principal.board_roles,
        staff=ctx.principal.staff_organisation_ids == {plan.board.organisation_id},
        active_nav="home",
    )


def month_names() -> list[tuple[int, str]]:
    return [(m, fmt_date(date(2001, m, 1), "MMMM").capitalize()) for m in range(1, 13)]


def _settings_context(ctx: Ctx) -> dict[str, Any]:
    organisation, rules = yearplan_rules.plan_rules(ctx.db, principal=ctx.principal)
    return {
        "organisation": organisation,
        "rules": rules,
        "months": month_names(),
        "default_accounts_month": dict(month_names())[rules.default_accounts_approval_month],
        "active_nav": "org:index",
    }


@page
def year_plan_settings(ctx: Ctx) -> Response:
    """The administration's rules for the year plan: GET the form, POST saves them all at once."""
    ctx.require_login()
    context = _settings_context(ctx)
    if ctx.request.method == "GET":
        return render(ctx, "onboarding/yearplan_settings.html", **context)
    try:
        yearplan_rules.update_plan_rules(
            ctx.db,
            principal=ctx.principal,
            financial_year_start=ctx.value(yearplan_rules.FINANCIAL_YEAR_START),
            inspection_month=ctx.value(yearplan_rules.INSPECTION_MONTH),
            accounts_approval_month=ctx.value(yearplan_rules.ACCOUNTS_APPROVAL_MONTH),
            constituting_days=ctx.value(yearplan_rules.CONSTITUTING_DAYS),
        )
    except ValidationFailed as exc:
        errors = {k: str(v) for k, v in exc.fields.items()}
        return form_errors(ctx, "onboarding/yearplan_settings.html", errors, **context)
    ctx.flash(_("Reglerne for årshjulet er gemt."))
    return redirect(ctx, "year_plan_settings")


routes = [
    Route("/boards/{board_id:id}/year-plan", year_plan_page, name="year_plan"),
    Route("/admin/year-plan", year_plan_settings, methods=["GET", "POST"], name="year_plan_settings"),
]
