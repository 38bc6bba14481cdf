"""The administration's page for letter votes on an open digital vote: find the household on the
roll by address, number or name, and register the letter's one or two votes. The household's units
are shared with every other channel (``ballots.register_letter``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import AppError, NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.web import Ctx, form_errors, page, redirect, render
from boardkit.democracy import ballot_reads, ballots
from boardkit.democracy import roll as rolls
from boardkit.democracy.models import HouseholdUnits, Participation, Roll, RollHousehold

TEMPLATE = "democracy/letters.html"


def _context(ctx: Ctx, question_id: int, query: str) -> dict[str, Any]:
    question = ballots.get_question(ctx.db, question_id)
    ballots.require_manager(ctx.db, ctx.principal, question)
    if question.status not in ("open", "closed") or question.kind == "urafstemning":
        raise NotFound()  # urafstemninger take paper ballots by their code
    roll = ctx.db.get(Roll, question.roll_id)
    assert roll is not None
    found = rolls.search_households(ctx.db, roll, query) if query else []
    houses = ctx.db.scalars(select(RollHousehold).where(RollHousehold.id.in_(found))).all() if found else []
    used = dict(
        ctx.db.execute(
            select(HouseholdUnits.household_id, HouseholdUnits.used).where(
                HouseholdUnits.question_id == question.id, HouseholdUnits.household_id.in_(found)
            )
        ).all()
    )
    letters = ctx.db.scalar(
        select(func.coalesce(func.sum(Participation.units), 0)).where(
            Participation.question_id == question.id, Participation.channel == "letter"
        )
    )
    order = {hid: n for n, hid in enumerate(found)}
    return {
        "question": question,
        "name": ballot_reads.short_name(question),
        "options": ballot_reads.options(question),
        "query": query,
        "households": sorted(houses, key=lambda h: order[h.id]),
        "left": {h.id: h.units - int(used.get(h.id, 0)) for h in houses},
        "letters": int(letters or 0),
        "is_open": ballots.is_open(question),
        "active_nav": "meetings",
    }


@page
def letters_page(ctx: Ctx) -> Response:
    ctx.require_login()
    question_id = ctx.int_param("question_id")
    if ctx.request.method == "GET":
        return render(ctx, TEMPLATE, **_context(ctx, question_id, ctx.param("q").strip()[:200]))
    raw = ctx.value("household_id")
    household_id = int(raw) if raw.isdigit() and len(raw) < 10 else 0
    choices = [c for c in (ctx.value("choice1"), ctx.value("choice2")) if c]
    try:
        if not choices:
            raise ValidationFailed(
                _("Vælg mindst én stemme fra brevet."), fields={"choice1": _("Vælg en stemme.")}
            )
        ballots.register_letter(
            ctx.db, ctx.principal, question_id=question_id, household_id=household_id, choices=choices
        )
    except AppError as exc:
        if exc.status == 404 and household_id == 0:
            raise NotFound() from exc
        context = _context(ctx, question_id, ctx.value("q").strip()[:200])
        errors = {"_form": exc.message} | {k: str(v) for k, v in exc.fields.items() if k in ("choice1",)}
        return form_errors(ctx, TEMPLATE, errors, status_code=exc.status, **context)
    ctx.flash(_("Brevstemmen er registreret."))
    return redirect(ctx, "ballot_letters", question_id=question_id)


routes = [
    Route("/votes/{question_id:id}/letters", letters_page, methods=["GET", "POST"], name="ballot_letters"),
]
