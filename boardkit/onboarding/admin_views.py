"""The administration's onboarding page: programmes per role and their modules (added, given a
document, published), videos (uploaded, checked and measured before the write transaction) with
their caption tracks, and declarations with their versions."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import AppError, NotFound
from boardkit.core.i18n import _, lazy_gettext
from boardkit.core.web import Ctx, Upload, form_errors, page, prepare, redirect, render
from boardkit.onboarding import declarations, programmes, videos
from boardkit.onboarding.models import ROLES, Declaration, Module, Programme, Video
from boardkit.org import service as org_service

TEMPLATE = "onboarding/admin.html"


class _Owned(Protocol):
    organisation_id: int


M = TypeVar("M", bound=_Owned)
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


def _refuse(ctx: Ctx, organisation_id: int, errors: dict[str, str], status_code: int = 422) -> Response:
    """The page again with a message on each form field named in ``errors``; nothing is saved."""
    return form_errors(ctx, TEMPLATE, errors, status_code=status_code, **_context(ctx, organisation_id))


def _again(
    ctx: Ctx, organisation_id: int, exc: AppError, field: str, names: dict[str, str] | None = None
) -> Response:
    """The page again with the service's messages on the form's fields (``names`` maps the
    service's field names to the form's; a message without a field goes on ``field``)."""
    names = names or {}
    errors = {names.get(k, k): str(v) for k, v in exc.fields.items()} or {field: exc.message}
    return _refuse(ctx, organisation_id, errors, exc.status)


def _upload(ctx: Ctx) -> Upload | None:
    return next(iter(ctx.files.get("file", [])), None)


def _owned(ctx: Ctx, model: type[M], field: str, organisation_id: int) -> M | None:
    """The organisation's row whose id the form's ``field`` names (None for anything else)."""
    number = _number(ctx.value(field))
    found = ctx.db.get(model, number) if number else None
    return found if found is not None and found.organisation_id == organisation_id else None


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
    found = _owned(ctx, Programme, "programme_id", organisation_id)
    if found is None:
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
    due_days = _number(ctx.value("due_days")) if ctx.value("due_days") else 14
    if due_days is None:
        return _refuse(ctx, organisation_id, {"due_days": _("Skriv et antal dage.")})
    data = programmes.ModuleInput(
        kind=ctx.value("kind"),
        title=ctx.value("module_title"),
        body=ctx.value("body"),
        due_days=due_days,
        url=ctx.value("url"),
        video_id=_number(ctx.value("module_video_id")),
        declaration_id=_number(ctx.value("module_declaration_id")),
        tick_by=ctx.value("tick_by") or "member",
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
    upload = _upload(ctx)
    if upload is None:
        return _refuse(ctx, organisation_id, {"document": _("Vælg en PDF-fil.")})
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
    upload = _upload(ctx)
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
        return _refuse(ctx, organisation_id, {"video": _("Vælg en videofil (MP4 eller WebM).")})
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
    video = _owned(ctx, Video, "video_id", organisation_id)
    if video is None:
        return _refuse(ctx, organisation_id, {"video_id": _("Vælg en video.")})
    upload = _upload(ctx)
    if upload is None:
        return _refuse(ctx, organisation_id, {"captions": _("Vælg en WebVTT-fil.")})
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
    declaration = _owned(ctx, Declaration, "declaration_id", organisation_id)
    if declaration is None:
        return _refuse(ctx, organisation_id, {"declaration_id": _("Vælg en erklæring.")})
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
