"""REST API for the board's library and keys: documents (multipart upload) with versions and
their files, and the register of keys and access items with issue, return and code changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from boardkit.api.models import library as m
from boardkit.api.models.common import out
from boardkit.api.openapi import doc
from boardkit.api.schema import parse, validate
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, api
from boardkit.core.web.files import file_response
from boardkit.library import service


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(TZ).isoformat() if value else None


def _version(ctx: Ctx, v: service.DocumentVersion) -> m.VersionOut:
    return m.VersionOut(
        id=v.id,
        number=v.number,
        filename=v.filename,
        content_type=v.content_type,
        size=v.size,
        note=v.note,
        uploaded_at=_iso(v.uploaded_at) or "",
        url=ctx.url("api:library_version_file", version_id=v.id),
    )


def document_json(ctx: Ctx, d: service.LibraryDocument, *, with_versions: bool = False) -> dict[str, Any]:
    contract = (
        m.Contract(
            supplier=d.supplier,
            subject=d.subject,
            term_start=d.term_start.isoformat() if d.term_start else None,
            term_end=d.term_end.isoformat() if d.term_end else None,
            notice_period=d.notice_period,
            admin_contact_id=d.admin_contact_id,
            admin_contact=service.contact_name(ctx.db, d),
        )
        if d.kind == "contract"
        else None
    )
    answer = m.DocumentOut(
        id=d.id,
        board_id=d.board_id,
        kind=d.kind,
        kind_name=service.document_kind_name(d.kind),
        title=d.title,
        description=d.description,
        contract=contract,
        updated_at=_iso(d.updated_at) or "",
        archived_at=_iso(d.archived_at),
        latest=_version(ctx, d.latest) if d.latest else None,
        url=ctx.url("api:library_document", document_id=d.id),
    )
    if with_versions:
        answer.versions = [_version(ctx, v) for v in d.versions]
    return out(answer)


@doc("The board's documents by kind, each with its newest version", ok=m.DocumentList, op_id="listDocuments")
@api
def list_documents(ctx: Ctx) -> dict[str, Any]:
    found = service.list_documents(ctx.db, principal=ctx.principal, board_id=ctx.int_param("board_id"))
    return {"items": [document_json(ctx, d) for d in found]}


def _document_body(ctx: Ctx) -> m.DocumentBody:
    if ctx.form or ctx.files:  # multipart: every field is text
        data: dict[str, Any] = {name: ctx.value(name) or None for name in m.DocumentBody.model_fields}
        raw = data.get("admin_contact_id")
        if isinstance(raw, str) and raw.isdigit() and len(raw) < 10:
            data["admin_contact_id"] = int(raw)
        return validate(m.DocumentBody, {k: v for k, v in data.items() if v is not None})
    return parse(ctx, m.DocumentBody)


@doc(
    "Add a document with its first file (chair, vice chair, administration)",
    ok=m.DocumentOut,
    status=201,
    body=m.DocumentBody,
    upload=True,
    errors=(403, 404, 413, 415),
    description="multipart/form-data: the fields of `DocumentBody` and the file in `file` — PDF, JPEG, PNG, "
    "Word (.docx), Excel (.xlsx) or OpenDocument (.odt, .ods) judged by content, at most 25 MB. Programs, "
    "scripts and web pages are refused (415).",
    op_id="createDocument",
)
@api
def create_document(ctx: Ctx) -> Response:
    body = _document_body(ctx)
    files = ctx.files.get("file", [])
    document = service.create_document(
        ctx.db,
        principal=ctx.principal,
        board_id=ctx.int_param("board_id"),
        data=service.DocumentInput(
            kind=body.kind,
            title=body.title,
            description=body.description,
            supplier=body.supplier,
            subject=body.subject,
            term_start=body.term_start,
            term_end=body.term_end,
            notice_period=body.notice_period,
            admin_contact_id=body.admin_contact_id,
        ),
        upload=files[0] if files else None,
        store=ctx.store,
    )
    return JSONResponse(document_json(ctx, document, with_versions=True), status_code=201)


@doc("A document with every version, newest first", ok=m.DocumentOut, op_id="getDocument")
@api
def get_document(ctx: Ctx) -> dict[str, Any]:
    document = service.get_document(ctx.db, principal=ctx.principal, document_id=ctx.int_param("document_id"))
    return document_json(ctx, document, with_versions=True)


@doc(
    "Upload a new version (the older ones are kept)",
    ok=m.VersionOut,
    status=201,
    body=m.VersionBody,
    body_required=False,
    upload=True,
    errors=(403, 404, 413, 415),
    op_id="addDocumentVersion",
)
@api
def add_version(ctx: Ctx) -> Response:
    note = ctx.value("note") if (ctx.form or ctx.files) else parse(ctx, m.VersionBody, optional=True).note
    files = ctx.files.get("file", [])
    version = service.add_version(
        ctx.db,
        principal=ctx.principal,
        document_id=ctx.int_param("document_id"),
        upload=files[0] if files else None,
        store=ctx.store,
        note=note,
    )
    return JSONResponse(out(_version(ctx, version)), status_code=201)


@doc(
    "Archive a document (never deleted; its files stay)",
    ok=m.DocumentOut,
    errors=(403, 404),
    op_id="archiveDocument",
)
@api
def archive_document(ctx: Ctx) -> dict[str, Any]:
    document = service.archive_document(
        ctx.db, principal=ctx.principal, document_id=ctx.int_param("document_id")
    )
    return document_json(ctx, document)


@doc("A version's file (RFC 6266 name, nosniff)", content="application/octet-stream", op_id="getDocumentFile")
@api
def version_file(ctx: Ctx) -> Response:
    version = service.get_version(ctx.db, principal=ctx.principal, version_id=ctx.int_param("version_id"))
    return file_response(ctx.store.path(version.sha256), version.content_type, version.filename)


def _item(view: service.ItemView) -> dict[str, Any]:
    item = view.item
    return out(
        m.ItemOut(
            id=item.id,
            board_id=item.board_id,
            kind=item.kind,
            label=item.label,
            opens=item.opens,
            number=item.number,
            changed_on=item.changed_on.isoformat() if item.changed_on else None,
            state=view.state,
            holders=[
                m.HolderOut(
                    person_id=h.holding.person_id,
                    name=h.name,
                    role=h.role,
                    issued_on=h.holding.issued_on.isoformat(),
                    task=h.task.kind if h.task else None,
                    due_at=_iso(h.task.due_at) if h.task else None,
                    overdue=h.overdue,
                )
                for h in view.holders
            ],
        )
    )


def _item_answer(ctx: Ctx, item_id: int, board_id: int) -> dict[str, Any]:
    views = service.list_items(ctx.db, principal=ctx.principal, board_id=board_id)
    return next(_item(v) for v in views if v.item.id == item_id)


@doc(
    "The board's keys, fobs, accounts and codes with their holders and state", ok=m.ItemList, op_id="listKeys"
)
@api
def list_keys(ctx: Ctx) -> dict[str, Any]:
    views = service.list_items(ctx.db, principal=ctx.principal, board_id=ctx.int_param("board_id"))
    return {"items": [_item(v) for v in views]}


@doc(
    "Add a key or access item (a code or password itself is never stored)",
    ok=m.ItemOut,
    status=201,
    body=m.ItemBody,
    errors=(403, 404),
    op_id="createKey",
)
@api
def create_key(ctx: Ctx) -> Response:
    body = parse(ctx, m.ItemBody)
    item = service.create_item(
        ctx.db,
        principal=ctx.principal,
        board_id=ctx.int_param("board_id"),
        data=service.ItemInput(
            kind=body.kind, label=body.label, opens=body.opens, number=body.number, changed_on=body.changed_on
        ),
    )
    return JSONResponse(_item_answer(ctx, item.id, item.board_id), status_code=201)


@doc(
    "Issue an item to a board member (or note that they know the code)",
    ok=m.ItemOut,
    body=m.IssueBody,
    errors=(403, 404, 409),
    op_id="issueKey",
)
@api
def issue_key(ctx: Ctx) -> dict[str, Any]:
    body = parse(ctx, m.IssueBody)
    holding = service.issue(
        ctx.db,
        principal=ctx.principal,
        item_id=ctx.int_param("item_id"),
        person_id=body.person_id,
        on=body.on,
    )
    return _item_answer(ctx, holding.item_id, holding.item.board_id)


@doc(
    "Record a return (409 for someone who never held it; a second return changes nothing)",
    ok=m.ItemOut,
    body=m.ReturnBody,
    body_required=False,
    errors=(403, 404, 409),
    op_id="returnKey",
)
@api
def return_key(ctx: Ctx) -> dict[str, Any]:
    body = parse(ctx, m.ReturnBody, optional=True)
    holding = service.return_item(
        ctx.db,
        principal=ctx.principal,
        item_id=ctx.int_param("item_id"),
        person_id=body.person_id,
        on=body.on,
    )
    return _item_answer(ctx, holding.item_id, holding.item.board_id)


@doc(
    "A code or account's password was changed (its date only; closes the departed's tasks)",
    ok=m.ItemOut,
    body=m.ChangedBody,
    body_required=False,
    errors=(403, 404),
    op_id="changeKeyCode",
)
@api
def code_changed(ctx: Ctx) -> dict[str, Any]:
    body = parse(ctx, m.ChangedBody, optional=True)
    item = service.mark_changed(ctx.db, principal=ctx.principal, item_id=ctx.int_param("item_id"), on=body.on)
    return _item_answer(ctx, item.id, item.board_id)


routes = [
    Route("/boards/{board_id:id}/documents", list_documents, methods=["GET"], name="library_documents"),
    Route(
        "/boards/{board_id:id}/documents", create_document, methods=["POST"], name="library_document_create"
    ),
    Route("/documents/{document_id:id}", get_document, methods=["GET"], name="library_document"),
    Route("/documents/{document_id:id}/versions", add_version, methods=["POST"], name="library_version_add"),
    Route("/documents/{document_id:id}/archive", archive_document, methods=["POST"], name="library_archive"),
    Route(
        "/document-versions/{version_id:id}/file", version_file, methods=["GET"], name="library_version_file"
    ),
    Route("/boards/{board_id:id}/keys", list_keys, methods=["GET"], name="library_keys"),
    Route("/boards/{board_id:id}/keys", create_key, methods=["POST"], name="library_key_create"),
    Route("/keys/{item_id:id}/issue", issue_key, methods=["POST"], name="library_key_issue"),
    Route("/keys/{item_id:id}/return", return_key, methods=["POST"], name="library_key_return"),
    Route("/keys/{item_id:id}/code-changed", code_changed, methods=["POST"], name="library_key_changed"),
]
