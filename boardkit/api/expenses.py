"""REST API for expense claims (API.md): accounts, claims, lines, receipt files and the flow."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from boardkit.api.expenses_json import claim_json, claim_summary, line_json
from boardkit.api.models import expenses as m
from boardkit.api.models.common import out
from boardkit.api.openapi import Query, doc
from boardkit.api.schema import json_object, parse, validate
from boardkit.core.errors import ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.web import Ctx, api, file_response, prepare
from boardkit.expenses import service
from boardkit.expenses.service import rules
from boardkit.org import service as org_service

PAGE_SIZE = 50

STEP_SUMMARY = (
    "submit: the claimant sends the draft (duplicate flags are computed); attest: the board's chair "
    "attests (the treasurer for the chair's own claim); approve: the administration approves (above the "
    "organisation's limit: two different people); reject with `{reason}`, for good: the administration "
    "(submitted or attested), or the attester while the claim waits for attestation; return with "
    "`{reason}`: the attester sends a submitted claim back to the claimant as a draft"
)


# --- input --------------------------------------------------------------------------------


def _receipt_input(body: m.ReceiptFields) -> rules.ReceiptInput:
    return rules.ReceiptInput(
        amount_ore=body.amount_ore, vat_ore=body.vat_ore, spent_on=body.spent_on, description=body.description
    )


def _mileage_input(body: m.MileageLineIn) -> rules.MileageInput:
    return rules.MileageInput(
        travelled_on=body.travelled_on,
        from_place=body.from_place,
        to_place=body.to_place,
        stops=body.stops,
        purpose=body.purpose,
        km_tenths=body.km,
        vehicle=body.vehicle,
    )


# --- endpoints ----------------------------------------------------------------------------


@doc(
    "The budget accounts of a board's organisation",
    ok=m.AccountList,
    query=(Query("board_id", {"type": "integer"}, required=True),),
    errors=(404,),
    op_id="listExpenseAccounts",
)
@api
def list_accounts(ctx: Ctx) -> dict[str, Any]:
    """The budget accounts of a board's organisation."""
    board = org_service.get_board(ctx.db, principal=ctx.principal, board_id=ctx.int_param("board_id"))
    accounts = service.list_accounts(ctx.db, organisation_id=board.organisation_id)
    return out(m.AccountList(items=[m.Account(code=a.code, name=a.name) for a in accounts], next=None))


@doc(
    "Claims I may see, newest first",
    ok=m.ClaimList,
    errors=(422,),
    op_id="listExpenseClaims",
    query=(
        Query("status", {"type": "string", "enum": list(service.STATUSES)}),
        Query("board_id", {"type": "integer"}),
        Query("mine", {"type": "string", "enum": ["1", "true"]}),
        Query("before", description="cursor: the `next` of the previous page"),
    ),
)
@api
def list_claims(ctx: Ctx) -> dict[str, Any]:
    """Claims I may see; ``?status=``, ``?board_id=``, ``?mine=1``; ``?before=`` is the cursor."""
    status = ctx.request.query_params.get("status") or None
    if status is not None and status not in service.STATUSES:
        raise ValidationFailed(_("Ukendt status."), fields={"status": "unknown"})
    claims = service.list_claims(
        ctx.db,
        principal=ctx.principal,
        status=status,
        board_id=ctx.query_int("board_id"),
        mine=ctx.request.query_params.get("mine") in ("1", "true"),
        before_id=ctx.query_int("before"),
        limit=PAGE_SIZE,
    )
    listed = m.ClaimList(
        items=[claim_summary(c) for c in claims],
        next=str(claims[-1].id) if len(claims) == PAGE_SIZE else None,
    )
    return out(listed)


@doc(
    "Open a draft claim for one of my boards",
    ok=m.Claim,
    status=201,
    body=m.NewClaim,
    errors=(403, 404),
    op_id="createExpenseClaim",
)
@api
def create_claim(ctx: Ctx) -> Response:
    body = parse(ctx, m.NewClaim)
    claim = service.create_claim(
        ctx.db,
        principal=ctx.principal,
        board_id=body.board_id,
        purpose=body.purpose,
        account_code=body.account,
        bank_registration=body.bank_registration,
        bank_account=body.bank_account,
        secret_key=ctx.settings.secret_key,
    )
    return JSONResponse(out(claim_json(ctx, claim)), status_code=201)


