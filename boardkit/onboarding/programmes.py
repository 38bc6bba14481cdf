"""The administration's programmes: one per organisation and role, made of modules in order.

A video module cannot be published without a Danish caption track (the web accessibility act
asks recorded video to be captioned); a changed module gets a new revision, so members who did it
before are asked again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from boardkit.core import audit, uploads
from boardkit.core.errors import Conflict, NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.storage import FileStore
from boardkit.onboarding.models import MODULE_KINDS, ROLES, Caption, Declaration, Module, Programme, Video

CAPTION_LANGUAGE = "da"
DOCUMENT_TYPES = ("application/pdf",)
DOCUMENT_MAX_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True)
class ModuleInput:
    kind: str
    title: str
    body: str = ""
    due_days: int = 14
    url: str = ""
    video_id: int | None = None
    declaration_id: int | None = None
    tick_by: str = "member"


def programme(
    db: Session, *, organisation_id: int, role: str, title: str = "", actor_id: int | None = None
) -> Programme:
    """The organisation's programme for ``role``, made (with ``title``) when there is none yet."""
    if role not in ROLES:
        raise ValidationFailed(_("Ukendt rolle."), fields={"role": _("Ukendt rolle.")})
    found = db.scalar(
        select(Programme).where(Programme.organisation_id == organisation_id, Programme.role == role)
    )
    if found is not None:
        return found
    made = Programme(organisation_id=organisation_id, role=role, title=title.strip() or _("Kom godt i gang"))
    db.add(made)
    db.flush()
    audit.record(
        db, actor_id=actor_id, action="onboarding.programme", obj=made, organisation_id=organisation_id
    )
    return made


def _check(db: Session, organisation_id: int, data: ModuleInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.kind not in MODULE_KINDS:
        errors["kind"] = _("Vælg en slags trin.")
    if not data.title.strip() or len(data.title) > 200:
        errors["title"] = _("Skriv en titel på højst 200 tegn.")
    if not 0 <= data.due_days <= 365:
        errors["due_days"] = _("Fristen skal være mellem 0 og 365 dage.")
    if data.kind == "link" and not data.url.startswith(("https://", "http://")):
        errors["url"] = _("Skriv en adresse, der begynder med https://.")
    if data.kind == "video":
        video = db.get(Video, data.video_id) if data.video_id else None
        if video is None or video.organisation_id != organisation_id:
            errors["video_id"] = _("Vælg en video.")
    if data.kind == "declaration":
        declaration = db.get(Declaration, data.declaration_id) if data.declaration_id else None
        if declaration is None or declaration.organisation_id != organisation_id:
            errors["declaration_id"] = _("Vælg en erklæring.")
    if data.tick_by not in ("member", "chair"):
        errors["tick_by"] = _("Vælg hvem der markerer opgaven.")
    return errors


def add_module(db: Session, prog: Programme, data: ModuleInput, *, actor_id: int | None) -> Module:
    if errors := _check(db, prog.organisation_id, data):
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    last = db.scalar(select(func.max(Module.position)).where(Module.programme_id == prog.id))
    module = Module(
        programme_id=prog.id,
        position=(last or 0) + 1,
        kind=data.kind,
        title=data.title.strip(),
        body=data.body.strip(),
        due_days=data.due_days,
        url=data.url.strip(),
        video_id=data.video_id if data.kind == "video" else None,
        declaration_id=data.declaration_id if data.kind == "declaration" else None,
        tick_by=data.tick_by if data.kind == "task" else "member",
    )
    db.add(module)
    db.flush()
    audit.record(
        db, actor_id=actor_id, action="onboarding.module", obj=module, organisation_id=prog.organisation_id
    )
    return module


def attach_document(
    db: Session, module: Module, upload: uploads.UploadLike, *, store: FileStore, actor_id: int | None
) -> Module:
    """The PDF a ``document`` module hands out (judged by content); a new one is a new revision."""
    if module.kind != "document":
        raise Conflict(_("Kun et dokument-trin har et dokument."), code="not_a_document")
    content_type = uploads.check_document(upload, DOCUMENT_TYPES, DOCUMENT_MAX_BYTES)
    sha = store.put(upload.data)
    if module.document_sha256 not in (None, sha):
        module.revision += 1
    module.document_sha256, module.document_type = sha, content_type
    module.document_name = uploads.safe_filename(upload.filename, content_type)
    audit.record(
        db,
        actor_id=actor_id,
        action="onboarding.document",
        obj=module,
        organisation_id=module.programme.organisation_id,
    )
    return module


def has_danish_captions(db: Session, video_id: int) -> bool:
    return (
        db.scalar(
            select(Caption.id).where(Caption.video_id == video_id, Caption.language == CAPTION_LANGUAGE)
        )
        is not None
    )


def publish(db: Session, module: Module, *, actor_id: int | None) -> Module:
    """Make a module part of the programme for memberships that start from now on."""
    if module.kind == "video" and (module.video_id is None or not has_danish_captions(db, module.video_id)):
        raise Conflict(
            _("En video kan først offentliggøres, når den har danske undertekster (WebVTT)."),
            code="captions_required",
        )
    if module.kind == "document" and not module.document_sha256:
        raise Conflict(_("Vælg dokumentet først."), code="document_required")
    module.published = True
    audit.record(
        db,
        actor_id=actor_id,
        action="onboarding.publish",
        obj=module,
        organisation_id=module.programme.organisation_id,
    )
    return module


def get_module(db: Session, *, organisation_ids: frozenset[int], module_id: int) -> Module:
    module = db.get(Module, module_id)
    if module is None or module.programme.organisation_id not in organisation_ids:
        raise NotFound()
    return module
