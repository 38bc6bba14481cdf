"""The contacts pages: a department's contacts in the administration for its board (phone and
e-mail one tap away), and the administration's editing of them — add, change, delete, reorder."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.web import Ctx, form_errors, page, redirect, render
from boardkit.onboarding import contacts
from boardkit.onboarding.models import Contact


def _input(ctx: Ctx) -> contacts.ContactInput:
    return contacts.ContactInput(
        role=ctx.value("role"),
        name=ctx.value("name"),
        helps_with=ctx.value("helps_with"),
        phone=ctx.value("phone"),
        email=ctx.value("email"),
        hours=ctx.value("hours"),
        organisation_wide=ctx.value("scope") == "organisation",
    )


def _values(contact: Contact) -> dict[str, str]:
    fields = ("role", "name", "helps_with", "phone", "email", "hours")
    values = {name: getattr(contact, name) for name in fields}
    values["scope"] = "organisation" if contact.department_id is None else "department"
    return values


@page
def contacts_index(ctx: Ctx) -> Response:
    """The departments whose contacts I may see; straight to the list when there is one."""
    ctx.require_login()
    departments = contacts.departments_for(ctx.db, principal=ctx.principal)
    if len(departments) == 1:
        return redirect(ctx, "department_contacts", department_id=departments[0].id)
    return render(ctx, "onboarding/contacts_index.html", departments=departments, active_nav="home")


@page
def department_contacts(ctx: Ctx) -> Response:
    """Who in the administration helps the department with what: the board's and the staff's list."""
    ctx.require_login()
    found = contacts.list_contacts(
        ctx.db, principal=ctx.principal, department_id=ctx.int_param("department_id")
    )
    more = len(contacts.departments_for(ctx.db, principal=ctx.principal)) > 1
    return render(
        ctx, "onboarding/contacts.html", found=found, tel=contacts.tel_uri, more=more, active_nav="home"
    )


def _edit_context(ctx: Ctx, department_id: int) -> dict[str, Any]:
    found = contacts.contacts_to_edit(ctx.db, principal=ctx.principal, department_id=department_id)
    return {"found": found, "tel": contacts.tel_uri, "active_nav": "home"}


@page
def contacts_edit(ctx: Ctx) -> Response:
    """The administration's list: GET shows it with the form for a new contact, POST adds one."""
    ctx.require_login()
    department_id = ctx.int_param("department_id")
    if ctx.request.method == "GET":
        return render(ctx, "onboarding/contacts_edit.html", **_edit_context(ctx, department_id))
    try:
        contact = contacts.add_contact(
            ctx.db, principal=ctx.principal, department_id=department_id, data=_input(ctx)
        )
    except ValidationFailed as exc:
        errors = {k: str(v) for k, v in exc.fields.items()}
        return form_errors(ctx, "onboarding/contacts_edit.html", errors, **_edit_context(ctx, department_id))
    ctx.flash(_("%(name)s er tilføjet.", name=contact.name))
    return redirect(ctx, "department_contacts_edit", department_id=department_id)


@page
def contact_edit(ctx: Ctx) -> Response:
    """One contact: GET the form, POST the change."""
    ctx.require_login()
    department_id, contact_id = ctx.int_param("department_id"), ctx.int_param("contact_id")
    department, contact = contacts.get_contact(
        ctx.db, principal=ctx.principal, department_id=department_id, contact_id=contact_id
    )
    may_share = contacts.may_edit(ctx.principal, department.organisation_id, None)
    context: dict[str, Any] = {
        "department": department,
        "contact": contact,
        "may_share": may_share,
        "active_nav": "home",
    }
    if ctx.request.method == "GET":
        return render(ctx, "onboarding/contacts_form.html", values=_values(contact), **context)
    try:
        contacts.update_contact(
            ctx.db,
            principal=ctx.principal,
            department_id=department_id,
            contact_id=contact_id,
            data=_input(ctx),
        )
    except ValidationFailed as exc:
        errors = {k: str(v) for k, v in exc.fields.items()}
        return form_errors(ctx, "onboarding/contacts_form.html", errors, **context)
    ctx.flash(_("Kontakten er gemt."))
    return redirect(ctx, "department_contacts_edit", department_id=department_id)


@page
def contact_delete(ctx: Ctx) -> Response:
    ctx.require_login()
    department_id = ctx.int_param("department_id")
    contacts.delete_contact(
        ctx.db, principal=ctx.principal, department_id=department_id, contact_id=ctx.int_param("contact_id")
    )
    ctx.flash(_("Kontakten er slettet."))
    return redirect(ctx, "department_contacts_edit", department_id=department_id)


@page
def contact_move(ctx: Ctx) -> Response:
    """One place up or down in its list (the department's, or the whole organisation's)."""
    ctx.require_login()
    department_id = ctx.int_param("department_id")
    contacts.move_contact(
        ctx.db,
        principal=ctx.principal,
        department_id=department_id,
        contact_id=ctx.int_param("contact_id"),
        up=ctx.value("direction") == "up",
    )
    ctx.flash(_("Rækkefølgen er gemt."))
    return redirect(ctx, "department_contacts_edit", department_id=department_id)


routes = [
    Route("/contacts", contacts_index, name="contacts"),
    Route("/departments/{department_id:id}/contacts", department_contacts, name="department_contacts"),
    Route(
        "/departments/{department_id:id}/contacts/edit",
        contacts_edit,
        methods=["GET", "POST"],
        name="department_contacts_edit",
    ),
    Route(
        "/departments/{department_id:id}/contacts/{contact_id:id}/edit",
        contact_edit,
        methods=["GET", "POST"],
        name="department_contact_edit",
    ),
    Route(
        "/departments/{department_id:id}/contacts/{contact_id:id}/delete",
        contact_delete,
        methods=["POST"],
        name="department_contact_delete",
    ),
    Route(
        "/departments/{department_id:id}/contacts/{contact_id:id}/move",
        contact_move,
        methods=["POST"],
        name="department_contact_move",
    ),
]
