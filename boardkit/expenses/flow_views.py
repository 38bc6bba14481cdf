"""Pages of the flow: submit, attest, send back, approve (one tap from the queue), reject, flag decisions,
the queue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from boardkit.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.web import Ctx, page, redirect, render
from boardkit.expenses import queue, service
from boardkit.expenses.models import ExpenseClaim
from boardkit.expenses.views import claim_link, render_claim
from boardkit.org import service as org_service

PAGE_SIZE = 25


def _back(ctx: Ctx, claim_id: int) -> Response:
    """Back to the queue the step was taken from (its filters kept), or to the claim."""
    if ctx.value("next") == "queue":
        filters = {k: ctx.value(k) for k in ("status", "board_id", "flagged") if ctx.value(k)}
        return RedirectResponse(ctx.url("expense_queue", _query=filters or None), status_code=303)
    return redirect(ctx, "expense_claim", claim_id=claim_id)


def _run(
    ctx: Ctx,
    step: Callable[[int], ExpenseClaim],
    done: Callable[[ExpenseClaim], str],
    *,
    field_names: dict[str, str] | None = None,
    then: str = "",
) -> Response:
    """Take one step on the claim: a field to correct re-renders the claim, a refusal is flashed.

    ``field_names`` renames the service's fields to the form's; ``then`` is the page to go to
    afterwards when the claim's page is no longer the reader's (a claim sent back is a draft)."""
    ctx.require_login()
    claim_id = ctx.int_param("claim_id")
    try:
        claim = step(claim_id)
    except ValidationFailed as exc:
        claim = service.get_claim(ctx.db, principal=ctx.principal, claim_id=claim_id)
        names = field_names or {}
        return render_claim(ctx, claim, errors={names.get(k, k): str(v) for k, v in exc.fields.items()})
    except (Conflict, Forbidden) as exc:
        ctx.flash(exc.message, "error")
        return _back(ctx, claim_id)
    ctx.flash(done(claim))
    return redirect(ctx, then) if then else _back(ctx, claim_id)


@page
def submit(ctx: Ctx) -> Response:
    return _run(
        ctx,
        lambda claim_id: service.flow.submit_claim(
            ctx.db,
            principal=ctx.principal,
            claim_id=claim_id,
            secret_key=ctx.settings.secret_key,
            link=claim_link(ctx),
        ),
        lambda _claim: _("Udlægget er sendt til attestation. Du får besked, når det er behandlet."),
    )


@page
def attest(ctx: Ctx) -> Response:
    return _run(
        ctx,
        lambda claim_id: service.flow.attest_claim(
            ctx.db, principal=ctx.principal, claim_id=claim_id, link=claim_link(ctx)
        ),
        lambda claim: _("Udlæg %(n)s er attesteret og sendt til administrationen.", n=claim.id),
    )


@page
def approve(ctx: Ctx) -> Response:
    def done(claim: ExpenseClaim) -> str:
        if claim.status != "approved":
            return _(
                "Udlæg %(n)s har fået første godkendelse. En anden i administrationen skal også godkende.",
                n=claim.id,
            )
        return _("Udlæg %(n)s er godkendt.", n=claim.id)

    return _run(
        ctx,
        lambda claim_id: service.flow.approve_claim(
            ctx.db, principal=ctx.principal, claim_id=claim_id, link=claim_link(ctx)
        ),
        done,
    )


@page
def reject(ctx: Ctx) -> Response:
    return _run(
        ctx,
        lambda claim_id: service.flow.reject_claim(
            ctx.db,
            principal=ctx.principal,
            claim_id=claim_id,
            reason=ctx.value("reason"),
            link=claim_link(ctx),
        ),
        lambda _claim: _("Udlægget er afvist. Den, der har lagt ud, får begrundelsen."),
    )


@page
def send_back(ctx: Ctx) -> Response:
    """The attester sends the claim back to the claimant as a draft, with the reason."""
    return _run(
        ctx,
        lambda claim_id: service.flow.return_claim(
            ctx.db,
            principal=ctx.principal,
            claim_id=claim_id,
            reason=ctx.value("return_reason"),
            link=claim_link(ctx),
        ),
        lambda claim: _("Udlæg %(n)s er sendt tilbage til rettelse med din begrundelse.", n=claim.id),
        field_names={"reason": "return_reason"},
        then="expenses",
    )


@page
def decide_flag(ctx: Ctx) -> Response:
    ctx.require_login()
    claim = service.get_claim(ctx.db, principal=ctx.principal, claim_id=ctx.int_param("claim_id"), lock=True)
    try:
        service.flags.decide_flag(
            ctx.db,
            principal=ctx.principal,
            claim=claim,
            flag_id=ctx.int_param("flag_id"),
            decision=ctx.value("decision"),
        )
    except (Conflict, Forbidden, ValidationFailed) as exc:
        ctx.flash(exc.message, "error")
    else:
        ctx.flash(_("Afgørelsen er gemt."))
    response = redirect(ctx, "expense_claim", claim_id=claim.id)
    response.headers["location"] += "#flags-heading"
    return response


@page
def queue_page(ctx: Ctx) -> Response:
    """The administration's claims by status, newest first, with one-tap approval."""
    ctx.require_login()
    principal = ctx.principal
    if not principal.is_staff:
        raise NotFound()
    status = ctx.request.query_params.get("status", "attested")
    if status not in queue.QUEUE_STATUSES:
        status = "attested"
    board_id = ctx.query_int("board_id")
    flagged = ctx.request.query_params.get("flagged") == "1"
    rows = queue.list_queue(
        ctx.db,
        principal=principal,
        status=status,
        board_id=board_id,
        flagged=flagged,
        before_id=ctx.query_int("before"),
        limit=PAGE_SIZE + 1,
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    filters: dict[str, Any] = {"status": status}
    if board_id:
        filters["board_id"] = board_id
    if flagged:
        filters["flagged"] = "1"
    return render(
        ctx,
        "expenses/queue.html",
        rows=rows,
        counts=queue.count_queue(ctx.db, principal=principal),
        boards=[(b.id, b.name) for b in org_service.list_visible_boards(ctx.db, principal=principal)],
        filters=filters,
        next_url=ctx.url("expense_queue", _query={**filters, "before": rows[-1].claim.id}) if more else None,
        statuses=queue.QUEUE_STATUSES,
        active_nav="expenses",
    )


CLAIM = "/expenses/{claim_id:id}"
routes = [
    Route("/expenses/queue", queue_page, name="expense_queue"),
    Route(f"{CLAIM}/submit", submit, methods=["POST"], name="expense_claim_submit"),
    Route(f"{CLAIM}/attest", attest, methods=["POST"], name="expense_claim_attest"),
    Route(f"{CLAIM}/approve", approve, methods=["POST"], name="expense_claim_approve"),
    Route(f"{CLAIM}/reject", reject, methods=["POST"], name="expense_claim_reject"),
    Route(f"{CLAIM}/return", send_back, methods=["POST"], name="expense_claim_return"),
    Route(f"{CLAIM}/flags/{{flag_id:id}}", decide_flag, methods=["POST"], name="expense_flag_decide"),
]
