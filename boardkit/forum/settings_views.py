"""What a person hears from the forum: per space all, mentions only, a daily digest or nothing,
and whether mails carry the text; and muting (leaving) a thread."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import AppError, NotFound
from boardkit.core.i18n import _
from boardkit.core.web import Ctx, form_errors, page, redirect, render
from boardkit.forum import access, preferences
from boardkit.forum.models import Space
from boardkit.org import service as org_service


def my_spaces(ctx: Ctx, *, create: bool = False) -> list[tuple[Space, str]]:
    """The forums of my boards and the bulletin boards of my departments, with their names; a space
    nobody has used yet is made only when ``create`` (a POST: reading writes nothing)."""
    db, principal = ctx.db, ctx.principal
    found: list[tuple[Space, str]] = []
    for board in org_service.get_boards(db, ids=principal.board_roles).values():
        space = (
            access.board_space(db, board_id=board.id)
            if create
            else access.find_board_space(db, board_id=board.id)
        )
        space = space or Space(organisation_id=board.organisation_id, kind="board", board_id=board.id)
        found.append((space, _("Forum: %(board)s", board=board.name)))
    departments = set(principal.resident_department_ids) | {
        d for d in principal.board_departments.values() if d
    }
    for department_id in sorted(departments):
        department = db.get(org_service.Department, department_id)
        if department is not None:
            existing = (
                access.bulletin_space(db, department_id=department_id)
                if create
                else access.find_bulletin_space(db, department_id=department_id)
            )
            space = existing or Space(
                organisation_id=department.organisation_id, kind="bulletin", department_id=department_id
            )
            found.append((space, _("Opslagstavlen i %(department)s", department=department.name)))
    return found


def _context(ctx: Ctx) -> dict[str, Any]:
    rows = [
        (
            space,
            name,
            preferences.level_for(ctx.db, ctx.person_id, space),
            preferences.hides_content(ctx.db, ctx.person_id, space),
        )
        for space, name in my_spaces(ctx)
    ]
    levels = [
        ("all", _("Alle indlæg med det samme")),
        ("mentions", _("Kun når jeg nævnes eller får svar")),
        ("digest", _("Et dagligt overblik")),
        ("off", _("Ingenting")),
    ]
    return {"rows": rows, "levels": levels, "active_nav": "home"}


@page
def preferences_page(ctx: Ctx) -> Response:
    ctx.require_login()
    if ctx.request.method == "GET":
        return render(ctx, "forum/preferences.html", **_context(ctx))
    try:
        for n, (space, _name) in enumerate(my_spaces(ctx, create=True)):
            preferences.set_preference(
                ctx.db,
                person_id=ctx.person_id,
                space_id=space.id,
                level=ctx.value(f"level_{n}"),
                hide_content=ctx.value(f"hide_{n}") == "1",
            )
    except AppError as exc:
        errors = {"_form": str(next(iter(exc.fields.values()), exc.message))}
        return form_errors(ctx, "forum/preferences.html", errors, status_code=exc.status, **_context(ctx))
    ctx.flash(_("Dine valg er gemt."))
    return redirect(ctx, "forum_preferences")


@page
def mute_thread(ctx: Ctx) -> Response:
    ctx.require_login()
    thread_id = ctx.int_param("thread_id")
    thread = access.readable_thread(ctx.db, ctx.principal, thread_id)
    if thread.space.kind != "board":
        raise NotFound()
    muted = ctx.value("muted") == "1"
    preferences.mute(ctx.db, ctx.person_id, thread_id, muted)
    ctx.flash(_("Du får ikke flere beskeder om tråden.") if muted else _("Du får igen beskeder om tråden."))
    return redirect(ctx, "forum_thread", thread_id=thread_id)


routes = [
    Route("/forum/preferences", preferences_page, methods=["GET", "POST"], name="forum_preferences"),
    Route("/forum/threads/{thread_id:int}/mute", mute_thread, methods=["POST"], name="forum_mute"),
]
