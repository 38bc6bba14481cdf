"""Files on agenda items: judged by content, stored content-addressed, shown inline only when safe.

PDFs and images (JPEG, PNG, HEIC) are the documents boardkit shows; any other file is kept and
listed but only ever served as a download. A file whose name or declared type claims a document
type it is not (a ``.pdf`` that is not a PDF) is refused with 415; so is a PDF locked with a
password, and an image with more pixels than a pack can draw gets 413 (:func:`refuse_unusable`,
for agenda items and proposals alike).

A PDF is read in the browser as the cleaned copy the packs use (``pdfprep``: no JavaScript,
actions or embedded files); its original bytes are only ever a download (:func:`serve`).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from boardkit.core import audit, jobs, uploads
from boardkit.core.db import utcnow
from boardkit.core.i18n import _
from boardkit.core.models import PreparedFile
from boardkit.core.pdf import prep as pdfprep
from boardkit.core.storage import FileStore
from boardkit.core.uploads import claimed_type, refuse_unusable
from boardkit.core.web import Ctx, file_response
from boardkit.meetings import pack_queue
from boardkit.meetings.models import AgendaItem, Attachment

DOCUMENT_TYPES = frozenset({uploads.PDF, uploads.JPEG, uploads.PNG, uploads.HEIC})
# A job that makes a new document ready for packs as soon as it is uploaded, so a build finds it
# prepared (``packs.copies.prepared_file``; it does nothing for content prepared before).
PREPARE = "meetings.prepare_file"
OTHER = "application/octet-stream"
MAX_BYTES = 25 * uploads.MB


@dataclass(frozen=True)
class File:
    filename: str
    data: bytes


def check_attachment(filename: str, data: bytes, declared_type: str = "") -> str:
    """The content type to keep: a document type by content, or ``OTHER``; 413/415 as uploads say."""
    actual, claimed = uploads.sniff(data), claimed_type(filename, declared_type)
    file = File(filename, data)
    if claimed is not None:
        return uploads.check_upload(file, {claimed}, MAX_BYTES)  # it must be what it says
    if actual in DOCUMENT_TYPES or not data or len(data) > MAX_BYTES:
        return uploads.check_upload(file, DOCUMENT_TYPES, MAX_BYTES)
    return actual or OTHER


def pdf_pages(data: bytes) -> int | None:
    """The page count of a PDF; None when it is encrypted or too broken to count."""
    from pypdf import PdfReader  # only PDF uploads pay for the import

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                return None
            return len(reader.pages)
    except Exception:  # pypdf raises many kinds on broken files; the count is a nicety
        return None


def add_attachment(
    db: Session,
    item: AgendaItem,
    *,
    store: FileStore,
    actor_id: int,
    filename: str,
    data: bytes,
    declared_type: str = "",
) -> Attachment:
    """Check, store and attach a file to an agenda item.

    A file named like one the item already has is a new version of it: it takes the old one's
    place (same id, same place in the pack), so the pack shows "replaced" and only that file is
    prepared again.
    """
    content_type = check_attachment(filename, data, declared_type)
    refuse_unusable(filename, data, content_type)
    name = uploads.safe_filename(filename, content_type if content_type in DOCUMENT_TYPES else None)
    attachment = next((a for a in item.attachments if a.filename == name), None)
    action = "attachment.replace" if attachment is not None else "attachment.create"
    if attachment is None:
        attachment = Attachment(agenda_item_id=item.id, filename=name)
        db.add(attachment)
    elif attachment.sha256 == hashlib.sha256(data).hexdigest():
        return attachment  # the very same file again: nothing changes
    attachment.sha256 = store.put(data)
    attachment.content_type = content_type
    attachment.size = len(data)
    attachment.pages = pdf_pages(data) if content_type == uploads.PDF else None
    attachment.uploaded_by = actor_id
    attachment.created_at = utcnow()
    db.flush()
    db.refresh(item, ["attachments"])
    queue_prepare(db, attachment)
    pack_queue.changed(db, item.meeting)
    audit.record(
        db,
        actor_id=actor_id,
        action=action,
        obj=attachment,
        organisation_id=item.meeting.board.organisation_id,
        summary=f"{item.title}: {attachment.filename}",
    )
    return attachment


def queue_prepare(db: Session, attachment: Attachment) -> None:
    """Prepare a document for packs in the background now, not when the next pack is built."""
    if attachment.content_type in DOCUMENT_TYPES:
        jobs.enqueue(db, PREPARE, {"sha256": attachment.sha256, "content_type": attachment.content_type})


def delete_attachment(db: Session, attachment: Attachment, *, actor_id: int, organisation_id: int) -> None:
    """Take a file off its item (the stored bytes stay: storage is never overwritten)."""
    audit.record(
        db,
        actor_id=actor_id,
        action="attachment.delete",
        obj=attachment,
        organisation_id=organisation_id,
        summary=attachment.filename,
    )
    item = attachment.agenda_item
    db.delete(attachment)
    db.flush()
    if item is not None:
        pack_queue.changed(db, item.meeting)


def proposal_files(db: Session, *, proposal_ids: Sequence[int]) -> dict[int, list[Attachment]]:
    """The files of residents' proposals, by proposal id, oldest first."""
    result: dict[int, list[Attachment]] = {}
    if proposal_ids:
        q = select(Attachment).where(Attachment.proposal_id.in_(list(proposal_ids))).order_by(Attachment.id)
        for a in db.scalars(q):
            result.setdefault(a.proposal_id or 0, []).append(a)
    return result


