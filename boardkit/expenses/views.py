"""Pages of expense claims: my claims, a new claim, the claim page (lines, flow, flags, history)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import Conflict, Forbidden, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.money import format_kr
from boardkit.core.web import Ctx, form_errors, page, redirect, render
from boardkit.expenses import queue, rules, service
from boardkit.expenses.models import ExpenseClaim
from boardkit.org import service as org_service


def claim_link(ctx: Ctx) -> service.flow.LinkFn:
    """Links in the claimant's e-mails go to the claim's page."""
    return lambda claim_id: ctx.absolute_url("expense_claim", claim_id=claim_id)


def _my_boards(ctx: Ctx) -> list[org_service.MyBoard]:
    return [mb for mb in org_service.list_my_boards(ctx.db, principal=ctx.principal)]


def _accounts(ctx: Ctx, organisation_ids: set[int]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for organisation_id in sorted(organisation_ids):
        for account in service.list_accounts(ctx.db, organisation_id=organisation_id):
            seen.setdefault(account.code, f"{account.code} {account.name}")
    return list(seen.items())


@page
def claims_page(ctx: Ctx) -> Response:
    """My claims, the claims I am to attest, and for the administration the way to its queue."""
    ctx.require_login()
    principal = ctx.principal
    mine = service.list_claims(ctx.db, principal=principal, mine=True, limit=200)
    return render(
        ctx,
        "expenses/claims.html",
        claims=mine,
        to_attest=queue.awaiting_attestation(ctx.db, principal=principal),
        counts=queue.count_queue(ctx.db, principal=principal),
        boards=_my_boards(ctx),
        active_nav="expenses",
    )


def _claim_fields(ctx: Ctx) -> dict[str, str]:
    """The claim form's fields as the service's arguments (create and update alike)."""
    return {
        "purpose": ctx.value("purpose"),
        "account_code": ctx.value("account"),
        "bank_registration": ctx.value("bank_registration"),
        "bank_account": ctx.value("bank_account"),
        "secret_key": ctx.settings.secret_key,
    }


@page
def new_claim(ctx: Ctx) -> Response:
    ctx.require_login()
    boards = _my_boards(ctx)
    if not boards:
        raise Forbidden(_("Du kan kun lave udlæg for en bestyrelse, du sidder i."))
    context: dict[str, Any] = {
        "boards": [(mb.board.id, mb.board.name) for mb in boards],
        "accounts": _accounts(ctx, {mb.board.organisation_id for mb in boards}),
        "active_nav": "expenses",
    }
    if ctx.request.method == "GET":
        return render(ctx, "expenses/claim_form.html", **context)
    chosen = ctx.value("board_id")
    board_id = int(chosen) if chosen.isdigit() and len(chosen) < 18 else None
    if board_id is None and len(boards) == 1:
        board_id = boards[0].board.id
    if board_id not in {mb.board.id for mb in boards}:
        return form_errors(ctx, "expenses/claim_form.html", {"board_id": _("Vælg bestyrelsen.")}, **context)
    try:
        claim = service.create_claim(
            ctx.db,
            principal=ctx.principal,
            board_id=board_id,
            **_claim_fields(ctx),
        )
    except ValidationFailed as exc:
        return form_errors(ctx, "expenses/claim_form.html", _errors(exc), **context)
    ctx.flash(_("Udlægget er oprettet. Tilføj bilag og kørsel, og send det så til attestation."))
    return redirect(ctx, "expense_claim", claim_id=claim.id)


def _errors(exc: ValidationFailed) -> dict[str, str]:
    fields = {k: str(v) for k, v in exc.fields.items()}
    return fields or {"_form": exc.message}


def _may_attest(ctx: Ctx, claim: ExpenseClaim) -> bool:
    return claim.status == "submitted" and service.flow.is_attester(ctx.db, ctx.principal, claim)


def claim_context(ctx: Ctx, claim: ExpenseClaim) -> dict[str, Any]:
    """Everything the claim page shows this reader, and what they may do."""
    principal = ctx.principal
    claimant = rules.is_claimant(principal, claim)
    administration = rules.is_administration(principal, claim) and not claimant
    attester = _may_attest(ctx, claim)
    events = service.history(ctx.db, claim=claim)
    flags = service.list_flags(ctx.db, claim=claim)
    names = org_service.get_people(
        ctx.db, ids={claim.claimant_id} | {e.actor_id for e in events if e.actor_id}
    )
    bank = (
        service.bank_details(claim, secret_key=ctx.settings.secret_key)
        if rules.may_see_bank(principal, claim)
        else None
    )
    board = org_service.get_boards(ctx.db, ids=[claim.board_id]).get(claim.board_id)
    return {
        "claim": claim,
        "board": board,
        "claimant_name": names[claim.claimant_id].name if claim.claimant_id in names else "",
        "names": {pid: p.name for pid, p in names.items()},
        "events": events,
        "flags": flags,
        "bank": bank,
        "may_see_bank": rules.may_see_bank(principal, claim),
        "may_edit": claimant and claim.status in rules.EDITABLE,
        "may_attest": attester,
        "may_return": attester,
        "may_approve": administration
        and claim.status == "attested"
        and claim.first_approved_by != principal.person_id,
        "may_reject": (administration and claim.status in ("submitted", "attested")) or attester,
        "may_decide": administration,
        "retained_until": rules.retained_until(claim),
        "accounts": _accounts(ctx, {claim.organisation_id}),
        "format_kr": format_kr,
        "km_text": service.mileage.km_text,
        "calculation_text": service.mileage.calculation_text,
        "active_nav": "expenses",
    }


def render_claim(
    ctx: Ctx, claim: ExpenseClaim, *, errors: dict[str, str] | None = None, status_code: int = 422
) -> Response:
    """The claim page; with ``errors`` it is a form answered with what to correct (422)."""
    context = claim_context(ctx, claim)
    if errors:
        return form_errors(ctx, "expenses/claim.html", errors, status_code=status_code, **context)
    return render(ctx, "expenses/claim.html", **context)


@page
def claim_page(ctx: Ctx) -> Response:
    ctx.require_login()
    claim = service.get_claim(ctx.db, principal=ctx.principal, claim_id=ctx.int_param("claim_id"))
    return render_claim(ctx, claim)


@page
def edit_claim(ctx: Ctx) -> Response:
    """The claimant corrects purpose, account or bank account while the claim is a draft."""
    ctx.require_login()
    claim = service.editable_claim(ctx.db, principal=ctx.principal, claim_id=ctx.int_param("claim_id"))
    try:
        service.update_claim(
            ctx.db,
            principal=ctx.principal,
            claim=claim,
            **_claim_fields(ctx),
        )
    except ValidationFailed as exc:
        return render_claim(ctx, claim, errors=_errors(exc))
    ctx.flash(_("Udlægget er gemt."))
    return redirect(ctx, "expense_claim", claim_id=claim.id)


@page
def delete_claim(ctx: Ctx) -> Response:
    ctx.require_login()
    try:
        service.flow.delete_claim(ctx.db, principal=ctx.principal, claim_id=ctx.int_param("claim_id"))
    except Conflict as exc:
        ctx.flash(exc.message, "error")
        return redirect(ctx, "expense_claim", claim_id=ctx.int_param("claim_id"))
    ctx.flash(_("Kladden er slettet."))
    return redirect(ctx, "expenses")


CLAIM = "/expenses/{claim_id:id}"
routes = [
    Route("/expenses", claims_page, name="expenses"),
    Route("/expenses/new", new_claim, methods=["GET", "POST"], name="expense_new"),
    Route(CLAIM, claim_page, name="expense_claim"),
    Route(f"{CLAIM}/edit", edit_claim, methods=["POST"], name="expense_claim_edit"),
    Route(f"{CLAIM}/delete", delete_claim, methods=["POST"], name="expense_claim_delete"),
]
