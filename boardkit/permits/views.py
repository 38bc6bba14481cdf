"""Permit pages: a resident's cases and the application form (phone first), one case with its
history (withdraw; the decision form for whoever decides), the administration's list, and the
board's figures per department (no names)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import (
    Conflict,
    RuleViolation,
    TooLarge,
    UnsupportedType,
    ValidationFailed,
)
from boardkit.core.i18n import _, lazy_gettext, ngettext
from boardkit.core.web import Ctx, form_errors, page, redirect, render
from boardkit.org import service as org_service
from boardkit.permits import cases, decisions, lookup, moveout, overview
from boardkit.permits import files as permit_files
from boardkit.permits.models import ACTIVE, STATUSES, WAITING, Permit

ANIMAL_FIELDS = ("name", "species", "breed", "chip")
STATUS_NAMES = {
    "submitted": lazy_gettext("Modtaget"),
    "more_info": lazy_gettext("Mangler oplysninger"),
    "acknowledged": lazy_gettext("Anmeldt"),
    "no_objection": lazy_gettext("Ingen indsigelse"),
    "approved": lazy_gettext("Godkendt"),
    "rejected": lazy_gettext("Afslået"),
    "withdrawn": lazy_gettext("Trukket tilbage"),
    "ended": lazy_gettext("Ophørt"),
}
GROUP_NAMES = {
    "pets": lazy_gettext("Husdyr"),
    "installations": lazy_gettext("Installationer i boligen"),
    "antenna": lazy_gettext("Antenne og parabol"),
    "improvement": lazy_gettext("Forbedringer (råderet)"),
    "alteration": lazy_gettext("Ændringer af boligen"),
    "outdoor": lazy_gettext("Udendørs arbejder"),
}


def _list_context(ctx: Ctx, filters: overview.Filters) -> dict[str, Any]:
    rows, more = overview.list_permits(
        ctx.db, principal=ctx.principal, filters=filters, today=org_service.today()
    )
    homes = org_service.rented_homes(ctx.db, person_id=ctx.person_id) if ctx.principal.person_id else []
    return {
        "permits": rows,
        "more": more,
        "filters": filters,
        "staff": ctx.principal.is_staff,
        "may_apply": bool(homes),
        "kind_options": [("", _("Alle"))]
        + [(k.code, k.name) for k in lookup.kinds_for(ctx.db, principal=ctx.principal)],
        "status_options": [("", _("Alle"))] + [(s, STATUS_NAMES[s]) for s in STATUSES],
        "board_departments": _board_departments(ctx),
        "handling_days": overview.handling_days,
        "active_nav": "permits",
    }


def _board_departments(ctx: Ctx) -> list[org_service.Department]:
    """The departments whose board this person sits on (their figures are a link away)."""
    ids = {d for d in ctx.principal.board_departments.values() if d is not None}
    if not ids:
        return []
    found = [d for i in ids if (d := ctx.db.get(org_service.Department, i)) is not None]
    return sorted(found, key=lambda d: d.number)


def filters_of(ctx: Ctx) -> overview.Filters:
    query = ctx.request.query_params
    department = query.get("department_id", "")
    return overview.Filters(
        department_id=int(department) if department.isdigit() and len(department) < 10 else None,
        kind=query.get("kind", "")[:40],
        status=query.get("status", "") if query.get("status", "") in STATUSES else "",
        at_risk=query.get("at_risk") == "1",
        page=ctx.query_int("page") or 1,
    )


@page
def permits_page(ctx: Ctx) -> Response:
    """The tenant's own cases; the administration's every case, filtered."""
    ctx.require_login()
    return render(ctx, "permits/list.html", **_list_context(ctx, filters_of(ctx)))


def _kind_options(ctx: Ctx) -> list[tuple[str, list[Any]]]:
    groups: dict[str, list[Any]] = {}
    for kind in lookup.kinds_for(ctx.db, principal=ctx.principal):
        groups.setdefault(kind.group, []).append(kind)
    return [(str(GROUP_NAMES.get(g, g)), kinds) for g, kinds in groups.items()]


@page
def permit_new(ctx: Ctx) -> Response:
    """GET: the form. POST: hand it in (only a tenant of the home)."""
    ctx.require_login()
    homes = org_service.rented_homes(ctx.db, person_id=ctx.person_id)
    context: dict[str, Any] = {"groups": _kind_options(ctx), "homes": homes, "active_nav": "permits"}
    if ctx.request.method == "GET":
        return render(
            ctx, "permits/new.html", values={"kind": ctx.request.query_params.get("kind", "")}, **context
        )
    tenancy = ctx.value("tenancy_id")
    application = cases.Application(
        kind=ctx.value("kind"),
        title=ctx.value("title"),
        description=ctx.value("description"),
        tenancy_id=int(tenancy) if tenancy.isdigit() and len(tenancy) < 10 else None,
        needs_building_permit=ctx.value("needs_building_permit") == "1",
        outside=ctx.value("outside") == "1",
        animal={
            **{name: ctx.value(f"animal_{name}") for name in ANIMAL_FIELDS},
            "insured": ctx.value("animal_insured") == "1",
            "assistance_dog": ctx.value("animal_assistance_dog") == "1",
        },
    )
    try:
        permit = cases.submit(
            ctx.db,
            principal=ctx.principal,
            application=application,
            settings=ctx.settings,
            today=org_service.today(),
            files=ctx.files.get("file", []),
            store=ctx.store,
        )
    except (ValidationFailed, TooLarge, UnsupportedType) as exc:
        errors = {k.replace("animal.", "animal_"): _message(v) for k, v in exc.fields.items()}
        if "file" in errors:
            errors["file"] = exc.message  # which file and why, in full
        return form_errors(ctx, "permits/new.html", errors or {"_form": exc.message}, **context)
    ctx.flash(_("Tak. Vi har modtaget din sag, og du får en kvittering."))
    return redirect(ctx, "permit", permit_id=permit.id)


def _message(value: object) -> str:
    """A field's message: the service's Danish text, or its code in words."""
    words = {  # built per call: translated into the reader's language
        "required": _("Skal udfyldes."),
        "unknown": _("Vælg hvad sagen gælder."),
        "banned": _("Racen er forbudt i Danmark og kan ikke få tilladelse."),
        "one_only": _("En tilladelse gælder ét dyr."),
        "too_long": _("Teksten er for lang."),
        "invalid": _("Ugyldig værdi."),
    }
    return str(words.get(str(value), value))


def detail(ctx: Ctx, permit: Permit, **extra: Any) -> dict[str, Any]:
    staff = lookup.is_staff_for(ctx.principal, permit)
    tenant = lookup.is_tenant_of(ctx.db, ctx.principal, permit)
    waiting = permit.status in WAITING
    return {
        "permit": permit,
        "history": lookup.history(ctx.db, permit),
        "may_decide": lookup.may_decide(ctx.principal, permit) and waiting and permit.route != "acknowledge",
        "may_withdraw": waiting and tenant,
        "may_end": tenant and permit.kind.group == "pets" and permit.status in ACTIVE,
        "may_attach": staff or (waiting and tenant),
        "staff": staff,
        "animal": permit.details.get("animal"),
        "files": permit_files.files_of(ctx.db, permit),
        "invoice_lines": moveout.invoice_lines(ctx.db, permit) if permit.kind.group == "improvement" else [],
        "applicant": ctx.db.get(org_service.Person, permit.applicant_id) if permit.applicant_id else None,
        "home": ctx.db.get(org_service.Tenancy, permit.tenancy_id),
        "active_nav": "permits",
        **extra,
    }


@page
def permit_page(ctx: Ctx) -> Response:
    ctx.require_login()
    permit = lookup.get_permit(
        ctx.db, principal=ctx.principal, permit_id=ctx.int_param("permit_id"), later=ctx.bookkeep
    )
    return render(ctx, "permits/permit.html", **detail(ctx, permit))


@page
def permit_decide(ctx: Ctx) -> Response:
    ctx.require_login()
    permit_id = ctx.int_param("permit_id")
    decision = decisions.Decision(
        outcome=ctx.value("outcome"),
        reason=ctx.value("reason"),
        conditions=ctx.value("conditions"),
        grounds=ctx.value("grounds") or "other",
    )
    try:
        decisions.decide(
            ctx.db, principal=ctx.principal, permit_id=permit_id, decision=decision, settings=ctx.settings
        )
    except (ValidationFailed, RuleViolation, Conflict) as exc:
        permit = lookup.get_permit(ctx.db, principal=ctx.principal, permit_id=permit_id)
        errors = {k: _message(v) for k, v in exc.fields.items()} or {"_decision": exc.message}
        return form_errors(ctx, "permits/permit.html", errors, **detail(ctx, permit))
    ctx.flash(_("Afgørelsen er gemt, og beboeren får besked."))
    return redirect(ctx, "permit", permit_id=permit_id)


def _step(ctx: Ctx, run: Callable[[int], object], done: str) -> Response:
    """A resident's one-button step on a case: done, or refused with the reason (404 stays 404)."""
    ctx.require_login()
    permit_id = ctx.int_param("permit_id")
    try:
        run(permit_id)
    except Conflict as exc:
        ctx.flash(exc.message, "error")
    else:
        ctx.flash(done)
    return redirect(ctx, "permit", permit_id=permit_id)


