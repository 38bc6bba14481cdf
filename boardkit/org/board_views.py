"""Administration pages for boards and their memberships."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import Conflict, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Action, Principal
from boardkit.core.templating import fmt_date
from boardkit.core.web import Ctx, form_errors, page, redirect, render
from boardkit.org import service
from boardkit.org.models import BOARD_KINDS, ROLES, Board, Person


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@page
def boards(ctx: Ctx) -> Response:
    principal = service.require_staff(ctx.require_login().principal)
    return render(
        ctx,
        "org/boards.html",
        boards=service.list_visible_boards(ctx.db, principal=principal),
        active_nav="org:index",
    )


def _board_form_context(ctx: Ctx, principal: Principal) -> dict[str, Any]:
    departments = service.list_departments(ctx.db, organisation_ids=principal.staff_organisation_ids)
    return {"departments": departments, "kinds": BOARD_KINDS, "active_nav": "org:index"}


@page
def board_new(ctx: Ctx) -> Response:
    principal = service.require_staff(ctx.require_login().principal)
    context = _board_form_context(ctx, principal)
    if ctx.request.method == "GET":
        return render(ctx, "org/board_form.html", **context)
    errors: dict[str, str] = {}
    name, kind = ctx.value("name"), ctx.value("kind")
    if not name or len(name) > 200:
        errors["name"] = _("Skriv bestyrelsens navn (højst 200 tegn).")
    if kind not in BOARD_KINDS:
        errors["kind"] = _("Vælg en type fra listen.")
    department_id: int | None = None
    departments = {d.id: d for d in context["departments"]}
    raw = ctx.value("department_id")
    if raw:
        department_id = int(raw) if raw.isdigit() and int(raw) in departments else None
        if department_id is None:
            errors["department_id"] = _("Vælg en afdeling fra listen.")
    if kind in ("department_board", "committee") and department_id is None and "department_id" not in errors:
        errors["department_id"] = (
            _("En afdelingsbestyrelse hører til en afdeling.")
            if kind == "department_board"
            else _("Vælg den afdeling, udvalget hører til.")
        )
    if kind == "organisation_board":
        department_id = None
    if errors:
        return form_errors(ctx, "org/board_form.html", errors, **context)
    organisation_id = (
        departments[department_id].organisation_id if department_id else service.staff_organisation(principal)
    )
    board = service.create_board(
        ctx.db,
        actor_id=ctx.person_id,
        organisation_id=organisation_id,  # type: ignore[arg-type]
        department_id=department_id,
        kind=kind,
        name=name,
    )
    ctx.db.flush()
    ctx.flash(_("Bestyrelsen er oprettet."))
    return redirect(ctx, "org:board", board_id=board.id)


def _board(ctx: Ctx) -> Board:
    service.require_staff(ctx.require_login().principal)
    return service.get_board(
        ctx.db, principal=ctx.principal, board_id=ctx.int_param("board_id"), action=Action.ADMINISTER
    )


def _board_context(ctx: Ctx, board: Board) -> dict[str, Any]:
    return {
        "board": board,
        "memberships": service.list_board_members(ctx.db, board_id=board.id, include_ended=True),
        "roles": ROLES,
        "today": service.today(),
        "active_nav": "org:index",
    }


@page
def board_detail(ctx: Ctx) -> Response:
    board = _board(ctx)
    return render(ctx, "org/board.html", **_board_context(ctx, board))


def add_membership_from_form(
    ctx: Ctx, board: Board | None, person: Person | None, errors: dict[str, str]
) -> None:
    """Add ``person`` to ``board`` with the role and period of the membership form (from the board's
    page or the person's); what is wrong goes into ``errors`` and nothing is added."""
    role, start, end = _membership_form(ctx, errors)
    if errors or board is None or person is None or start is None:
        return
    try:
        service.add_membership(
            ctx.db, board, actor_id=ctx.person_id, person=person, role=role, start_date=start, end_date=end
        )
    except Conflict as exc:
        errors["role"] = exc.message


def _membership_form(ctx: Ctx, errors: dict[str, str]) -> tuple[str, date | None, date | None]:
    """Role and period of the membership form; problems go into ``errors``."""
    role = ctx.value("role")
    if role not in ROLES:
        errors["role"] = _("Vælg en rolle fra listen.")
    start, end = _date(ctx.value("start_date")), _date(ctx.value("end_date"))
    if start is None:
        errors["start_date"] = _("Skriv startdatoen som ÅÅÅÅ-MM-DD.")
    if ctx.value("end_date") and end is None:
        errors["end_date"] = _("Skriv slutdatoen som ÅÅÅÅ-MM-DD.")
    elif start and end and end < start:
        errors["end_date"] = _("Slutdatoen skal ligge efter startdatoen.")
    return role, start, end


def _find_person(ctx: Ctx, errors: dict[str, str]) -> Person | None:
    text = ctx.value("person") or ctx.value("email")
    found = service.find_person_for_admin(ctx.db, principal=ctx.principal, text=text) if text else []
    if not text:
        errors["person"] = _("Skriv personens e-mail, personnummer eller fulde navn.")
    elif not found:
        errors["person"] = _(
            "Der findes ingen person med den e-mail, det personnummer eller det navn. Opret personen først."
        )
    elif len(found) > 1:
        errors["person"] = _(
            "%(n)s personer hedder %(name)s. Skriv e-mail eller personnummer i stedet.",
            n=len(found),
            name=found[0].name,
        )
    return found[0] if len(found) == 1 else None


@page
def membership_add(ctx: Ctx) -> Response:
    board = _board(ctx)
    errors: dict[str, str] = {}
    person = _find_person(ctx, errors)
    add_membership_from_form(ctx, board, person, errors)
    if errors or person is None:
        return form_errors(ctx, "org/board.html", errors, **_board_context(ctx, board))
    ctx.flash(_("%(name)s er tilføjet.", name=person.name))
    return redirect(ctx, "org:board", board_id=board.id)


@page
def membership_end(ctx: Ctx) -> Response:
    board = _board(ctx)
    membership = service.get_membership(ctx.db, board=board, membership_id=ctx.int_param("membership_id"))
    end = _date(ctx.value("end_date"))
    if end is None or end < membership.start_date:
        return form_errors(
            ctx,
            "org/board.html",
            {f"end-{membership.id}": _("Skriv en gyldig slutdato efter startdatoen.")},
            **_board_context(ctx, board),
        )
    try:
        if membership.end_date is None or end < membership.end_date:  # a seat ends sooner: an end
            service.end_membership(
                ctx.db, membership, ends_at=service.day_end(end), actor_id=ctx.person_id, reason="other"
            )
        else:  # a later end date lengthens the term
            service.update_membership(ctx.db, membership, actor_id=ctx.person_id, end_date=end)
    except (Conflict, ValidationFailed) as exc:
        return form_errors(
            ctx, "org/board.html", {f"end-{membership.id}": exc.message}, **_board_context(ctx, board)
        )
    ctx.flash(_("Medlemskabet slutter %(date)s.", date=fmt_date(end)))
    return redirect(ctx, "org:board", board_id=board.id)


routes = [
    Route("/boards", boards, name="boards"),
    Route("/boards/new", board_new, methods=["GET", "POST"], name="board_new"),
    Route("/boards/{board_id:id}", board_detail, name="board"),
    Route("/boards/{board_id:id}/memberships", membership_add, methods=["POST"], name="membership_add"),
    Route(
        "/boards/{board_id:id}/memberships/{membership_id:id}/end",
        membership_end,
        methods=["POST"],
        name="membership_end",
    ),
]
