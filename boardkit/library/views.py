"""The library's pages: a board's documents by kind (upload form for the keepers), a document
with its versions, the file of a version, and the register of keys and access items with
issuing, returning, codes changed and the "to return" tasks."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import AppError, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.web import Ctx, form_errors, page, redirect, render
from boardkit.core.web.files import file_response
from boardkit.library import access, documents, keys
from boardkit.library.models import DOCUMENT_KINDS, ITEM_KINDS
from boardkit.org import service as org_service


def _again(ctx: Ctx, template: str, exc: AppError, **context: Any) -> Response:
    """The form again with the service's messages and status (a 404 stays a 404)."""
    if exc.status == 404:
        raise exc
    # A field's entry is a message, or a code (then the error's message says it).
    errors = {k: str(v) if " " in str(v) else exc.message for k, v in exc.fields.items()} or {
        "_form": exc.message
    }
    return form_errors(ctx, template, errors, status_code=exc.status, **context)


def _day(ctx: Ctx, name: str) -> date | None:
    raw = ctx.value(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            _("Nogle felter skal rettes."), fields={name: _("Skriv en dato som 2027-03-15.")}
        ) from None


def _id(ctx: Ctx, name: str) -> int | None:
    raw = ctx.value(name)
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _library_context(ctx: Ctx, board_id: int) -> dict[str, Any]:
    listed = documents.list_documents(ctx.db, principal=ctx.principal, board_id=board_id)
    board = access.readable_board(ctx.db, ctx.principal, board_id)
    keeper = access.may_keep(ctx.principal, board)
    groups = [
        (kind, documents.kind_name(kind), [d for d in listed if d.kind == kind]) for kind in DOCUMENT_KINDS
    ]
    archived = (
        documents.list_documents(ctx.db, principal=ctx.principal, board_id=board_id, archived=True)
        if keeper
        else []
    )
    return {
        "board": board,
        "groups": [g for g in groups if g[2]],
        "archived": archived,
        "keeper": keeper,
        "kinds": [(k, documents.kind_name(k)) for k in DOCUMENT_KINDS],
        "contacts": documents.contact_choices(ctx.db, board) if keeper else [],
        "contact_names": {d.id: documents.contact_name(ctx.db, d) for d in listed if d.kind == "contract"},
        "active_nav": "home",
    }


@page
def library_page(ctx: Ctx) -> Response:
    ctx.require_login()
    board_id = ctx.int_param("board_id")
    if ctx.request.method == "GET":
        return render(ctx, "library/library.html", **_library_context(ctx, board_id))
    try:
        data = documents.DocumentInput(
            kind=ctx.value("kind"),
            title=ctx.value("title"),
            description=ctx.value("description"),
            supplier=ctx.value("supplier"),
            subject=ctx.value("subject"),
            term_start=_day(ctx, "term_start"),
            term_end=_day(ctx, "term_end"),
            notice_period=ctx.value("notice_period"),
            admin_contact_id=_id(ctx, "admin_contact_id"),
        )
        files = ctx.files.get("file", [])
        document = documents.create_document(
            ctx.db,
            principal=ctx.principal,
            board_id=board_id,
            data=data,
            upload=files[0] if files else None,
            store=ctx.store,
        )
    except AppError as exc:
        return _again(ctx, "library/library.html", exc, **_library_context(ctx, board_id))
    ctx.flash(_("Dokumentet er gemt i biblioteket."))
    return redirect(ctx, "library_document", document_id=document.id)


def _document_context(ctx: Ctx, document_id: int) -> dict[str, Any]:
    document = documents.get_document(ctx.db, principal=ctx.principal, document_id=document_id)
    board = access.readable_board(ctx.db, ctx.principal, document.board_id)
    return {
        "document": document,
        "board": board,
        "kind_name": documents.kind_name(document.kind),
        "contact_name": documents.contact_name(ctx.db, document),
        "keeper": access.may_keep(ctx.principal, board),
        "active_nav": "home",
    }


@page
def document_page(ctx: Ctx) -> Response:
    ctx.require_login()
    document_id = ctx.int_param("document_id")
    if ctx.request.method == "GET":
        return render(ctx, "library/document.html", **_document_context(ctx, document_id))
    files = ctx.files.get("file", [])
    try:
        version = documents.add_version(
            ctx.db,
            principal=ctx.principal,
            document_id=document_id,
            upload=files[0] if files else None,
            store=ctx.store,
            note=ctx.value("note"),
        )
    except AppError as exc:
        return _again(ctx, "library/document.html", exc, **_document_context(ctx, document_id))
    ctx.flash(_("Version %(n)s er gemt.", n=version.number))
    return redirect(ctx, "library_document", document_id=document_id)


