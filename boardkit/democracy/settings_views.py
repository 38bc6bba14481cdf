"""The administration's page for the organisation's democracy rules."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.web import Ctx, form_errors, page, redirect, render
from boardkit.democracy import settings


@page
def democracy_settings(ctx: Ctx) -> Response:
    ctx.require_login()
    organisation = settings.kept_organisation(ctx.db, ctx.principal)
    rules = settings.rules_of(organisation)
    if ctx.request.method == "GET":
        return render(ctx, "democracy/settings.html", organisation=organisation, rules=rules)
    try:
        settings.update_rules(
            ctx.db,
            principal=ctx.principal,
            both_units=ctx.value("both_units") == "1",
            demand_percent=ctx.value("demand_percent"),
        )
    except ValidationFailed as exc:
        return form_errors(
            ctx, "democracy/settings.html", dict(exc.fields), organisation=organisation, rules=rules
        )
    ctx.flash(_("Reglerne er gemt."))
    return redirect(ctx, "democracy_settings")


routes = [
    Route("/democracy/settings", democracy_settings, methods=["GET", "POST"], name="democracy_settings")
]
