"""Drawings, quotes and photos on a case: judged by content like every upload (no locked PDF, no
huge image), stored by content; shown to those who may see the case (images in the page, other
files as downloads)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from boardkit.core import audit, uploads
from boardkit.core.errors import Conflict, NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.core.storage import FileStore
from boardkit.core.web import file_response
from boardkit.permits import lookup
from boardkit.permits.models import WAITING, Permit, PermitFile

ALLOWED = frozenset({uploads.PDF, uploads.JPEG, uploads.PNG, uploads.HEIC})
MAX_FILE_BYTES = 20 * uploads.MB
MAX_FILES = 10  # on one case
SHOWN_INLINE = frozenset({uploads.JPEG, uploads.PNG})


def check_files(
    files: Sequence[uploads.UploadLike], *, existing: int = 0
) -> list[tuple[uploads.UploadLike, str]]:
    """Every file judged before anything is saved (413/415; 422 for too many)."""
    if existing + len(files) > MAX_FILES:
        raise ValidationFailed(
            _("Højst %(n)s filer på en sag.", n=MAX_FILES), fields={"file": _("For mange filer.")}
        )
    return [(f, uploads.check_document(f, ALLOWED, MAX_FILE_BYTES)) for f in files if f.data or f.filename]


def store_files(
    db: Session,
    permit: Permit,
    checked: Sequence[tuple[uploads.UploadLike, str]],
    *,
    store: FileStore,
    actor_id: int | None,
) -> list[PermitFile]:
    added = [
        PermitFile(
            permit_id=permit.id,
            sha256=store.put(upload.data),
            filename=uploads.safe_filename(upload.filename, content_type),
            content_type=content_type,
            size=len(upload.data),
            uploaded_by=actor_id,
        )
        for upload, content_type in checked
    ]
    db.add_all(added)
    db.flush()
    return added


def attach(
    db: Session,
    *,
    principal: Principal,
    permit_id: int,
    files: Sequence[uploads.UploadLike],
    store: FileStore,
) -> list[PermitFile]:
    """More files on a case: its tenants while it waits, the administration any time."""
    permit = lookup.get_permit(db, principal=principal, permit_id=permit_id, lock=True)
    staff = lookup.is_staff_for(principal, permit)
    if not staff and not lookup.is_tenant_of(db, principal, permit):
        raise NotFound()
    if not staff and permit.status not in WAITING:
        raise Conflict(
            _("Sagen er afgjort. Skriv til administrationen, hvis du vil sende mere."), code="permit_decided"
        )
    if not files:
        raise ValidationFailed(_("Vælg en fil."), fields={"file": _("Vælg en fil.")})
    existing = (
        db.scalar(select(func.count()).select_from(PermitFile).where(PermitFile.permit_id == permit.id)) or 0
    )
    added = store_files(
        db, permit, check_files(files, existing=existing), store=store, actor_id=principal.person_id
    )
    audit.record(
        db,
        actor_id=principal.person_id,
        action="permit.attach",
        obj=permit,
        organisation_id=permit.organisation_id,
    )
    return added


def files_of(db: Session, permit: Permit) -> list[PermitFile]:
    return list(
        db.scalars(select(PermitFile).where(PermitFile.permit_id == permit.id).order_by(PermitFile.id))
    )


def file_answer(
    db: Session, *, principal: Principal, permit_id: int, file_id: int, store: FileStore
) -> Response:
    """A case's file for those who may see the case: images shown, anything else a download."""
    permit = lookup.get_permit(db, principal=principal, permit_id=permit_id)
    found = db.get(PermitFile, file_id)
    if found is None or found.permit_id != permit.id:
        raise NotFound()
    inline = found.content_type in SHOWN_INLINE
    media = found.content_type if inline else "application/octet-stream"
    return file_response(store.get(found.sha256), media, found.filename, inline=inline, etag=found.sha256)
