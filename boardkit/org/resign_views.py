"""A board member resigns: the page with the last day on the board and a confirmation step."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.templating import fmt_date
from boardkit.core.web import Ctx, form_errors, page, redirect, render
from boardkit.org import memberships, transitions
from boardkit.org.periods import today

TEMPLATE = "org/resign.html"


@page
def resign(ctx: Ctx) -> Response:
    """GET: the form; POST without ``confirm``: the confirmation step; POST with it: resign."""
    principal = ctx.require_login().principal
    membership = memberships.my_membership(ctx.db, principal=principal, board_id=ctx.int_param("board_id"))
    context: dict[str, Any] = {"membership": membership, "board": membership.board, "today": today()}
    if ctx.request.method == "GET":
        return render(ctx, TEMPLATE, values={"date": today().isoformat()}, **context)
    raw = ctx.value("date")
    try:
        effective = date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        effective = None
    if effective is None:
        return form_errors(ctx, TEMPLATE, {"date": _("Skriv datoen som ÅÅÅÅ-MM-DD.")}, **context)
    if ctx.value("confirm") != "1":  # the confirmation step: checked, nothing changed yet
        try:
            ends_at = memberships.check_resignation(membership, principal=principal, effective=effective)
        except ValidationFailed as exc:
            return form_errors(ctx, TEMPLATE, {"date": exc.message}, **context)
        return render(ctx, TEMPLATE, confirm=effective, ends_at=ends_at, values={}, **context)
    try:
        transitions.resign(ctx.db, membership, principal=principal, effective=effective)
    except ValidationFailed as exc:
        return form_errors(ctx, TEMPLATE, {"date": exc.message}, **context)
    ctx.flash(
        _(
            "Du er udtrådt af %(board)s. Din plads slutter ved udgangen af %(date)s.",
            board=membership.board.name,
            date=fmt_date(effective),
        )
    )
    return redirect(ctx, "home")


routes = [Route("/boards/{board_id:id}/resign", resign, methods=["GET", "POST"], name="membership_resign")]
