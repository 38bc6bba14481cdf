"""REST API for meeting packs and private notes (API.md); thin over ``meetings.service.pack``."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.api.json_input import Reader, json_object
from boardkit.core.errors import Forbidden
from boardkit.core.i18n import _
from boardkit.core.storage import FileStore
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, api
from boardkit.meetings import service
from boardkit.meetings.packs import service as packs_service
from boardkit.meetings.service import AgendaItem, Meeting
from boardkit.org import service as org_service

NOTE_MAX = packs_service.NOTE_MAX_CHARS


def _meeting(ctx: Ctx) -> Meeting:
    return service.get_meeting(ctx.db, principal=ctx.principal, meeting_id=ctx.int_param("meeting_id"))


@api
def pack_pdf(ctx: Ctx) -> Response:
    """The caller's own copy of the current pack (``?notes=1`` with their notes); opening it is recorded."""
    meeting = _meeting(ctx)
    store = FileStore(ctx.settings.files_dir)
    download = packs_service.reader_pack(
        ctx.db,
        store=store,
        meeting=meeting,
        principal=ctx.principal,
        person=org_service.get_person(ctx.db, person_id=ctx.person_id),
        with_notes=ctx.request.query_params.get("notes") == "1",
        later=ctx.bookkeep,
    )
    headers = {
        "Content-Disposition": f'attachment; filename="pack-{meeting.id}-v{download.version}.pdf"',
        "Cache-Control": "private, no-cache",
        "ETag": f'"{download.sha256}"',
        "X-Pack-Version": str(download.version),
    }
    return Response(store.get(download.sha256), media_type="application/pdf", headers=headers)


@api
def pack_versions(ctx: Ctx) -> dict[str, Any]:
    """The versions of the pack the caller gets, newest first, with what changed."""
    meeting = _meeting(ctx)
    variant = packs_service.variant_for(ctx.principal, meeting)
    versions = packs_service.list_versions(ctx.db, meeting, variant) if meeting.pack_published_at else []
    return {
        "published_at": meeting.pack_published_at.astimezone(TZ).isoformat()
        if meeting.pack_published_at
        else None,
        "items": [
            {
                "number": v.number,
                "built_at": v.built_at.astimezone(TZ).isoformat(),
                "pages": v.pages,
                "changes": v.changes,
            }
            for v in versions
        ],
        "next": None,
    }


def _note_item(ctx: Ctx) -> AgendaItem:
    item = service.get_item(ctx.db, principal=ctx.principal, item_id=ctx.int_param("item_id"))
    if packs_service.variant_for(ctx.principal, item.meeting) == "public":
        raise Forbidden(_("Kun bestyrelsen kan skrive noter til punkterne."))
    return item


def _note_json(item: AgendaItem, text: str, updated_at: Any) -> dict[str, Any]:
    return {
        "agenda_item_id": item.id,
        "text": text,
        "updated_at": updated_at.astimezone(TZ).isoformat() if updated_at else None,
    }


@api
def get_note(ctx: Ctx) -> dict[str, Any]:
    """My private note on an item (empty text when I have none)."""
    item = _note_item(ctx)
    note = packs_service.get_notes(ctx.db, person_id=ctx.person_id, item_ids=[item.id]).get(item.id)
    return _note_json(item, note.text if note else "", note.updated_at if note else None)


@api
def put_note(ctx: Ctx) -> dict[str, Any]:
    """Write my private note: ``{"text": "..."}``; an empty text deletes it."""
    item = _note_item(ctx)
    reader = Reader(json_object(ctx))
    text = reader.text("text")
    if "text" not in reader.body:
        reader.errors["text"] = _("Skal udfyldes.")
    reader.check()
    note = packs_service.save_note(ctx.db, person_id=ctx.person_id, item=item, text=text)
    return _note_json(item, note.text if note else "", note.updated_at if note else None)


ITEM_ID = [{"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
MEETING_ID = [{"name": "meeting_id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        400: "Malformed request",
        401: "No or invalid token",
        403: "Allowed to see, not to do",
        404: "Missing or not yours (or the pack is not published)",
        409: "pack_not_ready: published, but no version is built yet",
        422: "A field says no (validation_failed)",
    }
    return {str(c): _error(text.get(c, "Error")) for c in codes}


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}}


NOTE = {
    "type": "object",
    "required": ["agenda_item_id", "text", "updated_at"],
    "properties": {
        "agenda_item_id": {"type": "integer"},
        "text": {"type": "string", "maxLength": NOTE_MAX},
        "updated_at": {"type": ["string", "null"], "format": "date-time"},
    },
}
VERSIONS = {
    "type": "object",
    "required": ["items", "next"],
    "properties": {
        "published_at": {"type": ["string", "null"], "format": "date-time"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["number", "built_at", "pages", "changes"],
                "properties": {
                    "number": {"type": "integer"},
                    "built_at": {"type": "string", "format": "date-time"},
                    "pages": {"type": "integer"},
                    "changes": {
                        "type": "array",
                        "description": "item_added, item_removed, item_changed (fields), file_added, "
                        "file_removed, file_replaced",
                        "items": {"type": "object", "additionalProperties": True},
                    },
                },
            },
        },
        "next": {"type": ["string", "null"]},
    },
}
PATHS: dict[str, Any] = {
    "/meetings/{meeting_id}/pack.pdf": {
        "get": {
            "summary": "My copy of the meeting pack (closed items only if I may see them; "
            "board packs carry my name as a watermark)",
            "operationId": "getMeetingPack",
            "parameters": [
                *MEETING_ID,
                {"name": "notes", "in": "query", "schema": {"enum": ["1"]}, "description": "with my notes"},
            ],
            "responses": {
                "200": {"description": "The PDF", "content": {"application/pdf": {}}},
                **_errors(401, 404, 409),
            },
        }
    },
    "/meetings/{meeting_id}/pack/versions": {
        "get": {
            "summary": "Versions of the pack I get, newest first, with what changed",
            "operationId": "listMeetingPackVersions",
            "parameters": MEETING_ID,
            "responses": {**_ok(VERSIONS), **_errors(401, 404)},
        }
    },
    "/agenda-items/{item_id}/note": {
        "get": {
            "summary": "My private note on an agenda item (board readers; nobody else sees it)",
            "operationId": "getAgendaItemNote",
            "parameters": ITEM_ID,
            "responses": {**_ok(NOTE), **_errors(401, 403, 404)},
        },
        "put": {
            "summary": "Write my private note (an empty text deletes it)",
            "operationId": "putAgendaItemNote",
            "parameters": ITEM_ID,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["text"],
                            "properties": {"text": {"type": "string", "maxLength": NOTE_MAX}},
                        }
                    }
                },
            },
            "responses": {**_ok(NOTE), **_errors(400, 401, 403, 404, 422)},
        },
    },
}

routes = [
    Route("/meetings/{meeting_id:id}/pack.pdf", pack_pdf, methods=["GET"], name="meeting_pack"),
    Route("/meetings/{meeting_id:id}/pack/versions", pack_versions, methods=["GET"], name="pack_versions"),
    Route("/agenda-items/{item_id:id}/note", get_note, methods=["GET"], name="agenda_item_note"),
    Route("/agenda-items/{item_id:id}/note", put_note, methods=["PUT"], name="agenda_item_note_put"),
]
