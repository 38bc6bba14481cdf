"""Receipt files on a claim: an upload becomes a receipt line to fill in; its files are read back.

``receipt_files.process_receipt`` checks the file and makes the clean copy, the preview and the
perceptual hash; all three and the original (byte for byte, for the bookkeeping record) are
stored content-addressed, so a file uploaded twice is stored once and the duplicate check can
compare hashes.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from boardkit.core import uploads
from boardkit.core.errors import AppError, NotFound, TooLarge, UnsupportedType
from boardkit.core.permissions import Principal
from boardkit.core.storage import FileStore
from boardkit.expenses import claims, lines, rules
from boardkit.expenses.models import ExpenseClaim, ExpenseLine
from boardkit.expenses.receipt_files import ProcessedReceipt, process_receipt


def process_upload(
    db: Session, *, principal: Principal, claim_id: int, upload: uploads.UploadLike
) -> ProcessedReceipt | TooLarge | UnsupportedType:
    """The slow part of adding a receipt (~0.5 s for a phone photo), done by a view before its
    write transaction (``core.web.prepare``) so no other writer waits for it: the file checked
    and processed for the claimant's draft (404/409 first, as for the upload itself); a file
    that cannot be used gives its 413/415 error back, for :func:`add_receipt_file` to raise."""
    claims.editable_claim(db, principal=principal, claim_id=claim_id)
    try:
        return process_receipt(upload.data, upload.filename, "")
    except (TooLarge, UnsupportedType) as exc:
        return exc


def add_receipt_file(
    db: Session,
    *,
    principal: Principal,
    claim_id: int,
    upload: uploads.UploadLike,
    store: FileStore,
    processed: ProcessedReceipt | AppError | None = None,
) -> ExpenseLine:
    """The claimant adds a photo or PDF of a receipt to their draft; date and amount come later.

    ``processed``: what :func:`process_upload` made of ``upload`` beforehand (else it is done now)."""
    claim = claims.editable_claim(db, principal=principal, claim_id=claim_id)
    if isinstance(processed, AppError):
        raise processed
    # 413/415 before anything is saved
    done = processed if processed is not None else process_receipt(upload.data, upload.filename, "")
    line = lines.add_receipt_line(
        db, principal=principal, claim=claim, data=rules.ReceiptInput(), complete=False
    )
    line.filename = uploads.safe_filename(upload.filename, done.content_type)
    line.content_type = done.content_type
    line.original_sha256 = store.put(done.original)
    line.clean_sha256 = store.put(done.clean)
    line.clean_type = done.clean_type
    line.preview_sha256 = store.put(done.preview)
    line.phash = done.phash
    db.flush()
    return line


def receipt_file(
    db: Session, *, principal: Principal, claim_id: int, line_id: int, variant: str, store: FileStore
) -> tuple[bytes, str, str]:
    """(bytes, content type, file name) of a receipt's clean copy, preview or original; 404 if none."""
    claim: ExpenseClaim = claims.get_claim(db, principal=principal, claim_id=claim_id)
    line = claims.get_line(claim, line_id)
    if variant == "image" and line.clean_sha256:
        found = line.clean_sha256, line.clean_type, uploads.safe_filename(line.filename, line.clean_type)
    elif variant == "preview" and line.preview_sha256:
        found = line.preview_sha256, uploads.JPEG, uploads.safe_filename(line.filename, uploads.JPEG)
    elif variant == "original" and line.original_sha256:
        found = line.original_sha256, line.content_type, line.filename
    else:
        raise NotFound()
    return store.get(found[0]), found[1], found[2]