@doc("One claim with lines, flags and history", ok=m.Claim, op_id="getExpenseClaim")
@api
def get_claim(ctx: Ctx) -> dict[str, Any]:
    claim = service.get_claim(ctx.db, principal=ctx.principal, claim_id=ctx.int_param("claim_id"))
    return out(claim_json(ctx, claim))


@doc(
    "Change my draft's purpose, account and bank details",
    ok=m.Claim,
    body=m.ClaimChange,
    errors=(403, 409),
    op_id="updateExpenseClaim",
)
@api
def update_claim(ctx: Ctx) -> dict[str, Any]:
    """My draft's ``purpose``, ``account`` (code), ``bank_registration`` and ``bank_account``."""
    body = parse(ctx, m.ClaimChange)
    fields = ("purpose", "account", "bank_registration", "bank_account")
    given = {key: getattr(body, key) if body.given(key) else None for key in fields}
    claim = service.editable_claim(ctx.db, principal=ctx.principal, claim_id=ctx.int_param("claim_id"))
    claim = service.update_claim(
        ctx.db,
        principal=ctx.principal,
        claim=claim,
        purpose=given["purpose"],
        account_code=given["account"],
        bank_registration=given["bank_registration"],
        bank_account=given["bank_account"],
        secret_key=ctx.settings.secret_key,
    )
    return out(claim_json(ctx, claim))


@doc(
    "Delete my draft (a submitted claim is kept five years: 409)",
    status=204,
    errors=(403, 409),
    op_id="deleteExpenseClaim",
)
@api
def delete_claim(ctx: Ctx) -> Response:
    """My draft; a submitted claim is kept five years (409)."""
    service.flow.delete_claim(ctx.db, principal=ctx.principal, claim_id=ctx.int_param("claim_id"))
    return Response(status_code=204)


@doc(
    "Add a line to my draft: a receipt to fill in by hand, or a mileage line",
    ok=m.LineOut,
    status=201,
    body=m.NewLine,
    errors=(403, 409),
    op_id="createExpenseLine",
)
@api
def add_line(ctx: Ctx) -> Response:
    """``{kind: receipt|mileage, ...}`` on my draft."""
    body = json_object(ctx)
    claim = service.editable_claim(ctx.db, principal=ctx.principal, claim_id=ctx.int_param("claim_id"))
    kind = body.get("kind")
    if kind == "mileage":
        line = service.lines.add_mileage_line(
            ctx.db, principal=ctx.principal, claim=claim, data=_mileage_input(validate(m.MileageLineIn, body))
        )
    elif kind == "receipt":
        line = service.lines.add_receipt_line(
            ctx.db, principal=ctx.principal, claim=claim, data=_receipt_input(validate(m.ReceiptLineIn, body))
        )
    else:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields={"kind": _("Vælg bilag eller kørsel.")})
    return JSONResponse(out(line_json(ctx, claim.id, line)), status_code=201)


@doc(
    "Correct a receipt line of my draft (the history keeps the original)",
    ok=m.LineOut,
    body=m.ReceiptFields,
    errors=(403, 409),
    op_id="updateExpenseLine",
)
@api
def update_line(ctx: Ctx) -> dict[str, Any]:
    claim, line = service.editable_line(
        ctx.db, principal=ctx.principal, claim_id=ctx.int_param("claim_id"), line_id=ctx.int_param("line_id")
    )
    data = _receipt_input(parse(ctx, m.ReceiptFields))
    line = service.lines.update_receipt_line(
        ctx.db, principal=ctx.principal, claim=claim, line=line, data=data
    )
    return out(line_json(ctx, claim.id, line))


@doc("Remove a line from my draft", status=204, errors=(403, 409), op_id="deleteExpenseLine")
@api
def delete_line(ctx: Ctx) -> Response:
    claim, line = service.editable_line(
        ctx.db, principal=ctx.principal, claim_id=ctx.int_param("claim_id"), line_id=ctx.int_param("line_id")
    )
    service.lines.delete_line(ctx.db, principal=ctx.principal, claim=claim, line=line)
    return Response(status_code=204)


def _process_upload(ctx: Ctx) -> object:
    """Before the write transaction: the photo made upright, cleaned and previewed (slow)."""
    files = ctx.files.get("file", [])
    if ctx.identity is None or not files:
        return None
    return service.receipts.process_upload(
        ctx.db, principal=ctx.principal, claim_id=ctx.int_param("claim_id"), upload=files[0]
    )


