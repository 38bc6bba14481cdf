"""The administration's onboarding page: programmes per role and their modules (added, given a
document, published), videos (uploaded, checked and measured before the write transaction) with
their caption tracks, and declarations with their versions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import AppError, NotFound
from boardkit.core.i18n import _, lazy_gettext
from boardkit.core.web import Ctx, form_errors, page, prepare, redirect, render
from boardkit.onboarding import declarations, programmes, videos
from boardkit.onboarding.models import ROLES, Declaration, Module, Programme, Video
from boardkit.org import service as org_service

TEMPLATE = "onboarding/admin.html"
ROLE_NAMES = {
    "member": lazy_gettext("Medlem"),
    "chair": lazy_gettext("Formand"),
    "treasurer": lazy_gettext("Kasserer"),
    "substitute": lazy_gettext("Suppleant"),
    "organisation_board": lazy_gettext("Organisationsbestyrelsen"),
}


def _organisation(ctx: Ctx) -> int:
    ctx.require_login()
    organisation_id = org_service.staff_organisation(ctx.principal)
    if organisation_id is None:
        raise NotFound()
    return organisation_id


def _context(ctx: Ctx, organisation_id: int) -> dict[str, Any]:
    db = ctx.db
    progs = list(
        db.scalars(
            select(Programme).where(Programme.organisation_id == organisation_id).order_by(Programme.id)
        )
    )
    found = list(db.scalars(select(Video).where(Video.organisation_id == organisation_id).order_by(Video.id)))
    texts = [
        (d, declarations.current_version(db, d.id))
        for d in db.scalars(
            select(Declaration).where(Declaration.organisation_id == organisation_id).order_by(Declaration.id)
        )
    ]
    return {
        "programmes": progs,
        "videos": found,
        "declarations": texts,
        "programme_options": [(p.id, f"{p.title} · {ROLE_NAMES.get(p.role, p.role)}") for p in progs],
        "document_options": [
            (m.id, f"{m.title} · {ROLE_NAMES.get(p.role, p.role)}")
            for p in progs
            for m in p.modules
            if m.kind == "document"
        ],
        "video_options": [("", "–")] + [(v.id, v.filename) for v in found],
        "declaration_options": [("", "–")] + [(d.id, d.title) for d, _v in texts],
        "roles": ROLES,
        "role_names": ROLE_NAMES,
        "active_nav": "org:index",
    }


def _again(
    ctx: Ctx, organisation_id: int, exc: AppError, field: str, names: dict[str, str] | None = None
) -> Response:
    """The page again with the service's messages on the form's fields (``names`` maps the
    service's field names to the form's)."""
    names = names or {}
    errors = {names.get(k, k): str(v) for k, v in exc.fields.items() if len(str(v)) > 12} or {
        field: exc.message
    }
    return form_errors(ctx, TEMPLATE, errors, status_code=exc.status, **_context(ctx, organisation_id))


@page
def admin_page(ctx: Ctx) -> Response:
    return render(ctx, TEMPLATE, **_context(ctx, _organisation(ctx)))


@page
def add_programme(ctx: Ctx) -> Response:
    organisation_id = _organisation(ctx)
    try:
        programmes.programme(
            ctx.db,
            organisation_id=organisation_id,
            role=ctx.value("role"),
            title=ctx.value("title"),
            actor_id=ctx.person_id,
        )
    except AppError as exc:
        return _again(ctx, organisation_id, exc, "role")
    ctx.flash(_("Programmet er oprettet."))
    return redirect(ctx, "onboarding_admin")


def _programme(ctx: Ctx, organisation_id: int) -> Programme:
    number = _number(ctx.value("programme_id"))
    found = ctx.db.get(Programme, number) if number else None
    if found is None or found.organisation_id != organisation_id:
        raise NotFound()
    return found


def _module(ctx: Ctx, organisation_id: int, module_id: int | None = None) -> Module:
    module_id = module_id or _number(ctx.value("module_id"))
    if module_id is None:
        raise NotFound()
    return programmes.get_module(ctx.db, organisation_ids=frozenset({organisation_id}), module_id=module_id)


def _number(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@page
def add_module(ctx: Ctx) -> Response:
    organisation_id = _organisation(ctx)
    prog = _programme(ctx, organisation_id)
    data = programmes.ModuleInput(
        kind=ctx.value("kind"),
        title=ctx.value("module_title"),
        body=ctx.value("body"),
        due_days=_number(ctx.value("due_days")) if ctx.value("due_days") else 14,  # type: ignore[arg-type]
        url=ctx.value("url"),
        video_id=_number(ctx.value("module_video_id")),
        declaration_id=_number(ctx.value("module_declaration_id")),
        tick_by=ctx.value("tick_by") or "member",
    )
    if data.due_days is None:
        return form_errors(
            ctx, TEMPLATE, {"due_days": _("Skriv et antal dage.")}, **_context(ctx, organisation_id)
        )
    try:
        programmes.add_module(ctx.db, prog, data, actor_id=ctx.person_id)
    except AppError as exc:
        names = {
            "title": "module_title",
            "video_id": "module_video_id",
            "declaration_id": "module_declaration_id",
        }
        return _again(ctx, organisation_id, exc, "module_title", names)
    ctx.flash(_("Trinnet er tilføjet. Offentliggør det, når det er klar."))
    return redirect(ctx, "onboarding_admin")


@page
def publish_module(ctx: Ctx) -> Response:
    organisation_id = _organisation(ctx)
    try:
        module = _module(ctx, organisation_id, ctx.int_param("module_id"))
        programmes.publish(ctx.db, module, actor_id=ctx.person_id)
    except AppError as exc:
        return _again(ctx, organisation_id, exc, "publish")
    ctx.flash(_("Trinnet er offentliggjort: nye medlemmer får det fra nu af."))
    return redirect(ctx, "onboarding_admin")


@page
def module_document(ctx: Ctx) -> Response:
    organisation_id = _organisation(ctx)
    upload = next(iter(ctx.files.get("file", [])), None)
    if upload is None:
        return form_errors(
            ctx, TEMPLATE, {"document": _("Vælg en PDF-fil.")}, **_context(ctx, organisation_id)
        )
    try:
        programmes.attach_document(
            ctx.db, _module(ctx, organisation_id), upload, store=ctx.store, actor_id=ctx.person_id
        )
    except AppError as exc:
        return _again(ctx, organisation_id, exc, "document")
    ctx.flash(_("Dokumentet er gemt."))
    return redirect(ctx, "onboarding_admin")


def _inspect(ctx: Ctx) -> object:
    """Before the write transaction: the video checked, measured, given a poster and stored (slow)."""
    upload = next(iter(ctx.files.get("file", [])), None)
    if ctx.identity is None or upload is None or org_service.staff_organisation(ctx.principal) is None:
        return None
    try:
        return videos.inspect(upload, store=ctx.store, max_bytes=ctx.settings.max_video_bytes)
    except AppError as exc:
        return exc
    finally:
        if upload.path is not None:
            upload.path.unlink(missing_ok=True)


@page
@prepare(_inspect)
def add_video(ctx: Ctx) -> Response:
    organisation_id = _organisation(ctx)
    found = ctx.prepared
    if found is None:
        return form_errors(
            ctx,
            TEMPLATE,
            {"video": _("Vælg en videofil (MP4 eller WebM).")},
            **_context(ctx, organisation_id),
        )
    if isinstance(found, AppError):
        return _again(ctx, organisation_id, found, "video")
    video = videos.add_video(ctx.db, organisation_id=organisation_id, actor_id=ctx.person_id, inspected=found)
    ctx.flash(
        _(
            "Videoen er gemt (%(seconds)s sekunder). Tilføj danske undertekster, før den bruges.",
            seconds=round(video.duration),
        )
    )
    return redirect(ctx, "onboarding_admin")


@page
def add_captions(ctx: Ctx) -> Response:
    organisation_id = _organisation(ctx)
    number = _number(ctx.value("video_id"))
    video = ctx.db.get(Video, number) if number else None
    if video is None or video.organisation_id != organisation_id:
        return form_errors(ctx, TEMPLATE, {"video_id": _("Vælg en video.")}, **_context(ctx, organisation_id))
    upload = next(iter(ctx.files.get("file", [])), None)
    if upload is None:
        return form_errors(
            ctx, TEMPLATE, {"captions": _("Vælg en WebVTT-fil.")}, **_context(ctx, organisation_id)
        )
    try:
        videos.add_caption(
            ctx.db,
            video,
            language=ctx.value("language") or "da",
            data=upload.data,
            store=ctx.store,
            actor_id=ctx.person_id,
        )
    except AppError as exc:
        return _again(ctx, organisation_id, exc, "captions")
    ctx.flash(_("Underteksterne er gemt."))
    return redirect(ctx, "onboarding_admin")


@page
def add_declaration(ctx: Ctx) -> Response:
    organisation_id = _organisation(ctx)
    try:
        declarations.create(
            ctx.db,
            organisation_id=organisation_id,
            actor_id=ctx.person_id,
            title=ctx.value("declaration_title"),
            text=ctx.value("text"),
            gates=ctx.value("gates") == "1",
        )
    except AppError as exc:
        return _again(ctx, organisation_id, exc, "declaration_title", {"title": "declaration_title"})
    ctx.flash(_("Erklæringen er oprettet."))
    return redirect(ctx, "onboarding_admin")


@page
def declaration_version(ctx: Ctx) -> Response:
    organisation_id = _organisation(ctx)
    number = _number(ctx.value("declaration_id"))
    declaration = ctx.db.get(Declaration, number) if number else None
    if declaration is None or declaration.organisation_id != organisation_id:
        return form_errors(
            ctx, TEMPLATE, {"declaration_id": _("Vælg en erklæring.")}, **_context(ctx, organisation_id)
        )
    try:
        declarations.new_version(ctx.db, declaration, actor_id=ctx.person_id, text=ctx.value("version_text"))
    except AppError as exc:
        return _again(ctx, organisation_id, exc, "version_text", {"text": "version_text"})
    declaration.gates_closed_items = ctx.value("gates") == "1"
    ctx.flash(_("Erklæringen er gemt. Ændret tekst skal underskrives igen."))
    return redirect(ctx, "onboarding_admin")


routes = [
    Route("/admin/onboarding", admin_page, name="onboarding_admin"),
    Route("/admin/onboarding/programmes", add_programme, methods=["POST"], name="onboarding_add_programme"),
    Route("/admin/onboarding/modules", add_module, methods=["POST"], name="onboarding_add_module"),
    Route(
        "/admin/onboarding/modules/{module_id:int}/publish",
        publish_module,
        methods=["POST"],
        name="onboarding_publish",
    ),
    Route(
        "/admin/onboarding/documents", module_document, methods=["POST"], name="onboarding_module_document"
    ),
    Route("/admin/onboarding/videos", add_video, methods=["POST"], name="onboarding_add_video"),
    Route("/admin/onboarding/captions", add_captions, methods=["POST"], name="onboarding_add_captions"),
    Route(
        "/admin/onboarding/declarations", add_declaration, methods=["POST"], name="onboarding_add_declaration"
    ),
    Route(
        "/admin/onboarding/declaration-versions",
        declaration_version,
        methods=["POST"],
        name="onboarding_declaration_version",
    ),
]
