"""The decision register page: every decision the reader may see, by department and year."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.web import Ctx, page, render
from boardkit.meetings.minutes import decisions as register


@page
def decisions_page(ctx: Ctx) -> Response:
    ctx.require_login()
    department_id = ctx.query_int("department_id")
    year = ctx.query_int("year")
    if year is not None and not 1900 <= year <= 2999:
        year = None
    q = ctx.request.query_params.get("q", "").strip()[:200]
    entries = register.list_decisions(
        ctx.db, principal=ctx.principal, department_id=department_id, year=year, q=q
    )
    departments = register.departments(ctx.db, principal=ctx.principal)
    return render(
        ctx,
        "meetings/decisions.html",
        entries=entries,
        years=[(y, str(y)) for y in register.years(ctx.db, principal=ctx.principal)],
        departments=departments,
        values={"department_id": department_id or "", "year": year or "", "q": q},
        active_nav="decisions",
    )


routes = [Route("/decisions", decisions_page, name="decisions")]
