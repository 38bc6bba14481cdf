"""REST API for the board's year plan (årshjul): its recurring dates this year and next."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from boardkit.api.models import yearplan as m
from boardkit.api.models.common import out
from boardkit.api.openapi import doc
from boardkit.core.web import Ctx, api
from boardkit.onboarding import service
from boardkit.org import service as org_service


@doc(
    "A department board's year plan, this year and next: the budget meeting and its deadlines, the "
    "accounts, the inspection walk, the constituting meeting (its members and the administration)",
    ok=m.YearPlan,
    errors=(404,),
    op_id="getYearPlan",
)
@api
def year_plan(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    plan = service.board_plan(
        ctx.db, principal=ctx.principal, board_id=ctx.int_param("board_id"), today=org_service.today()
    )
    return out(
        m.YearPlan(
            board_id=plan.board.id,
            board_name=plan.board.name,
            years=list(plan.years),
            financial_year_start=plan.rules.financial_year_start,
            elections=[d.isoformat() for d in plan.elections],
            items=[
                m.YearPlanEvent(
                    kind=e.kind,
                    date=e.day.isoformat(),
                    title=e.title,
                    note=e.note,
                    statutory=e.statutory,
                )
                for e in plan.events
            ],
            next=None,
        )
    )


routes = [Route("/boards/{board_id:id}/year-plan", year_plan, name="year_plan")]
