"""The decision register page: every decision the reader may see, by department, year and status;
the chair, the vice chair and the administration set a decision's status there."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import Forbidden, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.web import Ctx, page, redirect, render
from boardkit.meetings.minutes import decisions as register
from boardkit.meetings.minutes_models import DECISION_STATUSES

FILTERS = ("department_id", "year", "q", "status")  # kept when a status change leads back to the list


@page
def decisions_page(ctx: Ctx) -> Response:
    ctx.require_login()
    department_id = ctx.query_int("department_id")
    year = ctx.query_int("year")
    if year is not None and not 1900 <= year <= 2999:
        year = None
    q = ctx.request.query_params.get("q", "").strip()[:200]
    status = ctx.request.query_params.get("status", "")
    if status not in DECISION_STATUSES:
        status = ""
    entries = register.list_decisions(
        ctx.db,
        principal=ctx.principal,
        department_id=department_id,
        year=year,
        q=q,
        status=status or None,
    )
    departments = register.departments(ctx.db, principal=ctx.principal)
    return render(
        ctx,
        "meetings/decisions.html",
        entries=entries,
        years=[(y, str(y)) for y in register.years(ctx.db, principal=ctx.principal)],
        departments=departments,
        statuses=[(s, register.status_label(s)) for s in DECISION_STATUSES],
        may_change={e.decision.id for e in entries if register.may_set_status(ctx.principal, e.decision)},
        status_label=register.status_label,
        values={"department_id": department_id or "", "year": year or "", "q": q, "status": status},
        active_nav="decisions",
    )


@page
def decision_status(ctx: Ctx) -> Response:
    """Set a decision's status (and note) from the register; back to where the reader was."""
    ctx.require_login()
    decision_id = ctx.int_param("decision_id")
    try:
        decision = register.set_status(
            ctx.db,
            principal=ctx.principal,
            decision_id=decision_id,
            status=ctx.value("status"),
            note=ctx.value("note"),
        )
    except (ValidationFailed, Forbidden) as exc:
        fields = getattr(exc, "fields", None) or {}
        ctx.flash(" ".join(str(v) for v in fields.values()) or exc.message, "error")
        anchor = ""
    else:
        ctx.flash(
            _("Status for beslutningen er gemt: %(status)s.", status=register.status_label(decision.status))
        )
        anchor = f"#meeting-{decision.meeting_id}-item-{decision.agenda_item_id}"
    response = redirect(ctx, "decisions")
    kept = [(k, v) for k, v in parse_qsl(ctx.value("back")[:500]) if k in FILTERS]
    if kept:
        response.headers["location"] += "?" + urlencode(kept)
    response.headers["location"] += anchor
    return response


routes = [
    Route("/decisions", decisions_page, name="decisions"),
    Route("/decisions/{decision_id:id}/status", decision_status, methods=["POST"], name="decision_status"),
]
