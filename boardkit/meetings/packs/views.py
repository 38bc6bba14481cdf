"""The meeting pack on the web: the meeting page's "Mødemappe", downloads, versions, who has read it.

Reading an attachment, private notes and the offline app (manifest, service worker) are in
``reader_views``. Everything here is thin over ``packs.service``; a reader never waits for more
than rendering their own copy of the version already built.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.i18n import _
from boardkit.core.permissions import Action
from boardkit.core.web import Ctx, file_response, page, redirect, render
from boardkit.meetings import access, lookup
from boardkit.meetings.models import AgendaItem, Meeting
from boardkit.meetings.packs import reader_views
from boardkit.meetings.packs import service as packs_service
from boardkit.org import service as org_service


def pack_panel(ctx: Ctx, meeting: Meeting, items: list[AgendaItem]) -> dict[str, Any]:
    """What the meeting page shows about the pack, and this reader's notes on the items."""
    principal = ctx.principal
    variant = packs_service.variant_for(principal, meeting)
    manage = access.can_manage(principal, meeting)
    published = meeting.pack_published_at is not None and packs_service.has_pack_for(principal, meeting)
    version = packs_service.current_version(ctx.db, meeting, variant) if published else None
    can_note = principal.person_id is not None and variant != "public"
    notes = (
        packs_service.get_notes(ctx.db, person_id=principal.person_id, item_ids=[i.id for i in items])
        if can_note and principal.person_id is not None
        else {}
    )
    return {
        "pack": {
            "published": published,
            "version": version,
            "can_publish": manage and meeting.pack_published_at is None and meeting.status != "cancelled",
            "can_see_reads": manage and meeting.pack_published_at is not None,
            "has_files": any(i.attachments for i in items),
        },
        "notes": notes,
        "can_note": can_note,
    }


@page
def pack_pdf(ctx: Ctx) -> Response:
    """The reader's own copy of the current version (``?notes=1`` with their notes).

    ``?offline=1`` is the service worker keeping a copy: that is not the reader opening it.
    """
    meeting = lookup.meeting_for(ctx)
    query = ctx.request.query_params
    store = ctx.store
    download = packs_service.reader_pack(
        ctx.db,
        store=store,
        meeting=meeting,
        principal=ctx.principal,
        person=org_service.get_person(ctx.db, person_id=ctx.person_id),
        with_notes=query.get("notes") == "1",
        count_read=query.get("offline") != "1",
        later=ctx.bookkeep,
    )
    return file_response(
        store.get(download.sha256),
        "application/pdf",
        download.filename,
        inline=query.get("download") != "1",
        etag=download.sha256,
        headers={"X-Pack-Version": str(download.version)},
    )


@page
def attachments_zip(ctx: Ctx) -> Response:
    """The original files of every item this reader may see, for the archive."""
    meeting = lookup.meeting_for(ctx)
    data = packs_service.zip_originals(ctx.db, store=ctx.store, meeting=meeting, principal=ctx.principal)
    name = _("%(title)s - bilag.zip", title=meeting.title)
    return file_response(data, "application/zip", name)


@page
def pack_publish(ctx: Ctx) -> Response:
    """The chair's "Udgiv mødemappe": from now on every change of agenda or material makes a new version."""
    meeting = lookup.meeting_for(ctx, Action.MANAGE)
    if meeting.status == "cancelled":
        ctx.flash(_("Mødet er aflyst. Mødemappen kan ikke udgives."), "error")
    elif meeting.pack_published_at is not None:
        ctx.flash(_("Mødemappen er allerede udgivet."), "info")
    else:
        packs_service.publish_pack(ctx.db, meeting, actor_id=ctx.person_id)
        ctx.flash(_("Mødemappen er udgivet. Den bygges nu og er klar om lidt."))
    response = redirect(ctx, "meeting", meeting_id=meeting.id)
    response.headers["location"] += "#pack-heading"
    return response


@page
def pack_versions(ctx: Ctx) -> Response:
    """Every version of the pack this reader gets, newest first, with what changed."""
    meeting = lookup.meeting_for(ctx)
    versions = packs_service.versions_for(ctx.db, principal=ctx.principal, meeting=meeting)
    return render(ctx, "meetings/pack_versions.html", meeting=meeting, versions=versions, active_nav="home")


@page
def pack_reads(ctx: Ctx) -> Response:
    """Who has opened the current version (the chair and the administration)."""
    meeting = lookup.meeting_for(ctx, Action.MANAGE)
    version = packs_service.current_version(ctx.db, meeting, "full") if meeting.pack_published_at else None
    rows = packs_service.read_status(ctx.db, meeting) if version is not None else []
    opened = sum(1 for _person, at in rows if at is not None)
    return render(
        ctx,
        "meetings/pack_reads.html",
        meeting=meeting,
        version=version,
        rows=rows,
        opened=opened,
        active_nav="home",
    )


routes = [
    Route("/meetings/{meeting_id:id}/pack.pdf", pack_pdf, name="meeting_pack"),
    Route("/meetings/{meeting_id:id}/attachments.zip", attachments_zip, name="meeting_attachments_zip"),
    Route("/meetings/{meeting_id:id}/pack/publish", pack_publish, methods=["POST"], name="pack_publish"),
    Route("/meetings/{meeting_id:id}/pack/versions", pack_versions, name="pack_versions"),
    Route("/meetings/{meeting_id:id}/pack/reads", pack_reads, name="pack_reads"),
    *reader_views.routes,
]
