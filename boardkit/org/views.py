"""Administration pages: overview and people. Boards, import and system pages live beside it."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from starlette.responses import Response
from starlette.routing import Route

from boardkit.core import i18n
from boardkit.core.errors import Conflict, NotFound
from boardkit.core.i18n import _
from boardkit.core.permissions import Action
from boardkit.core.web import Ctx, form_errors, page, redirect, render
from boardkit.org import service
from boardkit.org.board_views import add_membership_from_form
from boardkit.org.board_views import routes as board_routes
from boardkit.org.importing.views import routes as import_routes
from boardkit.org.models import CHANNELS, LANGUAGES, ROLES
from boardkit.org.system_views import routes as system_routes

PAGE_SIZE = 50


@page
def index(ctx: Ctx) -> Response:
    principal = service.require_staff(ctx.require_login().principal)
    organisations = service.list_organisations(ctx.db, ids=principal.staff_organisation_ids)
    departments = service.list_departments(ctx.db, organisation_ids=principal.staff_organisation_ids)
    counts = service.organisation_counts(ctx.db, organisation_ids=principal.staff_organisation_ids)
    return render(
        ctx,
        "org/index.html",
        organisations=organisations,
        departments=departments,
        counts=counts,
        active_nav="org:index",
    )


@page
def people(ctx: Ctx) -> Response:
    principal = service.require_staff(ctx.require_login().principal)
    q = ctx.request.query_params.get("q", "").replace("\x00", "").strip()[:100]  # PostgreSQL refuses NUL
    page_no = max(1, min(ctx.query_int("side", 1) or 1, 10_000))
    found, total = service.list_people(
        ctx.db, principal=principal, q=q, offset=(page_no - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    return render(
        ctx,
        "org/people.html",
        people=found,
        total=total,
        q=q,
        page_no=page_no,
        page_size=PAGE_SIZE,
        active_nav="org:index",
    )


def _person_form(ctx: Ctx) -> tuple[dict[str, Any], dict[str, str]]:
    """Read and check the person form; returns (values, errors by field)."""
    errors: dict[str, str] = {}
    name = ctx.value("name")
    email = ctx.value("email")
    if not name:
        errors["name"] = _("Skriv personens navn.")
    elif len(name) > 200:
        errors["name"] = _("Navnet må højst have 200 tegn.")
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            errors["email"] = _("Skriv en gyldig e-mailadresse, fx navn@eksempel.dk.")
    channel = ctx.value("preferred_channel", "email")
    if channel not in CHANNELS:
        errors["preferred_channel"] = _("Vælg en kanal fra listen.")
    language = ctx.value("language", "da")
    if language not in LANGUAGES:
        errors["language"] = _("Vælg et sprog fra listen.")
    phone = "".join(ch for ch in ctx.value("phone") if ch.isdigit() or ch == "+")
    if phone and not 8 <= len(phone.lstrip("+")) <= 15:
        errors["phone"] = _("Skriv et telefonnummer med 8 til 15 cifre.")
    if channel == "email" and not email and "email" not in errors:
        errors["email"] = _("Skriv en e-mailadresse, eller vælg en anden kanal.")
    values: dict[str, Any] = {
        "name": name,
        "email": email or None,
        "phone": phone,
        "preferred_channel": channel,
        "language": language,
        "paper": bool(ctx.value("paper")) or channel == "paper",
    }
    return values, errors


def _form_context() -> dict[str, Any]:
    return {
        "channels": [(c, c) for c in CHANNELS],
        "language_options": list(i18n.LANGUAGES.items()),
        "today": service.today(),
        "active_nav": "org:index",
    }


@page
def person_new(ctx: Ctx) -> Response:
    principal = service.require_staff(ctx.require_login().principal)
    if ctx.request.method == "GET":
        return render(ctx, "org/person_form.html", person=None, **_form_context())
    values, errors = _person_form(ctx)
    if errors:
        return form_errors(ctx, "org/person_form.html", errors, person=None, **_form_context())
    try:
        person = service.create_person(
            ctx.db, actor_id=ctx.person_id, organisation_id=service.staff_organisation(principal), **values
        )
    except Conflict as exc:
        return form_errors(
            ctx, "org/person_form.html", {"email": exc.message}, person=None, **_form_context()
        )
    ctx.db.flush()
    ctx.flash(_("%(name)s er oprettet.", name=person.name))
    return redirect(ctx, "org:person", person_id=person.id)


def _person_context(ctx: Ctx, person: Any) -> dict[str, Any]:
    boards = service.list_visible_boards(ctx.db, principal=ctx.principal)
    return {
        "person": person,
        "details": service.person_details(ctx.db, person=person),
        "boards": [(str(b.id), b.name) for b in boards],
        "roles": ROLES,
        **_form_context(),
    }


@page
def person_detail(ctx: Ctx) -> Response:
    principal = service.require_staff(ctx.require_login().principal)
    person = service.get_person_for_admin(ctx.db, principal=principal, person_id=ctx.int_param("person_id"))
    context = _person_context(ctx, person)
    if ctx.request.method == "GET":
        return render(ctx, "org/person_form.html", **context)
    values, errors = _person_form(ctx)
    values["active"] = bool(ctx.value("active"))
    if errors:
        return form_errors(ctx, "org/person_form.html", errors, **context)
    try:
        service.update_person(
            ctx.db,
            person,
            actor_id=ctx.person_id,
            organisation_id=service.staff_organisation(principal),
            **values,
        )
    except Conflict as exc:
        return form_errors(ctx, "org/person_form.html", {"email": exc.message}, **context)
    ctx.flash(_("Ændringerne er gemt."))
    return redirect(ctx, "org:person", person_id=person.id)


@page
def person_membership_add(ctx: Ctx) -> Response:
    """Put the person on a board from their own page (the way in for a member without e-mail)."""
    principal = service.require_staff(ctx.require_login().principal)
    person = service.get_person_for_admin(ctx.db, principal=principal, person_id=ctx.int_param("person_id"))
    errors: dict[str, str] = {}
    raw = ctx.value("board_id")
    board = None
    if raw.isdigit() and len(raw) < 18:
        try:
            board = service.get_board(
                ctx.db, principal=principal, board_id=int(raw), action=Action.ADMINISTER
            )
        except NotFound:
            board = None
    if board is None:
        errors["board_id"] = _("Vælg en bestyrelse fra listen.")
    add_membership_from_form(ctx, board, person, errors)
    if errors or board is None:
        values = {k: v[0] for k, v in ctx.form.items() if k != "csrf_token"}
        context = _person_context(ctx, person)
        # The person form above keeps the stored values; only the board form shows what was typed.
        return form_errors(
            ctx, "org/person_form.html", errors, values={}, membership_values=values, **context
        )
    ctx.flash(_("%(name)s er tilføjet til %(board)s.", name=person.name, board=board.name))
    return redirect(ctx, "org:person", person_id=person.id)


routes = [
    Route("/", index, name="index"),
    Route("/people", people, name="people"),
    Route("/people/new", person_new, methods=["GET", "POST"], name="person_new"),
    Route("/people/{person_id:id}", person_detail, methods=["GET", "POST"], name="person"),
    Route(
        "/people/{person_id:id}/memberships",
        person_membership_add,
        methods=["POST"],
        name="person_membership_add",
    ),
    *board_routes,
    *import_routes,
    *system_routes,
]
