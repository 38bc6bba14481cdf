"""The department's page: its announced meetings, their agendas, published minutes and decisions."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.db import utcnow
from boardkit.core.web import Ctx, page, render
from boardkit.meetings import department


@page
def department_page(ctx: Ctx) -> Response:
    """For the department's residents, its boards and the administration (404 for anyone else)."""
    ctx.require_login()
    found = department.get_department(
        ctx.db, principal=ctx.principal, department_id=ctx.int_param("department_id")
    )
    overview = department.department_page(ctx.db, principal=ctx.principal, department=found, now=utcnow())
    return render(ctx, "meetings/department.html", page=overview, active_nav="home")


routes = [Route("/departments/{department_id:id}", department_page, name="department")]
