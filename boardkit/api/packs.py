"""REST API for meeting packs and private notes (API.md); thin over ``meetings.service.pack``."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.api.models import meetings as m
from boardkit.api.models.common import out
from boardkit.api.openapi import Query, doc
from boardkit.api.schema import parse
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, api, file_response
from boardkit.meetings import service
from boardkit.meetings.packs import service as packs_service
from boardkit.meetings.service import AgendaItem
from boardkit.org import service as org_service

NOTE_MAX = packs_service.NOTE_MAX_CHARS


@doc(
    "My copy of the meeting pack (closed items only if I may see them; board packs carry my name as a "
    "watermark)",
    content="application/pdf",
    errors=(409,),
    query=(Query("notes", {"enum": ["1"]}, "with my notes"),),
    op_id="getMeetingPack",
)
@api
def pack_pdf(ctx: Ctx) -> Response:
    """The caller's own copy of the current pack (``?notes=1`` with their notes); opening it is recorded."""
    meeting = service.meeting_for(ctx)
    store = ctx.store
    download = packs_service.reader_pack(
        ctx.db,
        store=store,
        meeting=meeting,
        principal=ctx.principal,
        person=org_service.get_person(ctx.db, person_id=ctx.person_id),
        with_notes=ctx.request.query_params.get("notes") == "1",
        later=ctx.bookkeep,
    )
    return file_response(
        store.get(download.sha256),
        "application/pdf",
        f"pack-{meeting.id}-v{download.version}.pdf",
        etag=download.sha256,
        headers={"X-Pack-Version": str(download.version)},
    )


@doc(
    "Versions of the pack I get, newest first, with what changed",
    ok=m.PackVersions,
    op_id="listMeetingPackVersions",
)
@api
def pack_versions(ctx: Ctx) -> dict[str, Any]:
    """The versions of the pack the caller gets, newest first, with what changed."""
    meeting = service.meeting_for(ctx)
    versions = packs_service.versions_for(ctx.db, principal=ctx.principal, meeting=meeting)
    published = meeting.pack_published_at
    items = [
        m.PackVersion(
            number=v.number, built_at=v.built_at.astimezone(TZ).isoformat(), pages=v.pages, changes=v.changes
        )
        for v in versions
    ]
    return out(
        m.PackVersions(
            published_at=published.astimezone(TZ).isoformat() if published else None, items=items, next=None
        )
    )


def _note_item(ctx: Ctx) -> AgendaItem:
    return packs_service.note_item(ctx.db, principal=ctx.principal, item_id=ctx.int_param("item_id"))


def _note_json(item: AgendaItem, text: str, updated_at: Any) -> dict[str, Any]:
    note = m.Note(
        agenda_item_id=item.id,
        text=text,
        updated_at=updated_at.astimezone(TZ).isoformat() if updated_at else None,
    )
    return out(note)


@doc(
    "My private note on an agenda item (board readers; nobody else sees it)",
    ok=m.Note,
    errors=(403,),
    op_id="getAgendaItemNote",
)
@api
def get_note(ctx: Ctx) -> dict[str, Any]:
    """My private note on an item (empty text when I have none)."""
    item = _note_item(ctx)
    note = packs_service.get_notes(ctx.db, person_id=ctx.person_id, item_ids=[item.id]).get(item.id)
    return _note_json(item, note.text if note else "", note.updated_at if note else None)


@doc(
    "Write my private note (an empty text deletes it)",
    ok=m.Note,
    body=m.NoteBody,
    errors=(403,),
    op_id="putAgendaItemNote",
)
@api
def put_note(ctx: Ctx) -> dict[str, Any]:
    """Write my private note: ``{"text": "..."}``; an empty text deletes it."""
    item = _note_item(ctx)
    text = parse(ctx, m.NoteBody).text
    note = packs_service.save_note(ctx.db, person_id=ctx.person_id, item=item, text=text)
    return _note_json(item, note.text if note else "", note.updated_at if note else None)


routes = [
    Route("/meetings/{meeting_id:id}/pack.pdf", pack_pdf, methods=["GET"], name="meeting_pack"),
    Route("/meetings/{meeting_id:id}/pack/versions", pack_versions, methods=["GET"], name="pack_versions"),
    Route("/agenda-items/{item_id:id}/note", get_note, methods=["GET"], name="agenda_item_note"),
    Route("/agenda-items/{item_id:id}/note", put_note, methods=["PUT"], name="agenda_item_note_put"),
]
