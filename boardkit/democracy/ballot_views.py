"""The resident's voting pages: "Afstemninger" (the open and closed votes of the rolls that hold
the person), the ballot (a fieldset of labelled radios and an explicit "Afgiv stemme"), the receipt
that never names the choice, the result after the close with the stored ballots as CSV, and the
participation register (who voted, never how) for the dirigent, the counting committee and the
managers. Plain HTML forms: no JavaScript is needed to vote."""

from __future__ import annotations

import csv
import io
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import AppError, NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.web import Ctx, form_errors, page, redirect, render
from boardkit.democracy import ballot_reads, ballots


def _ballot_context(ctx: Ctx, state: ballots.QuestionState) -> dict[str, Any]:
    question = state.question
    return {
        "state": state,
        "household": state.household,
        "question": question,
        "name": ballot_reads.short_name(question),
        "options": ballot_reads.options(question),
        "is_open": state.is_open,
        "closed": question.status == "closed",
        "voted_at": ballot_reads.my_vote_at(ctx.db, ctx.principal, question.id),
        "active_nav": "my_votes",
    }


def _voter_state(ctx: Ctx) -> ballots.QuestionState:
    """The question as its voter sees it: 404 for anyone not on its roll (managers and counters
    too: they have the result and the participation list, not a ballot)."""
    state = ballots.question_state(ctx.db, ctx.principal, ctx.int_param("question_id"))
    if state.household is None:
        raise NotFound()
    return state


@page
def votes_page(ctx: Ctx) -> Response:
    """Afstemninger: the person's open votes (with the close and the units left), then closed ones."""
    ctx.require_login()
    return render(
        ctx,
        "democracy/ballot_list.html",
        open_states=ballots.my_questions(ctx.db, ctx.principal),
        closed_questions=ballot_reads.closed_questions(ctx.db, ctx.principal),
        active_nav="my_votes",
    )


def _units(ctx: Ctx) -> int:
    raw = ctx.value("units", "1") or "1"
    if raw not in ("1", "2"):
        raise ValidationFailed(_("Nogle felter skal rettes."), fields={"units": _("Vælg 1 eller 2 stemmer.")})
    return int(raw)


@page
def ballot_page(ctx: Ctx) -> Response:
    """The ballot: choosing an option is not voting; "Afgiv stemme" is."""
    ctx.require_login()
    state = _voter_state(ctx)
    template = "democracy/ballot.html"
    if ctx.request.method == "GET":
        return render(ctx, template, **_ballot_context(ctx, state))
    choice = ctx.value("choice")
    try:
        units = _units(ctx)
        if not choice:
            message = _("Vælg en af mulighederne, før du afgiver din stemme.")
            raise ValidationFailed(message, fields={"choice": message})
        ballots.cast(ctx.db, ctx.principal, question_id=state.question.id, choice=choice, units=units)
    except AppError as exc:
        if exc.status == 404:
            raise
        errors = {k: str(v) if " " in str(v) else exc.message for k, v in exc.fields.items()} or {
            "_form": exc.message
        }
        return form_errors(ctx, template, errors, status_code=exc.status, **_ballot_context(ctx, state))
    # The receipt's address names the question only: the choice is in no URL, cookie or message.
    return redirect(ctx, "ballot_receipt", question_id=state.question.id)


@page
def receipt_page(ctx: Ctx) -> Response:
    """Din stemme er registreret: when, and when the vote closes. Never the choice."""
    ctx.require_login()
    state = _voter_state(ctx)
    voted_at = ballot_reads.my_vote_at(ctx.db, ctx.principal, state.question.id)
    if voted_at is None:
        return redirect(ctx, "ballot", question_id=state.question.id)
    return render(
        ctx,
        "democracy/ballot_receipt.html",
        state=state,
        household=state.household,
        question=state.question,
        voted_at=voted_at,
        closed=state.question.status == "closed",
        active_nav="my_votes",
    )


@page
def result_page(ctx: Ctx) -> Response:
    """The tally after the close: the meeting's counts plus the ballots, adopted or rejected."""
    ctx.require_login()
    question = ballots.closed_question(ctx.db, ctx.principal, ctx.int_param("question_id"))
    return render(
        ctx,
        "democracy/ballot_result.html",
        question=question,
        tally=ballot_reads.tally(ctx.db, question),
        may_count=ballots.manages(ctx.db, ctx.principal, question)
        or ballots.is_counter(ctx.db, ctx.principal, question),
        active_nav="my_votes",
    )


@page
def ballots_csv(ctx: Ctx) -> Response:
    """The stored ballots (random id, choice) to recompute the tally: no household, no time."""
    ctx.require_login()
    question_id = ctx.int_param("question_id")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "choice"])
    writer.writerows(ballots.stored_ballots(ctx.db, ctx.principal, question_id))
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="stemmesedler-{question_id}.csv"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@page
def participation_page(ctx: Ctx) -> Response:
    """Who voted (household, units, channel, time), never how: after the close, for the counters."""
    ctx.require_login()
    question_id = ctx.int_param("question_id")
    rows = ballots.participation_list(ctx.db, ctx.principal, question_id)
    question = ballots.get_question(ctx.db, question_id)
    return render(
        ctx,
        "democracy/ballot_participation.html",
        question=question,
        rows=rows,
        units_total=sum(r.units for r in rows),
        households=len({r.household_id for r in rows}),
        active_nav="my_votes",
    )


routes = [
    Route("/votes", votes_page, name="my_votes"),
    Route("/votes/{question_id:id}", ballot_page, methods=["GET", "POST"], name="ballot"),
    Route("/votes/{question_id:id}/receipt", receipt_page, name="ballot_receipt"),
    Route("/votes/{question_id:id}/result", result_page, name="ballot_result"),
    Route("/votes/{question_id:id}/ballots.csv", ballots_csv, name="ballot_csv"),
    Route("/votes/{question_id:id}/participation", participation_page, name="ballot_participation"),
]
