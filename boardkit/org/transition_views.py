"""The page of a board's changes (``/board-changes/{board_id}``): what the election and the
vacancies propose, confirmed or set aside by the administration; the chair and vice chair read it."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import Conflict
from boardkit.core.i18n import _
from boardkit.core.permissions import Action, can
from boardkit.core.web import Ctx, page, redirect, render
from boardkit.org import transitions
from boardkit.org.boards import board_resource


def _context(ctx: Ctx, board_id: int) -> dict[str, Any]:
    board = transitions.transitions_board(ctx.db, principal=ctx.principal, board_id=board_id)
    items = transitions.list_transitions(ctx.db, board=board)
    may_decide = can(ctx.principal, Action.ADMINISTER, board_resource(board))
    return {
        "board": board,
        "items": [(t, transitions.describe(ctx.db, t)) for t in items],
        "may_decide": may_decide,
        "back": ctx.url("org:board", board_id=board.id)
        if may_decide
        else ctx.url("board_meetings", board_id=board.id),
    }


@page
def board_changes(ctx: Ctx) -> Response:
    ctx.require_login()
    return render(ctx, "org/transitions.html", **_context(ctx, ctx.int_param("board_id")))


@page
def decide(ctx: Ctx) -> Response:
    ctx.require_login()
    board = transitions.transitions_board(ctx.db, principal=ctx.principal, board_id=ctx.int_param("board_id"))
    found = transitions.get_transition(ctx.db, board=board, transition_id=ctx.int_param("transition_id"))
    try:
        if ctx.value("decision") == "dismiss":
            transitions.dismiss(ctx.db, found, principal=ctx.principal)
            ctx.flash(_("Forslaget er lagt til side. Intet er ændret."))
        else:
            transitions.confirm(ctx.db, found, principal=ctx.principal)
            ctx.flash(_("Ændringerne er gennemført."))
    except Conflict as exc:
        return render(
            ctx, "org/transitions.html", status_code=409, error=exc.message, **_context(ctx, board.id)
        )
    return redirect(ctx, "board_changes", board_id=board.id)


routes = [
    Route("/board-changes/{board_id:id}", board_changes, name="board_changes"),
    Route(
        "/board-changes/{board_id:id}/{transition_id:id}",
        decide,
        methods=["POST"],
        name="board_change_decide",
    ),
]