@page
def archive_page(ctx: Ctx) -> Response:
    ctx.require_login()
    document = documents.archive_document(
        ctx.db, principal=ctx.principal, document_id=ctx.int_param("document_id")
    )
    ctx.flash(_("Dokumentet er arkiveret. Det kan stadig hentes her."))
    return redirect(ctx, "library_document", document_id=document.id)


@page
def version_file(ctx: Ctx) -> Response:
    ctx.require_login()
    version = documents.get_version(ctx.db, principal=ctx.principal, version_id=ctx.int_param("version_id"))
    inline = version.content_type in ("application/pdf", "image/jpeg", "image/png")
    return file_response(
        ctx.store.path(version.sha256), version.content_type, version.filename, inline=inline
    )


def _keys_context(ctx: Ctx, board_id: int) -> dict[str, Any]:
    items = keys.list_items(ctx.db, principal=ctx.principal, board_id=board_id)
    board = access.readable_board(ctx.db, ctx.principal, board_id)
    keeper = access.may_keep(ctx.principal, board)
    today = org_service.today()
    members = [
        (m.person_id, m.person.name, m.role)
        for m in org_service.list_board_members(ctx.db, board_id=board_id)
        if m.start_date <= today
    ]
    return {
        "board": board,
        "items": items,
        "tasks": [(v, h) for v in items for h in v.holders if h.task is not None],
        "keeper": keeper,
        "members": members,
        "kinds": [(k, keys.kind_name(k)) for k in ITEM_KINDS],
        "kind_names": {k: keys.kind_name(k) for k in ITEM_KINDS},
        "me": ctx.principal.person_id,
        "active_nav": "home",
    }


@page
def keys_page(ctx: Ctx) -> Response:
    ctx.require_login()
    board_id = ctx.int_param("board_id")
    if ctx.request.method == "GET":
        return render(ctx, "library/keys.html", **_keys_context(ctx, board_id))
    try:
        keys.create_item(
            ctx.db,
            principal=ctx.principal,
            board_id=board_id,
            data=keys.ItemInput(
                kind=ctx.value("kind"),
                label=ctx.value("label"),
                opens=ctx.value("opens"),
                number=ctx.value("number"),
                changed_on=_day(ctx, "changed_on"),
            ),
        )
    except AppError as exc:
        return _again(ctx, "library/keys.html", exc, **_keys_context(ctx, board_id))
    ctx.flash(_("Tilføjet til nøgleoversigten."))
    return redirect(ctx, "library_keys", board_id=board_id)


def _item_action(ctx: Ctx, action: str) -> Response:
    ctx.require_login()
    item_id = ctx.int_param("item_id")
    item = access.readable_item(ctx.db, ctx.principal, item_id)
    board_id = item.board_id
    try:
        if action == "issue":
            person_id = _id(ctx, "person_id")
            if person_id is None:
                raise ValidationFailed(
                    _("Vælg hvem der får den."), fields={"person_id": _("Vælg et medlem.")}
                )
            keys.issue(
                ctx.db, principal=ctx.principal, item_id=item_id, person_id=person_id, on=_day(ctx, "on")
            )
            ctx.flash(_("Udleveringen er registreret."))
        elif action == "return":
            keys.return_item(
                ctx.db,
                principal=ctx.principal,
                item_id=item_id,
                person_id=_id(ctx, "person_id"),
                on=_day(ctx, "on"),
            )
            ctx.flash(_("Afleveringen er registreret."))
        else:
            keys.mark_changed(ctx.db, principal=ctx.principal, item_id=item_id, on=_day(ctx, "on"))
            ctx.flash(_("Det er noteret, at koden er skiftet."))
    except AppError as exc:
        return _again(ctx, "library/keys.html", exc, **_keys_context(ctx, board_id))
    return redirect(ctx, "library_keys", board_id=board_id)


@page
def issue_item(ctx: Ctx) -> Response:
    return _item_action(ctx, "issue")


@page
def return_item(ctx: Ctx) -> Response:
    return _item_action(ctx, "return")


@page
def changed_item(ctx: Ctx) -> Response:
    return _item_action(ctx, "changed")


routes = [
    Route("/boards/{board_id:int}/library", library_page, methods=["GET", "POST"], name="library"),
    Route(
        "/library/documents/{document_id:int}",
        document_page,
        methods=["GET", "POST"],
        name="library_document",
    ),
    Route(
        "/library/documents/{document_id:int}/archive", archive_page, methods=["POST"], name="library_archive"
    ),
    Route("/library/versions/{version_id:int}", version_file, name="library_version"),
    Route("/boards/{board_id:int}/keys", keys_page, methods=["GET", "POST"], name="library_keys"),
    Route("/keys/{item_id:int}/issue", issue_item, methods=["POST"], name="library_issue"),
    Route("/keys/{item_id:int}/return", return_item, methods=["POST"], name="library_return"),
    Route("/keys/{item_id:int}/changed", changed_item, methods=["POST"], name="library_changed"),
]
