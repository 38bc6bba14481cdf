"""Pages of the meetings domain: the "Mine bestyrelser" dashboard."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.web import Ctx, page, render
from boardkit.meetings import service
from boardkit.org import service as org_service


@page
def home(ctx: Ctx) -> Response:
    """Every board the person sits on, with its next meetings, in one place."""
    ctx.require_login()
    boards = org_service.list_my_boards(ctx.db, principal=ctx.principal)
    upcoming = service.upcoming_by_board(ctx.db, board_ids=[mb.board.id for mb in boards])
    return render(ctx, "meetings/dashboard.html", boards=boards, upcoming=upcoming, active_nav="home")


routes = [Route("/", home, name="home")]
