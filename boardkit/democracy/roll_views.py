"""The electoral roll's pages: the roll of a department meeting (households, voters, who is
checked in, the counts; the managers make it), the check-in page for the tablet at the door
(find a household by address or name, big "Tjek ind"/"Tjek ud" buttons, plain forms that work
without JavaScript) and the printed roll (PDF) for a meeting without a tablet."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from boardkit.core.db import utcnow
from boardkit.core.errors import AppError, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, page, render
from boardkit.core.web.files import file_response
from boardkit.democracy import access, checkin, roll, roll_pdf
from boardkit.democracy.models import Roll
from boardkit.meetings.service import Meeting
from boardkit.org import service as org_service

MAX_QUERY = 100


def _roll_context(ctx: Ctx, meeting: Meeting, errors: dict[str, str] | None = None) -> dict[str, Any]:
    found = roll.get_roll(ctx.db, meeting.id)
    manager = access.may_manage(ctx.principal, meeting)
    context: dict[str, Any] = {
        "meeting": meeting,
        "roll": found,
        "manager": manager,
        "default_day": roll.default_reference_date(meeting),
        "errors": errors or {},
        "active_nav": "home",
    }
    if found is not None:
        context.update(
            summary=roll.summary(ctx.db, found),
            attendance=roll.attendance(ctx.db, found),
            households=roll.household_states(ctx.db, found),
            remakable=manager and roll.remakable(ctx.db, found),
            window=checkin.window_problem(meeting, found, utcnow()),
        )
    return context


def _reference_date(ctx: Ctx) -> date | None:
    raw = ctx.value("reference_date")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            _("Nogle felter skal rettes."), fields={"reference_date": _("Skriv en dato som 2027-03-15.")}
        ) from None


@page
def roll_page(ctx: Ctx) -> Response:
    ctx.require_login()
    meeting = access.check_in_meeting(ctx.db, ctx.principal, ctx.int_param("meeting_id"))
    if ctx.request.method == "GET":
        return render(ctx, "democracy/roll.html", **_roll_context(ctx, meeting))
    try:
        made = roll.ensure_roll(ctx.db, ctx.principal, meeting, reference_date=_reference_date(ctx))
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        fields = {k: str(v) for k, v in exc.fields.items()} or {"_form": exc.message}
        return render(
            ctx, "democracy/roll.html", status_code=exc.status, **_roll_context(ctx, meeting, fields)
        )
    ctx.flash(
        _(
            "Valglisten er lavet med skæringsdato %(day)s.",
            day=made.reference_date.strftime("%d.%m.%Y"),
        )
    )
    return RedirectResponse(ctx.url("democracy_roll", meeting_id=meeting.id), status_code=303)


def _query(raw: str) -> str:
    return " ".join(raw.split())[:MAX_QUERY]


def _check_in_context(ctx: Ctx, meeting: Meeting, found: Roll, query: str, error: str = "") -> dict[str, Any]:
    ids = roll.search_households(ctx.db, found, query) if query else []
    return {
        "meeting": meeting,
        "roll": found,
        "query": query,
        "results": roll.household_states(ctx.db, found, ids) if query else [],
        "attendance": roll.attendance(ctx.db, found),
        "summary": roll.summary(ctx.db, found),
        "window": checkin.window_problem(meeting, found, utcnow()),
        "error": error,
        "limit": roll.SEARCH_LIMIT,
        "active_nav": "home",
    }


def _no_roll(ctx: Ctx, meeting: Meeting) -> Response:
    return render(ctx, "democracy/checkin.html", meeting=meeting, roll=None, active_nav="home")


@page
def check_in_page(ctx: Ctx) -> Response:
    ctx.require_login()
    meeting = access.check_in_meeting(ctx.db, ctx.principal, ctx.int_param("meeting_id"))
    found = roll.get_roll(ctx.db, meeting.id)
    if found is None:
        return _no_roll(ctx, meeting)
    if ctx.request.method == "GET":
        query = _query(ctx.request.query_params.get("q", ""))
        return render(ctx, "democracy/checkin.html", **_check_in_context(ctx, meeting, found, query))
    query = _query(ctx.value("q"))
    raw = ctx.value("voter_id")
    action = ctx.value("action")
    try:
        if not raw.isdigit() or len(raw) > 9 or action not in ("in", "out"):
            raise ValidationFailed(_("Vælg en person på listen og tryk Tjek ind eller Tjek ud."))
        do = checkin.check_in if action == "in" else checkin.check_out
        result = do(ctx.db, ctx.principal, meeting.id, voter_id=int(raw))
    except AppError as exc:
        if exc.status in (403,) or (exc.status == 404 and not exc.message):
            raise
        return render(
            ctx,
            "democracy/checkin.html",
            status_code=exc.status,
            **_check_in_context(ctx, meeting, found, query, error=exc.message),
        )
    name = result.voters[0].name
    done = _("%(name)s er tjekket ind.", name=name) if action == "in" else None
    ctx.flash(done or _("%(name)s er tjekket ud.", name=name))
    target = ctx.url("democracy_check_in", meeting_id=meeting.id)
    if query:
        target += "?" + urlencode({"q": query})
    return RedirectResponse(f"{target}#h-{result.voters[0].household_id}", status_code=303)


def pdf_spec(db: Session, meeting: Meeting, found: Roll) -> roll_pdf.RollPdfSpec:
    board = meeting.board
    organisation = db.get(org_service.Organisation, board.organisation_id)
    department = db.get(org_service.Department, found.department_id)
    states = roll.household_states(db, found)
    return roll_pdf.RollPdfSpec(
        organisation=organisation.name if organisation else "",
        department=department.name if department else board.name,
        title=meeting.title,
        starts_at=meeting.starts_at,
        location=", ".join(p for p in (meeting.location, meeting.room) if p),
        reference_date=found.reference_date,
        one_person_both_units=found.one_person_both_units,
        households=[
            roll_pdf.Household(
                s.household.address, s.household.number, [(v.voter.name, v.voter.role) for v in s.voters]
            )
            for s in states
        ],
    )


@page
def roll_pdf_file(ctx: Ctx) -> Response:
    """The printed roll, drawn on request (about a second for 1,000 households, in the page's
    worker thread, never on the event loop)."""
    ctx.require_login()
    meeting = access.check_in_meeting(ctx.db, ctx.principal, ctx.int_param("meeting_id"))
    found = roll.get_roll(ctx.db, meeting.id)
    if found is None:
        return _no_roll(ctx, meeting)
    data = roll_pdf.render_roll(pdf_spec(ctx.db, meeting, found), created_at=utcnow())
    day = meeting.starts_at.astimezone(TZ).date().isoformat()
    return file_response(data, "application/pdf", f"valgliste-{day}.pdf", inline=True, cache="no-store")


routes = [
    Route("/meetings/{meeting_id:int}/roll", roll_page, methods=["GET", "POST"], name="democracy_roll"),
    Route(
        "/meetings/{meeting_id:int}/check-in",
        check_in_page,
        methods=["GET", "POST"],
        name="democracy_check_in",
    ),
    Route("/meetings/{meeting_id:int}/roll.pdf", roll_pdf_file, name="democracy_roll_pdf"),
]
