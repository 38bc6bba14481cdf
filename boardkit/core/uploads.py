"""Uploaded files are judged by their content (magic bytes) and size, never by their name.

Generic on purpose: any domain passes the content types it accepts and its size limit.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
from collections.abc import Iterable
from pathlib import PurePath
from typing import Protocol

from boardkit.core.errors import TooLarge, UnsupportedType
from boardkit.core.i18n import _
from boardkit.core.pdf import image as pdfimage
from boardkit.core.pdf import prep as pdfprep
from boardkit.core.templating import fmt_number

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
GIF = "image/gif"
WEBP = "image/webp"
HEIC = "image/heic"

DOCUMENTS_AND_IMAGES = frozenset({PDF, JPEG, PNG})
MB = 1024 * 1024

LABELS = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", GIF: "GIF", WEBP: "WebP", HEIC: "HEIC"}
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png", GIF: ".gif", WEBP: ".webp", HEIC: ".heic"}
ALIASES = {".jpg": (".jpg", ".jpeg", ".jpe"), ".heic": (".heic", ".heif")}
HEIC_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")


class UploadLike(Protocol):
    @property
    def filename(self) -> str: ...

    @property
    def data(self) -> bytes: ...


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are (of the kinds we know), or None."""
    head = data[:64]
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp" and head[8:12] in HEIC_BRANDS:
        return HEIC
    return None


def describe(types: Iterable[str]) -> str:
    """'PDF, JPEG eller PNG' for the types given (in a stable order)."""
    labels = [
        LABELS.get(t, t) for t in sorted(types, key=lambda t: list(LABELS).index(t) if t in LABELS else 99)
    ]
    if len(labels) < 2:
        return "".join(labels)
    return _("%(first)s eller %(last)s", first=", ".join(labels[:-1]), last=labels[-1])


def safe_filename(name: str, content_type: str | None = None) -> str:
    """A file name safe to store and show: no folders, no control characters, the right extension."""
    base = PurePath(name.replace("\\", "/")).name
    base = unicodedata.normalize("NFC", base)
    base = re.sub(r"[\x00-\x1f\x7f\"<>|:*?]", "", base).strip(" .") or "fil"
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    wanted = EXTENSIONS.get(content_type or "")
    if wanted and f".{ext.lower()}" not in ALIASES.get(wanted, (wanted,)):
        ext = wanted[1:]  # "scan.pdf" that is really a PNG is stored as "scan.png"
    return f"{stem[:200]}.{ext}" if ext else stem[:200]


def check_upload(upload: UploadLike, allowed: Iterable[str], max_bytes: int) -> str:
    """The upload's real content type; 413 when too large, 415 when not one of ``allowed``."""
    allowed = frozenset(allowed)
    name = upload.filename or _("filen")
    if len(upload.data) > max_bytes:
        raise TooLarge(
            _(
                "Filen “%(name)s” fylder %(size)s MB. Den må højst fylde %(max)s MB.",
                name=name,
                size=fmt_number(len(upload.data) / MB, 1, fixed=True),
                max=fmt_number(max_bytes / MB, 1),
            ),
            code="too_large",
            fields={"file": "too_large"},
        )
    if not upload.data:
        raise UnsupportedType(
            _("Filen “%(name)s” er tom.", name=name), code="unsupported_media_type", fields={"file": "empty"}
        )
    kind = sniff(upload.data)
    if kind not in allowed:
        if len(allowed) == 1:
            message = _(
                "Filen “%(name)s” er ikke en %(type)s-fil, selv om navnet måske siger det. Gem den som "
                "%(type)s, og prøv igen.",
                name=name,
                type=describe(allowed),
            )
        else:
            message = _(
                "Filen “%(name)s” kan ikke bruges: den er hverken %(types)s (vi ser på indholdet, ikke på "
                "navnet). Gem den som en af de typer, og prøv igen.",
                name=name,
                types=describe(allowed),
            )
        raise UnsupportedType(
            message, code="unsupported_media_type", fields={"file": "unsupported_media_type"}
        )
    assert kind is not None
    return kind


# What a file's name (or its declared content type) claims it is: it must then be that.
CLAIMS = {
    ".pdf": PDF,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".jpe": JPEG,
    ".png": PNG,
    ".heic": HEIC,
    ".heif": HEIC,
    "application/pdf": PDF,
    "image/jpeg": JPEG,
    "image/jpg": JPEG,
    "image/png": PNG,
    "image/heic": HEIC,
    "image/heif": HEIC,
}


def claimed_type(filename: str, declared_type: str = "") -> str | None:
    """The document type a file's name (or else its declared content type) claims, if any."""
    by_name = CLAIMS.get(PurePath(filename).suffix.lower())
    return by_name or CLAIMS.get(declared_type.split(";")[0].strip().lower())


def refuse_locked(data: bytes) -> None:
    """A PDF that needs a password cannot go into a pack: ask for an unlocked copy (415)."""
    try:
        pdfprep.check_pdf(data)
    except pdfprep.PdfLocked:
        raise UnsupportedType(
            _(
                "PDF-filen er låst med en adgangskode. Gem en kopi uden adgangskode "
                "(fx med “Udskriv til PDF”), og vedhæft den i stedet."
            ),
            code="pdf_locked",
        ) from None


def refuse_huge_image(filename: str, data: bytes) -> None:
    """An image whose header claims more pixels than a pack draws (a decompression bomb, a poster
    scan) is refused before it is ever decoded (413)."""
    from PIL import Image  # only image uploads pay for the import

    pdfimage.register_heif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:  # reads the header, decodes nothing
                pixels = image.width * image.height
    except Image.DecompressionBombError:
        pixels = pdfimage.MAX_PIXELS + 1
    except Exception:  # unreadable: like any other bad file, it becomes a placeholder page in packs
        return
    if pixels > pdfimage.MAX_PIXELS:
        raise TooLarge(
            _(
                "Billedet “%(name)s” er for stort: over %(mp)s megapixel. Gem det i en mindre "
                "størrelse, og prøv igen.",
                name=filename,
                mp=pdfimage.MAX_PIXELS // 1_000_000,
            ),
            code="too_many_pixels",
            fields={"file": "too_many_pixels"},
        )


def refuse_unusable(filename: str, data: bytes, content_type: str) -> None:
    """The checks every uploaded document gets beyond type and size: no locked PDFs, no huge images."""
    if content_type == PDF:
        refuse_locked(data)
    elif content_type in (JPEG, PNG, HEIC):
        refuse_huge_image(filename, data)


def check_document(upload: UploadLike, allowed: Iterable[str], max_bytes: int) -> str:
    """An uploaded document judged by content: what its name claims it must be, one of ``allowed``
    whatever its name, within ``max_bytes`` (413/415); no PDF locked with a password, no image
    with more pixels than we draw. Returns the real content type."""
    allowed = frozenset(allowed)
    claimed = claimed_type(upload.filename)
    content_type = check_upload(upload, {claimed} if claimed in allowed else allowed, max_bytes)
    refuse_unusable(upload.filename, upload.data, content_type)
    return content_type