def pack_problems(db: Session, files: Sequence[Attachment]) -> dict[int, str]:
    """Why a file shows as a placeholder page in packs, by attachment id (files prepared so far)."""
    shas = {a.sha256 for a in files if a.content_type in DOCUMENT_TYPES}
    if not shas:
        return {}
    rows = db.execute(
        select(PreparedFile.source_sha256, PreparedFile.problem).where(
            PreparedFile.source_sha256.in_(shas),
            PreparedFile.recipe == pdfprep.RECIPE,
            PreparedFile.prepared_sha256.is_(None),
        )
    )
    found = {sha: problem for sha, problem in rows}
    return {a.id: found[a.sha256] or _("Filen kan ikke læses.") for a in files if a.sha256 in found}


def is_inline(attachment: Attachment) -> bool:
    return attachment.content_type in DOCUMENT_TYPES


def is_image(attachment: Attachment) -> bool:
    """Images every browser shows (HEIC is linked, not embedded)."""
    return attachment.content_type in (uploads.JPEG, uploads.PNG)


def media_type(attachment: Attachment) -> str:
    return attachment.content_type if is_inline(attachment) else OTHER


def read_attachment(store: FileStore, attachment: Attachment) -> bytes:
    """The original bytes (downloads, the ZIP of originals)."""
    return store.get(attachment.sha256)


def attachment_response(ctx: Ctx, attachment: Attachment) -> Response:
    """The answer to a request for a file (``?download=1``: the original, as a download), for the
    pages and the API alike."""
    download = ctx.request.query_params.get("download") == "1"
    return serve(ctx.db, ctx.store, attachment, download=download)


def serve(db: Session, store: FileStore, attachment: Attachment, *, download: bool = False) -> Response:
    """A file as a reader gets it. A PDF shown in the browser is the cleaned copy packs use; one
    that cannot be cleaned is only offered as a download. Images and downloads are the original.
    Only documents are ever shown inline."""
    original = media_type(attachment)
    if not download and attachment.content_type == uploads.PDF:
        clean = clean_pdf(db, store, attachment)
        if clean is not None:
            etag = hashlib.sha256(clean).hexdigest()
            return file_response(clean, uploads.PDF, attachment.filename, inline=True, etag=etag)
        download, original = True, OTHER
    inline = is_inline(attachment) and not download
    data = read_attachment(store, attachment)
    return file_response(data, original, attachment.filename, inline=inline, etag=attachment.sha256)


def clean_pdf(db: Session, store: FileStore, attachment: Attachment) -> bytes | None:
    """The PDF as packs have it (prepared once per content by a job after upload); prepared here,
    without storing anything, when the job has not run yet. None when it cannot be used."""
    row = db.scalar(
        select(PreparedFile).where(
            PreparedFile.source_sha256 == attachment.sha256, PreparedFile.recipe == pdfprep.RECIPE
        )
    )
    if row is not None:
        return store.get(row.prepared_sha256) if row.prepared_sha256 else None
    return pdfprep.prepare(read_attachment(store, attachment), uploads.PDF).pdf
