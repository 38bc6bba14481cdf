"""Reading on a tablet: one attachment at a time, private notes, and the offline app (PWA).

The service worker (``static/js/sw.js``, served from the root so its scope is the whole site)
keeps the app shell and, for each upcoming meeting in ``/offline/packs.json``, the meeting page and
the reader's pack. Notes are the reader's own: nobody else ever sees them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from boardkit.core.errors import ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, api, form_errors, page, render
from boardkit.meetings import access, attachments, lookup
from boardkit.meetings.models import AgendaItem, Attachment, Meeting
from boardkit.meetings.packs import service as packs_service
from boardkit.org import service as org_service

STATIC_DIR = Path(__file__).resolve().parents[3] / "static"
THEME_COLOUR = "#1a5ea7"  # DKFDS' link blue, as in the favicon


def _shown_as(attachment: Attachment) -> str:
    """How the reading page shows a file: a PDF in a frame, an image, or only a download link."""
    if attachment.content_type == "application/pdf":
        return "pdf"
    return "image" if attachments.is_image(attachment) else "other"


def _reading_order(meeting: Meeting, items: list[AgendaItem]) -> list[tuple[AgendaItem, Attachment]]:
    return [(item, a) for item in items for a in item.attachments]


@page
def attachment_view(ctx: Ctx) -> Response:
    """One attachment on its own page: the PDF or image, the way through the meeting's files, my note."""
    ctx.require_login()
    attachment = lookup.get_attachment(
        ctx.db, principal=ctx.principal, attachment_id=ctx.int_param("attachment_id")
    )
    assert attachment.agenda_item is not None
    meeting = lookup.load_agenda(ctx.db, attachment.agenda_item.meeting)
    items = access.visible_items(ctx.principal, meeting)
    order = _reading_order(meeting, items)
    at = next(n for n, (_item, a) in enumerate(order) if a.id == attachment.id)
    item = order[at][0]
    can_note = packs_service.variant_for(ctx.principal, meeting) != "public"
    notes = packs_service.get_notes(ctx.db, person_id=ctx.person_id, item_ids=[item.id]) if can_note else {}
    return render(
        ctx,
        "meetings/attachment_view.html",
        meeting=meeting,
        item=item,
        number=items.index(item) + 1,
        attachment=attachment,
        kind=_shown_as(attachment),
        previous=order[at - 1] if at > 0 else None,
        following=order[at + 1] if at + 1 < len(order) else None,
        position=at + 1,
        count=len(order),
        can_note=can_note,
        note=notes.get(item.id),
        back=ctx.url("attachment_view", attachment_id=attachment.id),
        active_nav="home",
    )


def _safe_next(ctx: Ctx, default: str) -> str:
    """Only a path on this site (never ``//elsewhere`` or a scheme) is a place to go back to."""
    target = ctx.value("next")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target and len(target) < 500:
        return target
    return default


def _note_item(ctx: Ctx) -> tuple[AgendaItem, Meeting]:
    ctx.require_login()
    item = packs_service.note_item(ctx.db, principal=ctx.principal, item_id=ctx.int_param("item_id"))
    return item, item.meeting


@page
def note(ctx: Ctx) -> Response:
    """My private note on an agenda item: shown to nobody else, kept across pack versions."""
    item, meeting = _note_item(ctx)
    default = ctx.url("meeting", meeting_id=meeting.id) + f"#item-{item.id}"
    back = _safe_next(ctx, default) if ctx.request.method == "POST" else default
    context: dict[str, Any] = {"meeting": meeting, "item": item, "back": back, "active_nav": "home"}
    if ctx.request.method == "GET":
        found = packs_service.get_notes(ctx.db, person_id=ctx.person_id, item_ids=[item.id]).get(item.id)
        return render(ctx, "meetings/note.html", note=found, **context)
    text = ctx.form.get("text", [""])[0]
    try:
        saved = packs_service.save_note(ctx.db, person_id=ctx.person_id, item=item, text=text)
    except ValidationFailed as exc:
        return form_errors(ctx, "meetings/note.html", {"text": exc.message}, note=None, **context)
    ctx.flash(_("Noten er gemt.") if saved is not None else _("Noten er slettet."))
    return Response(status_code=303, headers={"location": back})


# --- the offline app ------------------------------------------------------------------------


@api
def offline_packs(ctx: Ctx) -> Response:
    """The reader's upcoming meetings whose packs the service worker keeps (and all it needs to know)."""
    person = org_service.get_person(ctx.db, person_id=ctx.person_id)
    rows = packs_service.offline_packs(ctx.db, principal=ctx.principal, person=person)
    items = []
    for row in rows:
        meeting_id = int(row["meeting_id"])
        items.append(
            {
                "meeting_id": meeting_id,
                "title": row["title"],
                "starts_at": row["starts_at"].astimezone(TZ).isoformat(),
                "ends_at": row["ends_at"].astimezone(TZ).isoformat(),
                "version": int(row["version"]),
                "meeting_url": ctx.url("meeting", meeting_id=meeting_id),
                "pack_url": ctx.url("meeting_pack", meeting_id=meeting_id),
            }
        )
    return JSONResponse(
        {
            "person_id": person.id,
            "items": items,
            "labels": {
                "title": _("Du er offline"),
                "text": _("Siden er ikke gemt til offline brug. Disse møder kan du læse uden net:"),
                "none": _("Der er ingen møder gemt til offline brug."),
                "home": _("Til forsiden"),
            },
            "language": ctx.identity.language if ctx.identity else "da",
        },
        headers={"Cache-Control": "no-store"},
    )


async def manifest(request: Request) -> Response:
    """The web app manifest: boardkit installs on a tablet's home screen and opens on its own."""
    data = {
        "name": "boardkit",
        "short_name": "boardkit",
        "description": "Bestyrelsesmøder og mødemapper",
        "lang": "da",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "icons": [
            {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
            {
                "src": "/static/icons/icon-512.png",
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return JSONResponse(
        data, media_type="application/manifest+json", headers={"Cache-Control": "public, max-age=3600"}
    )


async def service_worker(request: Request) -> Response:
    """``/sw.js`` from the root, so the worker's scope is the whole site; always revalidated."""
    return FileResponse(
        STATIC_DIR / "js" / "sw.js",
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


routes = [
    Route("/attachments/{attachment_id:id}/view", attachment_view, name="attachment_view"),
    Route("/agenda-items/{item_id:id}/note", note, methods=["GET", "POST"], name="agenda_item_note"),
    Route("/offline/packs.json", offline_packs, name="offline_packs"),
    Route("/manifest.webmanifest", manifest, name="manifest"),
    Route("/sw.js", service_worker, name="service_worker"),
]
