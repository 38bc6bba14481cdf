"""Files on posts: photos and PDFs, judged by their content, stored by content.

* At most :data:`MAX_FILES` files on a post (422), each at most :data:`MAX_FILE_BYTES` (413), each
  a JPEG, PNG, HEIC/HEIF or PDF by its content whatever its name says, no PDF locked with a
  password and no image with more pixels than we decode (415/413): ``core.uploads.check_document``.
* A photo is never stored as uploaded: what is kept is a clean copy made by
  :mod:`boardkit.core.photos` (upright by its EXIF orientation, sRGB, at most
  :data:`STORED_SIDE` px, without EXIF/GPS, XMP, comments or ICC): PNG stays PNG, JPEG and HEIC
  become JPEG. Each photo also gets a JPEG preview of at most :data:`PREVIEW_SIDE` px.
* A PDF is stored as uploaded (it is offered as a download) and has no preview.

:func:`check_files` does the slow part and touches no database, so it runs before the write
transaction; :func:`store_files` then only stores the bytes and adds the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from boardkit.core import photos
from boardkit.core.errors import ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.storage import FileStore
from boardkit.core.uploads import HEIC, JPEG, MB, PDF, PNG, UploadLike, check_document, safe_filename
from boardkit.forum.models import PostFile

ALLOWED = frozenset({JPEG, PNG, HEIC, PDF})
IMAGES = frozenset({JPEG, PNG, HEIC})
MAX_FILE_BYTES = 15 * MB
MAX_FILES = 5  # on one post
MAX_PIXELS = 50_000_000  # a 48 MP phone photo passes
STORED_SIDE = 4096  # the clean copy: more than any screen shows
PREVIEW_SIDE = 1200
PHOTO_QUALITY = 90
PREVIEW_QUALITY = 82


@dataclass(frozen=True)
class Checked:
    """A file ready to store: for a photo its clean copy, not the upload."""

    filename: str  # safe to show, with the extension of what is stored
    content_type: str  # of what is stored: image/jpeg, image/png or application/pdf
    data: bytes
    preview: bytes | None  # image/jpeg, at most PREVIEW_SIDE px; None for a PDF


def check_files(uploads: Sequence[UploadLike]) -> list[Checked]:
    """Every file judged, and each photo cleaned, before anything is saved: 422 for more than
    :data:`MAX_FILES`, 413 for a file too large, 415 for one of another kind (or locked, or
    broken). The empty file part a form sends when no file was chosen is left out."""
    chosen = [upload for upload in uploads if upload.data or upload.filename]
    if len(chosen) > MAX_FILES:
        message = _(
            "Du kan vedhæfte højst %(max)s filer til et indlæg. Du valgte %(n)s.",
            max=MAX_FILES,
            n=len(chosen),
        )
        raise ValidationFailed(message, code="too_many_files", fields={"file": "too_many_files"})
    kinds = [
        check_document(upload, ALLOWED, MAX_FILE_BYTES) for upload in chosen
    ]  # all, before the slow part
    return [_prepare(upload, kind) for upload, kind in zip(chosen, kinds, strict=True)]


def _prepare(upload: UploadLike, kind: str) -> Checked:
    if kind not in IMAGES:
        return Checked(safe_filename(upload.filename, kind), kind, upload.data, None)
    image = photos.clean(upload.data, upload.filename, max_pixels=MAX_PIXELS, max_side=STORED_SIDE)
    if kind == PNG:
        data, stored_type = photos.png(image), PNG
    else:
        data, stored_type = photos.jpeg(image, quality=PHOTO_QUALITY), JPEG
    preview = photos.jpeg(photos.preview(image, PREVIEW_SIDE), quality=PREVIEW_QUALITY)
    return Checked(safe_filename(upload.filename, stored_type), stored_type, data, preview)


def store_files(db: Session, post_id: int, checked: Sequence[Checked], store: FileStore) -> list[PostFile]:
    """The checked files stored (by content) and recorded on the post, in the order given."""
    added = [
        PostFile(
            post_id=post_id,
            sha256=store.put(file.data),
            preview_sha256=store.put(file.preview) if file.preview is not None else None,
            filename=file.filename,
            content_type=file.content_type,
            size=len(file.data),
        )
        for file in checked
    ]
    db.add_all(added)
    db.flush()
    return added
