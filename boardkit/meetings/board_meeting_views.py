"""A board's own meeting list: every coming meeting, and the archive of past ones by year."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.db import utcnow
from boardkit.core.permissions import Action, can
from boardkit.core.web import Ctx, page, render
from boardkit.meetings import overview
from boardkit.org import service as org_service


@page
def board_meetings(ctx: Ctx) -> Response:
    """The board's coming meetings and, below, its past meetings of one year with their minutes."""
    ctx.require_login()
    board = org_service.get_board(ctx.db, principal=ctx.principal, board_id=ctx.int_param("board_id"))
    now = utcnow()
    years = overview.archive_years(ctx.db, board_id=board.id, now=now)
    year = ctx.query_int("year")
    if year not in years:
        year = years[0] if years else None
    upcoming = overview.list_board_meetings(ctx.db, board_id=board.id, upcoming=True, now=now)
    past = (
        overview.list_board_meetings(ctx.db, board_id=board.id, upcoming=False, year=year, now=now)
        if year is not None
        else []
    )
    return render(
        ctx,
        "meetings/board_meetings.html",
        board=board,
        upcoming=upcoming,
        past=past,
        years=years,
        year=year,
        minutes=overview.minutes_status(ctx.db, meeting_ids=[m.id for m in upcoming + past]),
        manage=can(ctx.principal, Action.MANAGE, org_service.board_resource(board)),
        active_nav="home",
    )


routes = [Route("/boards/{board_id:id}/meetings", board_meetings, name="board_meetings")]
