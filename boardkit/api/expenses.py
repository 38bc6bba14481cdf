"""REST API for expense claims (API.md): accounts, claims, lines, receipt files and the flow."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from boardkit.api.expenses_json import claim_json, line_json
from boardkit.api.json_input import Reader, json_object
from boardkit.core.errors import ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.storage import FileStore
from boardkit.core.web import Ctx, api, file_response, prepare
from boardkit.expenses import service
from boardkit.expenses.service import rules
from boardkit.org import service as org_service

PAGE_SIZE = 50


# --- input --------------------------------------------------------------------------------


def _day(r: Reader, key: str) -> date | None:
    value = r.body.get(key)
    if value is None:
        return None
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        pass
    r.errors[key] = _("Skal være en dato som 2026-03-15.")
    return None


def _money(r: Reader, key: str) -> int | None:
    """An amount in øre: a whole number (a negative one gets the service's clear message)."""
    value = r.body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 2**31:
        r.errors[key] = _("Skal være et helt antal øre, fx 12550 for 125,50 kr.")
        return None
    return value


def _receipt_input(body: dict[str, Any]) -> rules.ReceiptInput:
    r = Reader(body)
    data = rules.ReceiptInput(
        amount_ore=_money(r, "amount_ore"),
        vat_ore=_money(r, "vat_ore"),
        spent_on=_day(r, "spent_on"),
        description=r.text("description"),
    )
    r.check()
    return data


def _mileage_input(body: dict[str, Any]) -> rules.MileageInput:
    r = Reader(body)
    stops = body.get("stops", [])
    if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops):
        r.errors["stops"] = _("Skal være en liste af steder.")
        stops = []
    km = service.mileage.parse_km(body.get("km"))
    data = rules.MileageInput(
        travelled_on=_day(r, "travelled_on"),
        from_place=r.text("from_place"),
        to_place=r.text("to_place"),
        stops=stops,
        purpose=r.text("purpose"),
        km_tenths=km,
        vehicle=r.text("vehicle", "car"),
    )
    if km is None and "km" in body:
        r.errors["km"] = _("Skriv antal kilometer som et tal, fx 12,5.")
    r.check()
    return data


# --- endpoints ----------------------------------------------------------------------------


@api
def list_accounts(ctx: Ctx) -> dict[str, Any]:
    """The budget accounts of a board's organisation."""
    board = org_service.get_board(ctx.db, principal=ctx.principal, board_id=ctx.int_param("board_id"))
    accounts = service.list_accounts(ctx.db, organisation_id=board.organisation_id)
    return {"items": [{"code": a.code, "name": a.name} for a in accounts], "next": None}


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
    return {
        "items": [claim_json(ctx, c, full=False) for c in claims],
        "next": str(claims[-1].id) if len(claims) == PAGE_SIZE else None,
    }


@api
def create_claim(ctx: Ctx) -> Response:
    r = Reader(json_object(ctx))
    board_id = r.number("board_id")
    purpose, account = r.text("purpose"), r.text("account")
    registration, bank_account = r.text("bank_registration"), r.text("bank_account")
    if board_id is None:
        r.errors["board_id"] = _("Vælg bestyrelsen.")
    r.check()
    assert board_id is not None
    claim = service.create_claim(
        ctx.db,
        principal=ctx.principal,
        board_id=board_id,
        purpose=purpose,
        account_code=account,
        bank_registration=registration,
        bank_account=bank_account,
        secret_key=ctx.settings.secret_key,
    )
    return JSONResponse(claim_json(ctx, claim), status_code=201)


@api
def get_claim(ctx: Ctx) -> dict[str, Any]:
    return claim_json(
        ctx, service.get_claim(ctx.db, principal=ctx.principal, claim_id=ctx.int_param("claim_id"))
    )


@api
def update_claim(ctx: Ctx) -> dict[str, Any]:
    """My draft's ``purpose``, ``account`` (code), ``bank_registration`` and ``bank_account``."""
    r = Reader(json_object(ctx))
    fields = ("purpose", "account", "bank_registration", "bank_account")
    given = {key: r.text(key) if r.has(key) else None for key in fields}
    r.check()
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
    return claim_json(ctx, claim)


@api
def delete_claim(ctx: Ctx) -> Response:
    """My draft; a submitted claim is kept five years (409)."""
    service.flow.delete_claim(ctx.db, principal=ctx.principal, claim_id=ctx.int_param("claim_id"))
    return Response(status_code=204)


@api
def add_line(ctx: Ctx) -> Response:
    """``{kind: receipt|mileage, ...}`` on my draft."""
    body = json_object(ctx)
    claim = service.editable_claim(ctx.db, principal=ctx.principal, claim_id=ctx.int_param("claim_id"))
    kind = body.get("kind")
    if kind == "mileage":
        line = service.lines.add_mileage_line(
            ctx.db, principal=ctx.principal, claim=claim, data=_mileage_input(body)
        )
    elif kind == "receipt":
        line = service.lines.add_receipt_line(
            ctx.db, principal=ctx.principal, claim=claim, data=_receipt_input(body)
        )
    else:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields={"kind": _("Vælg bilag eller kørsel.")})
    return JSONResponse(line_json(ctx, claim.id, line), status_code=201)


@api
def update_line(ctx: Ctx) -> dict[str, Any]:
    claim = service.editable_claim(ctx.db, principal=ctx.principal, claim_id=ctx.int_param("claim_id"))
    line = service.get_line(claim, ctx.int_param("line_id"))
    data = _receipt_input(json_object(ctx))
    line = service.lines.update_receipt_line(
        ctx.db, principal=ctx.principal, claim=claim, line=line, data=data
    )
    return line_json(ctx, claim.id, line)


@api
def delete_line(ctx: Ctx) -> Response:
    claim = service.editable_claim(ctx.db, principal=ctx.principal, claim_id=ctx.int_param("claim_id"))
    line = service.get_line(claim, ctx.int_param("line_id"))
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
        store=FileStore(ctx.settings.files_dir),
        processed=ctx.prepared,
    )
    return JSONResponse(line_json(ctx, line.claim_id, line), status_code=201)


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
        store=FileStore(ctx.settings.files_dir),
    )
    return file_response(data, content_type, filename, inline=variant != "original")


def claim_link(ctx: Ctx) -> service.flow.LinkFn:
    """Links in the claimant's e-mails open the claim's page (people read mail, not JSON)."""
    return lambda claim_id: ctx.absolute_url("expense_claim", claim_id=claim_id)


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
        r = Reader(json_object(ctx))
        reason = r.text("reason")
        r.check()
        take = flow.return_claim if action == "return" else flow.reject_claim
        claim = take(ctx.db, principal=principal, claim_id=claim_id, reason=reason, link=link)
    return claim_json(ctx, claim)


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