@doc(
    "A receipt photo or PDF → a receipt line to fill in",
    ok=m.ReceiptLine,
    status=201,
    upload=True,
    errors=(403, 409, 413, 415),
    op_id="uploadExpenseReceipt",
)
@api
@prepare(_process_upload)
def upload_receipt(ctx: Ctx) -> Response:
    """A receipt photo or PDF in multipart field ``file`` → a receipt line to fill in."""
    files = ctx.files.get("file", [])
    if not files:
        raise ValidationFailed(
            _("Send filen i feltet “file” (multipart/form-data)."), fields={"file": "required"}
        )
    line = service.receipts.add_receipt_file(
        ctx.db,
        principal=ctx.principal,
        claim_id=ctx.int_param("claim_id"),
        upload=files[0],
        store=ctx.store,
        processed=ctx.prepared,
    )
    return JSONResponse(out(line_json(ctx, line.claim_id, line)), status_code=201)


@doc(
    "A receipt's preview, clean copy or original (variant: image, preview, original)",
    content="application/octet-stream",
    op_id="getExpenseReceiptFile",
)
@api
def receipt_file(ctx: Ctx) -> Response:
    """A receipt's preview, clean copy or original, for whoever may see the claim."""
    variant = ctx.param("variant")
    data, content_type, filename = service.receipts.receipt_file(
        ctx.db,
        principal=ctx.principal,
        claim_id=ctx.int_param("claim_id"),
        line_id=ctx.int_param("line_id"),
        variant=variant,
        store=ctx.store,
    )
    return file_response(data, content_type, filename, inline=variant != "original")


def claim_link(ctx: Ctx) -> service.flow.LinkFn:
    """Links in the claimant's e-mails open the claim's page (people read mail, not JSON)."""
    return lambda claim_id: ctx.absolute_url("expense_claim", claim_id=claim_id)


@doc(
    STEP_SUMMARY,
    ok=m.Claim,
    body=m.Reason,
    body_required=False,
    errors=(403, 409),
    op_id="{step}ExpenseClaim",
)
@api
def step(ctx: Ctx) -> dict[str, Any]:
    """``submit`` (claimant), ``attest`` or ``return`` with a reason (the attester), ``approve``
    (administration), ``reject`` with a reason (administration, or the attester before attesting)."""
    claim_id, flow = ctx.int_param("claim_id"), service.flow
    action = ctx.request.url.path.rsplit("/", 1)[-1]
    principal, link = ctx.principal, claim_link(ctx)
    if action == "submit":
        claim = flow.submit_claim(
            ctx.db, principal=principal, claim_id=claim_id, secret_key=ctx.settings.secret_key, link=link
        )
    elif action == "attest":
        claim = flow.attest_claim(ctx.db, principal=principal, claim_id=claim_id, link=link)
    elif action == "approve":
        claim = flow.approve_claim(ctx.db, principal=principal, claim_id=claim_id, link=link)
    else:
        reason = parse(ctx, m.Reason).reason
        take = flow.return_claim if action == "return" else flow.reject_claim
        claim = take(ctx.db, principal=principal, claim_id=claim_id, reason=reason, link=link)
    return out(claim_json(ctx, claim))


STEPS = ("submit", "attest", "approve", "reject", "return")
CLAIM = "/expense-claims/{claim_id:id}"
routes = [
    Route("/expense-accounts", list_accounts, name="expense_accounts"),
    Route("/expense-claims", list_claims, methods=["GET"], name="expense_claims"),
    Route("/expense-claims", create_claim, methods=["POST"], name="expense_claim_create"),
    Route(CLAIM, get_claim, methods=["GET"], name="expense_claim"),
    Route(CLAIM, update_claim, methods=["PATCH"], name="expense_claim_update"),
    Route(CLAIM, delete_claim, methods=["DELETE"], name="expense_claim_delete"),
    Route(f"{CLAIM}/lines", add_line, methods=["POST"], name="expense_line_create"),
    Route(f"{CLAIM}/lines/{{line_id:id}}", update_line, methods=["PATCH"], name="expense_line_update"),
    Route(f"{CLAIM}/lines/{{line_id:id}}", delete_line, methods=["DELETE"], name="expense_line_delete"),
    Route(f"{CLAIM}/receipts", upload_receipt, methods=["POST"], name="expense_receipt_upload"),
    Route(f"{CLAIM}/lines/{{line_id:id}}/{{variant}}", receipt_file, name="expense_receipt_file"),
    *(Route(f"{CLAIM}/{action}", step, methods=["POST"], name=f"expense_claim_{action}") for action in STEPS),
]
