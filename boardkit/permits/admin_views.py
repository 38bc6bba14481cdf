"""The administration's permit pages: the settings (kinds and rules), the cases as a CSV, invoice
lines on an improvement, and the move-out checklist of a tenancy (page and PDF)."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.money import parse_kr
from boardkit.core.web import Ctx, file_response, form_errors, page, redirect, render
from boardkit.org import service as org_service
from boardkit.permits import lookup, moveout, overview, settings
from boardkit.permits.compensation import InvoiceLine
from boardkit.permits.moveout_pdf import checklist_pdf, label
from boardkit.permits.views import GROUP_NAMES, detail, filters_of


@page
def permits_csv(ctx: Ctx) -> Response:
    """The administration's cases with the list's filters, for Excel."""
    ctx.require_login()
    data = overview.export_csv(
        ctx.db, principal=ctx.principal, filters=filters_of(ctx), today=org_service.today()
    )
    return file_response(
        data, "text/csv; charset=utf-8", f"tilladelser-{org_service.today().isoformat()}.csv"
    )


@page
def permit_invoice_line(ctx: Ctx) -> Response:
    """The administration records an invoice line (and when the improvement was taken into use)."""
    ctx.require_login()
    permit_id = ctx.int_param("permit_id")
    errors: dict[str, str] = {}
    amount = parse_kr(ctx.value("amount")) if ctx.value("amount") else None
    if amount is None:
        errors["amount"] = _("Skriv beløbet i kroner, fx 75.000,00.")
    in_use = ctx.value("taken_into_use")
    try:
        if in_use:
            moveout.set_taken_into_use(
                ctx.db, principal=ctx.principal, permit_id=permit_id, day=date.fromisoformat(in_use)
            )
        if not errors:
            line = InvoiceLine(
                ctx.value("description"),
                amount or 0,
                ctx.value("cvr"),
                ctx.value("vat_registered") == "1",
                ctx.value("own_labour") == "1",
                ctx.value("white_goods") == "1",
            )
            moveout.add_invoice_line(ctx.db, principal=ctx.principal, permit_id=permit_id, line=line)
    except ValueError:
        errors["taken_into_use"] = _("Skriv en gyldig dato, ikke i fremtiden.")
    except ValidationFailed as exc:
        errors |= {("amount" if k == "amount_ore" else k): str(v) for k, v in exc.fields.items()}
    if errors:
        permit = lookup.get_permit(ctx.db, principal=ctx.principal, permit_id=permit_id)
        return form_errors(ctx, "permits/permit.html", errors, **detail(ctx, permit))
    ctx.flash(_("Fakturalinjen er gemt."))
    return redirect(ctx, "permit", permit_id=permit_id)


def _settings_context(ctx: Ctx) -> dict[str, Any]:
    organisation, kinds = settings.kinds(ctx.db, principal=ctx.principal)
    return {
        "organisation": organisation,
        "kinds": kinds,
        "groups": GROUP_NAMES,
        "maxima": settings.maxima(ctx.db, principal=ctx.principal),
    }


@page
def permit_settings(ctx: Ctx) -> Response:
    """The administration's kinds and rules: GET the form, POST every kind and the rules at once."""
    ctx.require_login()
    context = _settings_context(ctx)
    kinds = context["kinds"]
    if ctx.request.method == "GET":
        return render(ctx, "permits/settings.html", **context)
    errors: dict[str, str] = {}
    for kind in kinds:
        life = ctx.value(f"life_{kind.code}")
        choice = settings.KindSettings(
            track=ctx.value(f"track_{kind.code}"),
            life_years=int(life) if life.isdigit() and len(life) < 4 else None,
            reestablish_on_move_out=ctx.value(f"reestablish_{kind.code}") == "1",
            needs_building_permit=ctx.value(f"building_{kind.code}") == "1",
            delegated_to_board=ctx.value(f"delegated_{kind.code}") == "1",
            active=ctx.value(f"active_{kind.code}") == "1",
        )
        try:  # every kind is checked, so the form shows every problem (any of them: nothing is saved)
            settings.update_kind(ctx.db, principal=ctx.principal, code=kind.code, settings=choice)
        except ValidationFailed as exc:
            errors |= {f"{k}_{kind.code}": str(v) for k, v in exc.fields.items()}
    if errors:
        return form_errors(ctx, "permits/settings.html", errors, **context)
    settings.update_rules(
        ctx.db,
        principal=ctx.principal,
        explicit_approval=ctx.value("explicit_approval") == "1",
        banned_breeds=ctx.value("banned_breeds").splitlines(),
    )
    ctx.flash(_("Indstillingerne er gemt."))
    return redirect(ctx, "permit_settings")


@page
def move_out_page(ctx: Ctx) -> Response:
    """The administration's checklist for the inspection when a tenant moves out."""
    found = _move_out(ctx)
    return render(ctx, "permits/move_out.html", found=found, label=label, active_nav="permits")


@page
def move_out_pdf(ctx: Ctx) -> Response:
    found = _move_out(ctx)
    organisation = ctx.db.get(org_service.Organisation, found.department.organisation_id)
    data = checklist_pdf(found, organisation=organisation.name if organisation else "")
    return file_response(data, "application/pdf", f"fraflytning-{found.tenancy.number}.pdf", inline=True)


def _move_out(ctx: Ctx) -> moveout.Checklist:
    ctx.require_login()
    raw = ctx.request.query_params.get("moved_out", "")
    try:
        day = date.fromisoformat(raw) if raw else org_service.today()
    except ValueError:
        day = org_service.today()
    return moveout.checklist(
        ctx.db, principal=ctx.principal, tenancy_id=ctx.int_param("tenancy_id"), moved_out=day
    )


@page
def permit_maximum(ctx: Ctx) -> Response:
    """A dated maximum for compensation (the yearly indexed amount)."""
    ctx.require_login()
    raw_day = ctx.value("valid_from")
    try:
        day = date.fromisoformat(raw_day) if raw_day else None
    except ValueError:
        day = None
    try:
        settings.set_maximum(
            ctx.db, principal=ctx.principal, valid_from=day, amount_ore=parse_kr(ctx.value("max_amount"))
        )
    except ValidationFailed as exc:
        errors = {k: str(v) for k, v in exc.fields.items()}
        return form_errors(ctx, "permits/settings.html", errors, **_settings_context(ctx))
    ctx.flash(_("Maksimum er gemt."))
    return redirect(ctx, "permit_settings")


routes = [
    Route("/permits/settings/maxima", permit_maximum, methods=["POST"], name="permit_maximum"),
    Route(
        "/permits/{permit_id:id}/invoice-lines",
        permit_invoice_line,
        methods=["POST"],
        name="permit_invoice_line",
    ),
    Route("/permits.csv", permits_csv, name="permits_csv"),
    Route("/permits/settings", permit_settings, methods=["GET", "POST"], name="permit_settings"),
    Route("/tenancies/{tenancy_id:id}/move-out", move_out_page, name="move_out"),
    Route("/tenancies/{tenancy_id:id}/move-out.pdf", move_out_pdf, name="move_out_pdf"),
]
