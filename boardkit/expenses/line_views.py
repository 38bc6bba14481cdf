"""Pages that change a draft's lines: a receipt photo or file, its amount and date, a trip, deleting."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import RuleViolation, TooLarge, UnsupportedType, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.web import Ctx, Upload, file_response, page, prepare, redirect
from boardkit.expenses import forms, service
from boardkit.expenses.views import render_claim


def _fields(ctx: Ctx, names: tuple[str, ...]) -> dict[str, str]:
    return {name: ctx.value(name) for name in names}


RECEIPT_FORM = ("amount", "vat", "spent_on", "description")
MILEAGE_FORM = ("travelled_on", "from_place", "to_place", "stops", "purpose", "km", "vehicle")


def _to_line(ctx: Ctx, claim_id: int, line_id: int) -> Response:
    response = redirect(ctx, "expense_claim", claim_id=claim_id)
    response.headers["location"] += f"#line-{line_id}"
    return response


def _upload(ctx: Ctx) -> Upload | None:
    return next((f for name in ("photo", "file") for f in ctx.files.get(name, []) if f.data), None)


def _process_upload(ctx: Ctx) -> object:
    """Before the write transaction: the photo made upright, cleaned and previewed (slow)."""
    upload = _upload(ctx)
    if ctx.identity is None or upload is None:
        return None
    return service.receipts.process_upload(
        ctx.db, principal=ctx.principal, claim_id=ctx.int_param("claim_id"), upload=upload
    )


@page
@prepare(_process_upload)
def upload_receipt(ctx: Ctx) -> Response:
    """A photo from the camera (``photo``) or a file (``file``), with the amount and date if given.

    The file is kept even when a typed field is wrong: the line then waits for the correction.
    """
    ctx.require_login()
    claim_id = ctx.int_param("claim_id")
    upload = _upload(ctx)
    if upload is None:
        claim = service.editable_claim(ctx.db, principal=ctx.principal, claim_id=claim_id)
        return render_claim(ctx, claim, errors={"photo": _("Tag et billede af bonen, eller vælg en fil.")})
    try:
        line = service.receipts.add_receipt_file(
            ctx.db,
            principal=ctx.principal,
            claim_id=claim_id,
            upload=upload,
            store=ctx.store,
            processed=ctx.prepared,
        )
    except (TooLarge, UnsupportedType) as exc:
        claim = service.editable_claim(ctx.db, principal=ctx.principal, claim_id=claim_id)
        return render_claim(ctx, claim, errors={"photo": exc.message}, status_code=exc.status)
    typed = _fields(ctx, RECEIPT_FORM)
    if any(typed.values()):
        data, errors = forms.receipt_input(typed)
        try:
            with ctx.savepoint():
                if errors:
                    raise ValidationFailed("", fields=errors)
                service.lines.update_receipt_line(
                    ctx.db, principal=ctx.principal, claim=line.claim, line=line, data=data
                )
        except ValidationFailed as exc:
            ctx.db.refresh(line)
            problems = "; ".join(str(v) for v in exc.fields.values())
            ctx.flash(
                _("Bilaget er gemt, men ret oplysningerne på det: %(problems)s", problems=problems), "warning"
            )
            return _to_line(ctx, claim_id, line.id)
    ctx.flash(_("Bilaget er gemt.") if line.amount_ore else _("Bilaget er gemt. Skriv dato og beløb på det."))
    return _to_line(ctx, claim_id, line.id)


@page
def update_line(ctx: Ctx) -> Response:
    ctx.require_login()
    claim, line = service.editable_line(
        ctx.db, principal=ctx.principal, claim_id=ctx.int_param("claim_id"), line_id=ctx.int_param("line_id")
    )
    data, errors = forms.receipt_input(_fields(ctx, RECEIPT_FORM))
    try:
        if errors:
            raise ValidationFailed("", fields=errors)
        service.lines.update_receipt_line(ctx.db, principal=ctx.principal, claim=claim, line=line, data=data)
    except ValidationFailed as exc:
        names = {"amount_ore": "amount", "vat_ore": "vat"}
        return render_claim(
            ctx, claim, errors={f"{names.get(k, k)}-{line.id}": str(v) for k, v in exc.fields.items()}
        )
    ctx.flash(_("Bilaget er gemt."))
    return _to_line(ctx, claim.id, line.id)


@page
def delete_line(ctx: Ctx) -> Response:
    ctx.require_login()
    claim, line = service.editable_line(
        ctx.db, principal=ctx.principal, claim_id=ctx.int_param("claim_id"), line_id=ctx.int_param("line_id")
    )
    service.lines.delete_line(ctx.db, principal=ctx.principal, claim=claim, line=line)
    ctx.flash(_("Linjen er slettet."))
    return redirect(ctx, "expense_claim", claim_id=claim.id)


@page
def add_mileage(ctx: Ctx) -> Response:
    ctx.require_login()
    claim = service.editable_claim(ctx.db, principal=ctx.principal, claim_id=ctx.int_param("claim_id"))
    data, errors = forms.mileage_input({name: ctx.value(f"trip_{name}") for name in MILEAGE_FORM})
    try:
        if errors:
            raise ValidationFailed("", fields=errors)
        line = service.lines.add_mileage_line(ctx.db, principal=ctx.principal, claim=claim, data=data)
    except RuleViolation as exc:
        return render_claim(ctx, claim, errors={"trip_travelled_on": exc.message})
    except ValidationFailed as exc:
        return render_claim(ctx, claim, errors={f"trip_{k}": str(v) for k, v in exc.fields.items()})
    ctx.flash(_("Kørslen er tilføjet."))
    return _to_line(ctx, claim.id, line.id)


@page
def receipt_file(ctx: Ctx) -> Response:
    """A receipt's preview, clean copy or original, for whoever may see the claim."""
    ctx.require_login()
    variant = ctx.param("variant")
    data, content_type, filename = service.receipts.receipt_file(
        ctx.db,
        principal=ctx.principal,
        claim_id=ctx.int_param("claim_id"),
        line_id=ctx.int_param("line_id"),
        variant=variant,
        store=ctx.store,
    )
    return file_response(
        data, content_type, filename, inline=variant != "original", cache="private, max-age=86400"
    )


LINES = "/expenses/{claim_id:id}/lines"
routes = [
    Route("/expenses/{claim_id:id}/receipts", upload_receipt, methods=["POST"], name="expense_receipt_add"),
    Route("/expenses/{claim_id:id}/mileage", add_mileage, methods=["POST"], name="expense_mileage_add"),
    Route(f"{LINES}/{{line_id:id}}", update_line, methods=["POST"], name="expense_line_update"),
    Route(f"{LINES}/{{line_id:id}}/delete", delete_line, methods=["POST"], name="expense_line_delete"),
    Route(f"{LINES}/{{line_id:id}}/{{variant}}", receipt_file, name="expense_receipt_file"),
]
