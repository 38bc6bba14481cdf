"""Agenda editing for the chair and the administration, and the files on agenda items."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import AppError, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Action
from boardkit.core.web import Ctx, form_errors, page, redirect, render
from boardkit.meetings import agenda as agenda_edits
from boardkit.meetings import attachments, forms, lookup
from boardkit.meetings.models import ITEM_KINDS, AgendaItem, Meeting


def _meeting(ctx: Ctx) -> Meeting:
    return lookup.load_agenda(ctx.db, lookup.meeting_for(ctx, Action.MANAGE))


def _item(ctx: Ctx) -> AgendaItem:
    ctx.require_login()
    return lookup.get_item(
        ctx.db, principal=ctx.principal, item_id=ctx.int_param("item_id"), action=Action.MANAGE
    )


def _agenda_context(meeting: Meeting, **extra: Any) -> dict[str, Any]:
    return {
        "meeting": meeting,
        "items": list(meeting.items),
        "item_kinds": ITEM_KINDS,
        "active_nav": "home",
        **extra,
    }


@page
def agenda(ctx: Ctx) -> Response:
    """The agenda as the chair edits it: order, items, and a form to add one."""
    meeting = _meeting(ctx)
    return render(ctx, "meetings/agenda.html", **_agenda_context(meeting, values={"kind": "information"}))


@page
def item_new(ctx: Ctx) -> Response:
    meeting = _meeting(ctx)
    data, errors = forms.item_input(ctx)
    if not errors:
        try:
            item = agenda_edits.add_item(ctx.db, meeting, actor_id=ctx.person_id, data=data)
        except ValidationFailed as exc:
            errors = {k: str(v) for k, v in exc.fields.items()}
        else:
            ctx.flash(_("Punktet “%(title)s” er tilføjet.", title=item.title))
            return redirect(ctx, "agenda", meeting_id=meeting.id)
    return form_errors(ctx, "meetings/agenda.html", errors, **_agenda_context(meeting))


def _item_context(ctx: Ctx, item: AgendaItem, **extra: Any) -> dict[str, Any]:
    return {
        "item": item,
        "problems": attachments.pack_problems(ctx.db, item.attachments),
        "meeting": item.meeting,
        "item_kinds": ITEM_KINDS,
        "is_image": attachments.is_image,
        "active_nav": "home",
        **extra,
    }


@page
def item_edit(ctx: Ctx) -> Response:
    item = _item(ctx)
    if ctx.request.method == "GET":
        return render(
            ctx, "meetings/item_form.html", **_item_context(ctx, item, values=forms.item_values(item))
        )
    data, errors = forms.item_input(ctx)
    data.position = item.position
    if not errors:
        try:
            agenda_edits.update_item(ctx.db, item, actor_id=ctx.person_id, data=data)
        except ValidationFailed as exc:
            errors = {k: str(v) for k, v in exc.fields.items()}
        else:
            ctx.flash(_("Punktet er gemt."))
            return redirect(ctx, "agenda", meeting_id=item.meeting_id)
    return form_errors(ctx, "meetings/item_form.html", errors, **_item_context(ctx, item))


@page
def item_delete(ctx: Ctx) -> Response:
    item = _item(ctx)
    meeting_id, title = item.meeting_id, item.title
    agenda_edits.delete_item(ctx.db, item, actor_id=ctx.person_id)
    ctx.flash(_("Punktet “%(title)s” er slettet.", title=title))
    return redirect(ctx, "agenda", meeting_id=meeting_id)


@page
def item_move(ctx: Ctx) -> Response:
    """One step up or down (buttons, no JavaScript needed)."""
    item = _item(ctx)
    step = {"up": -1, "down": 1}.get(ctx.value("direction"))
    if step is None:
        raise AppError(_("Vælg op eller ned."), code="bad_direction")
    agenda_edits.move_item(ctx.db, item, position=item.position + step)
    response = redirect(ctx, "agenda", meeting_id=item.meeting_id)
    response.headers["location"] += f"#item-{item.id}"
    return response


@page
def attachment_upload(ctx: Ctx) -> Response:
    item = _item(ctx)
    files = ctx.files.get("file", [])
    error: AppError | None = None
    if not files:
        error = ValidationFailed(_("Vælg en fil."), fields={"file": "required"})
    else:
        upload = files[0]
        before = {a.id for a in item.attachments}
        try:
            attachment = attachments.add_attachment(
                ctx.db,
                item,
                store=ctx.store,
                actor_id=ctx.person_id,
                filename=upload.filename,
                data=upload.data,
                declared_type=upload.content_type,
            )
        except AppError as exc:
            error = exc
    if error is not None:
        return form_errors(
            ctx,
            "meetings/item_form.html",
            {"file": error.message},
            status_code=error.status,
            **_item_context(ctx, item, values=forms.item_values(item)),
        )
    if attachment.id in before:
        ctx.flash(_("Filen “%(name)s” er erstattet af den nye version.", name=attachment.filename))
    else:
        ctx.flash(_("Filen “%(name)s” er vedhæftet.", name=attachment.filename))
    return redirect(ctx, "agenda_item_edit", item_id=item.id)


@page
def attachment_file(ctx: Ctx) -> Response:
    """The file itself: PDFs and images inline, anything else only as a download."""
    ctx.require_login()
    attachment = lookup.get_attachment(
        ctx.db, principal=ctx.principal, attachment_id=ctx.int_param("attachment_id")
    )
    return attachments.attachment_response(ctx, attachment)


@page
def attachment_delete(ctx: Ctx) -> Response:
    ctx.require_login()
    attachment = lookup.get_attachment(
        ctx.db, principal=ctx.principal, attachment_id=ctx.int_param("attachment_id")
    )
    assert attachment.agenda_item_id is not None
    item = lookup.get_item(
        ctx.db, principal=ctx.principal, item_id=attachment.agenda_item_id, action=Action.MANAGE
    )
    attachments.delete_attachment(
        ctx.db, attachment, actor_id=ctx.person_id, organisation_id=item.meeting.board.organisation_id
    )
    ctx.flash(_("Filen “%(name)s” er fjernet.", name=attachment.filename))
    return redirect(ctx, "agenda_item_edit", item_id=item.id)


routes = [
    Route("/meetings/{meeting_id:id}/agenda", agenda, name="agenda"),
    Route("/meetings/{meeting_id:id}/agenda-items", item_new, methods=["POST"], name="agenda_item_new"),
    Route("/agenda-items/{item_id:id}/edit", item_edit, methods=["GET", "POST"], name="agenda_item_edit"),
    Route("/agenda-items/{item_id:id}/delete", item_delete, methods=["POST"], name="agenda_item_delete"),
    Route("/agenda-items/{item_id:id}/move", item_move, methods=["POST"], name="agenda_item_move"),
    Route(
        "/agenda-items/{item_id:id}/attachments",
        attachment_upload,
        methods=["POST"],
        name="attachment_upload",
    ),
    Route("/attachments/{attachment_id:id}", attachment_file, name="attachment"),
    Route(
        "/attachments/{attachment_id:id}/delete",
        attachment_delete,
        methods=["POST"],
        name="attachment_delete",
    ),
]