@page
def permit_withdraw(ctx: Ctx) -> Response:
    def run(permit_id: int) -> object:
        return cases.withdraw(ctx.db, principal=ctx.principal, permit_id=permit_id, settings=ctx.settings)

    return _step(ctx, run, _("Sagen er trukket tilbage."))


@page
def permit_end(ctx: Ctx) -> Response:
    """ "Dyret er her ikke længere": the pet permit ends."""

    def run(permit_id: int) -> object:
        return cases.report_gone(
            ctx.db, principal=ctx.principal, permit_id=permit_id, today=org_service.today()
        )

    return _step(ctx, run, _("Tilladelsen er afsluttet."))


@page
def permit_attach(ctx: Ctx) -> Response:
    ctx.require_login()
    permit_id = ctx.int_param("permit_id")
    try:
        added = permit_files.attach(
            ctx.db,
            principal=ctx.principal,
            permit_id=permit_id,
            files=ctx.files.get("file", []),
            store=ctx.store,
        )
    except (ValidationFailed, TooLarge, UnsupportedType, Conflict) as exc:
        permit = lookup.get_permit(ctx.db, principal=ctx.principal, permit_id=permit_id)
        return form_errors(ctx, "permits/permit.html", {"file": exc.message}, **detail(ctx, permit))
    ctx.flash(ngettext("%(num)s fil er tilføjet.", "%(num)s filer er tilføjet.", len(added)))
    return redirect(ctx, "permit", permit_id=permit_id)


