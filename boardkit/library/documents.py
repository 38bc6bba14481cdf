"""The board's documents: adding one with its first file, new versions (older ones kept and
downloadable), archiving instead of deleting, reading them by kind; every change audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from boardkit.core import audit
from boardkit.core.db import utcnow
from boardkit.core.errors import NotFound, ValidationFailed
from boardkit.core.i18n import _, lazy_gettext
from boardkit.core.permissions import Principal
from boardkit.core.storage import FileStore
from boardkit.core.uploads import UploadLike
from boardkit.library import access, files, search_docs
from boardkit.library.models import DOCUMENT_KINDS, DocumentVersion, LibraryDocument
from boardkit.org import service as org_service

KIND_NAMES = {
    "statutes": lazy_gettext("Vedtægter"),
    "rules_of_procedure": lazy_gettext("Forretningsorden"),
    "house_rules": lazy_gettext("Husorden"),
    "maintenance_rules": lazy_gettext("Vedligeholdelsesreglement"),
    "raaderet_catalogue": lazy_gettext("Råderetskatalog"),
    "maintenance_plan": lazy_gettext("Drifts- og vedligeholdelsesplan"),
    "inspection_report": lazy_gettext("Seneste syn og gennemgang"),
    "contract": lazy_gettext("Kontrakt"),
    "other": lazy_gettext("Andet"),
}


def kind_name(kind: str) -> str:
    return str(KIND_NAMES.get(kind, kind))


@dataclass(frozen=True)
class DocumentInput:
    kind: str
    title: str
    description: str = ""
    supplier: str = ""
    subject: str = ""
    term_start: date | None = None
    term_end: date | None = None
    notice_period: str = ""
    admin_contact_id: int | None = None


def _staff_of(db: Session, board: org_service.Board, person_id: int) -> bool:
    S = org_service.StaffRole
    scope: ColumnElement[bool] = S.department_id.is_(None)
    if board.department_id is not None:
        scope = scope | (S.department_id == board.department_id)
    found = db.scalar(
        select(S.id)
        .where(S.person_id == person_id, S.organisation_id == board.organisation_id, scope)
        .limit(1)
    )
    return found is not None


def _checked(db: Session, board: org_service.Board, data: DocumentInput) -> DocumentInput:
    errors: dict[str, str] = {}
    if data.kind not in DOCUMENT_KINDS:
        errors["kind"] = _("Vælg hvilken slags dokument det er.")
    if not data.title.strip() or len(data.title.strip()) > 200:
        errors["title"] = _("Skriv en titel på højst 200 tegn.")
    if len(data.description) > 5000:
        errors["description"] = _("Beskrivelsen må højst være 5.000 tegn.")
    if data.kind == "contract":
        if not data.supplier.strip() or len(data.supplier) > 200:
            errors["supplier"] = _("Skriv leverandøren (højst 200 tegn).")
        if not data.subject.strip() or len(data.subject) > 300:
            errors["subject"] = _("Skriv hvad kontrakten handler om (højst 300 tegn).")
        if data.term_start and data.term_end and data.term_end < data.term_start:
            errors["term_end"] = _("Kontrakten kan ikke slutte, før den begynder.")
        if len(data.notice_period) > 100:
            errors["notice_period"] = _("Skriv opsigelsesvarslet kort, fx “3 måneder” (højst 100 tegn).")
        if data.admin_contact_id is not None and not _staff_of(db, board, data.admin_contact_id):
            errors["admin_contact_id"] = _("Kontaktpersonen skal være en medarbejder i administrationen.")
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    if data.kind != "contract":
        return DocumentInput(kind=data.kind, title=data.title.strip(), description=data.description.strip())
    return DocumentInput(
        kind=data.kind,
        title=data.title.strip(),
        description=data.description.strip(),
        supplier=data.supplier.strip(),
        subject=data.subject.strip(),
        term_start=data.term_start,
        term_end=data.term_end,
        notice_period=data.notice_period.strip(),
        admin_contact_id=data.admin_contact_id,
    )


def _store(
    db: Session,
    document: LibraryDocument,
    checked: files.Checked,
    *,
    actor_id: int | None,
    store: FileStore,
    note: str,
) -> DocumentVersion:
    number = (max((v.number for v in document.versions), default=0)) + 1
    version = DocumentVersion(
        document_id=document.id,
        number=number,
        sha256=store.put(checked.data),
        filename=checked.filename,
        content_type=checked.content_type,
        size=len(checked.data),
        note=note.strip()[:500],
        uploaded_by=actor_id,
        uploaded_at=utcnow(),
    )
    db.add(version)
    document.versions.insert(0, version)
    document.updated_at = version.uploaded_at
    db.flush()
    return version


def _require_file(upload: UploadLike | None) -> files.Checked:
    if upload is None or not (upload.data or upload.filename):
        raise ValidationFailed(
            _("Vælg filen, der skal gemmes."), code="validation_failed", fields={"file": _("Vælg en fil.")}
        )
    return files.check_file(upload)


def create_document(
    db: Session,
    *,
    principal: Principal,
    board_id: int,
    data: DocumentInput,
    upload: UploadLike | None,
    store: FileStore,
) -> LibraryDocument:
    """A new document of the board with its first version (chair, vice chair, administration)."""
    board = access.keeping_board(db, principal, board_id)
    data = _checked(db, board, data)
    checked = _require_file(upload)
    document = LibraryDocument(
        organisation_id=board.organisation_id,
        board_id=board.id,
        kind=data.kind,
        title=data.title,
        description=data.description,
        supplier=data.supplier,
        subject=data.subject,
        term_start=data.term_start,
        term_end=data.term_end,
        notice_period=data.notice_period,
        admin_contact_id=data.admin_contact_id,
        created_by=principal.person_id,
    )
    db.add(document)
    db.flush()
    version = _store(db, document, checked, actor_id=principal.person_id, store=store, note="")
    audit.record(
        db,
        actor_id=principal.person_id,
        action="library.document_create",
        obj=document,
        organisation_id=board.organisation_id,
        summary=document.title,
        diff={
            "kind": [None, document.kind],
            "version": [None, version.number],
            "sha256": [None, version.sha256],
        },
    )
    search_docs.changed(db, document.id)
    return document


def add_version(
    db: Session,
    *,
    principal: Principal,
    document_id: int,
    upload: UploadLike | None,
    store: FileStore,
    note: str = "",
) -> DocumentVersion:
    """A new file for the document: the newest is what the list shows; the older ones stay."""
    document = access.kept_document(db, principal, document_id)
    checked = _require_file(upload)
    version = _store(db, document, checked, actor_id=principal.person_id, store=store, note=note)
    if document.archived_at is not None:  # a new version brings it back from the archive
        document.archived_at = None
    audit.record(
        db,
        actor_id=principal.person_id,
        action="library.version_add",
        obj=document,
        organisation_id=document.organisation_id,
        summary=document.title,
        diff={"version": [version.number - 1, version.number], "sha256": [None, version.sha256]},
    )
    search_docs.changed(db, document.id)
    return version


def archive_document(db: Session, *, principal: Principal, document_id: int) -> LibraryDocument:
    """Out of the list, never deleted (its versions stay downloadable). Archiving twice is harmless."""
    document = access.kept_document(db, principal, document_id)
    if document.archived_at is None:
        document.archived_at = utcnow()
        audit.record(
            db,
            actor_id=principal.person_id,
            action="library.document_archive",
            obj=document,
            organisation_id=document.organisation_id,
            summary=document.title,
        )
        search_docs.changed(db, document.id)
    return document


def list_documents(
    db: Session, *, principal: Principal, board_id: int, archived: bool = False
) -> list[LibraryDocument]:
    """The board's documents (or its archive), by kind in the catalogue's order, then title."""
    board = access.readable_board(db, principal, board_id)
    query = (
        select(LibraryDocument)
        .options(selectinload(LibraryDocument.versions))
        .where(LibraryDocument.board_id == board.id)
        .where(
            LibraryDocument.archived_at.is_not(None) if archived else LibraryDocument.archived_at.is_(None)
        )
    )
    order = {k: i for i, k in enumerate(DOCUMENT_KINDS)}
    return sorted(db.scalars(query), key=lambda d: (order.get(d.kind, 99), d.title.lower(), d.id))


def get_document(db: Session, *, principal: Principal, document_id: int) -> LibraryDocument:
    return access.readable_document(db, principal, document_id)


def get_version(db: Session, *, principal: Principal, version_id: int) -> DocumentVersion:
    version = db.get(DocumentVersion, version_id)
    if version is None:
        raise NotFound()
    access.readable_document(db, principal, version.document_id)
    return version


def contact_name(db: Session, document: LibraryDocument) -> str:
    person = db.get(org_service.Person, document.admin_contact_id) if document.admin_contact_id else None
    return person.name if person else ""


def contact_choices(db: Session, board: org_service.Board) -> list[tuple[int, str]]:
    """The administration's people who may be a contract's contact."""
    S, P = org_service.StaffRole, org_service.Person
    scope: ColumnElement[bool] = S.department_id.is_(None)
    if board.department_id is not None:
        scope = scope | (S.department_id == board.department_id)
    rows = db.execute(
        select(P.id, P.name)
        .join(S, S.person_id == P.id)
        .where(S.organisation_id == board.organisation_id, scope)
        .order_by(P.name, P.id)
        .distinct()
    )
    return [(i, n) for i, n in rows]