@page
def permit_file(ctx: Ctx) -> Response:
    ctx.require_login()
    return permit_files.file_answer(
        ctx.db,
        principal=ctx.principal,
        permit_id=ctx.int_param("permit_id"),
        file_id=ctx.int_param("file_id"),
        store=ctx.store,
    )


@page
def department_permits(ctx: Ctx) -> Response:
    """The board's figures for its department: counts by kind and status, deadlines, handling time."""
    ctx.require_login()
    figures = overview.department_overview(
        ctx.db,
        principal=ctx.principal,
        department_id=ctx.int_param("department_id"),
        today=org_service.today(),
    )
    return render(ctx, "permits/overview.html", figures=figures, groups=GROUP_NAMES, active_nav="permits")


routes = [
    Route("/permits", permits_page, name="permits"),
    Route("/permits/new", permit_new, methods=["GET", "POST"], name="permit_new"),
    Route("/permits/{permit_id:id}", permit_page, name="permit"),
    Route("/permits/{permit_id:id}/decision", permit_decide, methods=["POST"], name="permit_decide"),
    Route("/permits/{permit_id:id}/withdraw", permit_withdraw, methods=["POST"], name="permit_withdraw"),
    Route("/permits/{permit_id:id}/files", permit_attach, methods=["POST"], name="permit_attach"),
    Route("/permits/{permit_id:id}/end", permit_end, methods=["POST"], name="permit_end"),
    Route("/permits/{permit_id:id}/files/{file_id:id}", permit_file, name="permit_file"),
    Route("/departments/{department_id:id}/permits", department_permits, name="department_permits"),
]
