"""A library document's file, judged by its content, never by its name.

Accepted: PDF, JPEG and PNG (``core.uploads``), and office documents — Word (.docx), Excel
(.xlsx) and OpenDocument text and spreadsheets (.odt, .ods) — each recognised as a zip whose
``[Content_Types].xml`` or ``mimetype`` says what it is (macro-enabled files are refused).
Programs, scripts, web pages and anything else are refused with a clear Danish message (415);
a file over :data:`MAX_BYTES` gets 413; a PDF locked with a password 415.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from boardkit.core import uploads
from boardkit.core.errors import TooLarge, UnsupportedType
from boardkit.core.i18n import _
from boardkit.core.templating import fmt_number
from boardkit.core.uploads import JPEG, MB, PDF, PNG, UploadLike, safe_filename

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
MAX_BYTES = 25 * MB
ALLOWED = frozenset({PDF, JPEG, PNG, DOCX, XLSX, ODT, ODS})
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png", DOCX: "docx", XLSX: "xlsx", ODT: "odt", ODS: "ods"}
CLAIMS = {
    ".pdf": PDF,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".png": PNG,
    ".docx": DOCX,
    ".xlsx": XLSX,
    ".odt": ODT,
    ".ods": ODS,
}
NAMES = {
    PDF: "PDF",
    JPEG: "JPEG",
    PNG: "PNG",
    DOCX: "Word",
    XLSX: "Excel",
    ODT: "OpenDocument",
    ODS: "OpenDocument",
}
# The main part of an Office Open XML package, by its content type.
OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}
MAX_MANIFEST = 1 * MB
# What the first bytes of a file that must never be kept look like.
EXECUTABLE = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe")


@dataclass(frozen=True)
class Checked:
    filename: str  # safe to show, with the extension of what it is
    content_type: str
    data: bytes


def _office(data: bytes) -> str | None:
    """The office type of a zip, or None (not a zip, a macro-enabled or another kind of zip)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                return None
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                return mimetype if mimetype in (ODT, ODS) else None
            if (
                "[Content_Types].xml" in names
                and archive.getinfo("[Content_Types].xml").file_size < MAX_MANIFEST
            ):
                manifest = archive.read("[Content_Types].xml").decode("utf-8", "replace")
                found = {kind for main, kind in OOXML_MAIN.items() if f'ContentType="{main}"' in manifest}
                return found.pop() if len(found) == 1 else None
    # zipfile raises NotImplementedError for a compression method it cannot read: not an office file.
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, RuntimeError, NotImplementedError):
        return None
    return None


def sniff(data: bytes) -> str | None:
    kind = uploads.sniff(data)
    if kind in ALLOWED:
        return kind
    if data.startswith(b"PK\x03\x04"):
        return _office(data)
    return None


def check_file(upload: UploadLike) -> Checked:
    """The upload judged by content (413 too large, 415 not allowed or not what its name says)."""
    name = upload.filename or _("filen")
    if len(upload.data) > MAX_BYTES:
        raise TooLarge(
            _(
                "Filen “%(name)s” fylder %(size)s MB. Den må højst fylde %(max)s MB.",
                name=name,
                size=fmt_number(len(upload.data) / MB, 1, fixed=True),
                max=fmt_number(MAX_BYTES / MB, 1),
            ),
            code="too_large",
            fields={"file": "too_large"},
        )
    if not upload.data:
        raise UnsupportedType(_("Filen “%(name)s” er tom.", name=name), fields={"file": "empty"})
    kind = sniff(upload.data)
    head = upload.data[:64].lstrip().lower()
    if kind is None and head.startswith(EXECUTABLE):
        raise UnsupportedType(
            _(
                "Filen “%(name)s” er et program eller et script, ikke et dokument. Den kan ikke gemmes "
                "i biblioteket. Gem dokumentet som PDF, og prøv igen.",
                name=name,
            ),
            fields={"file": "unsupported_media_type"},
        )
    if kind is None:
        raise UnsupportedType(
            _(
                "Filen “%(name)s” kan ikke bruges: biblioteket gemmer PDF, billeder (JPEG, PNG) og "
                "kontordokumenter (Word, Excel, OpenDocument). Vi ser på indholdet, ikke på navnet. "
                "Gem dokumentet som PDF, og prøv igen.",
                name=name,
            ),
            fields={"file": "unsupported_media_type"},
        )
    claimed = CLAIMS.get(PurePath(upload.filename or "").suffix.lower())
    if claimed is not None and claimed != kind:
        raise UnsupportedType(
            _(
                "Filen “%(name)s” er ikke en %(type)s-fil, selv om navnet siger det. Gem den som "
                "%(type)s, og prøv igen.",
                name=name,
                type=NAMES[claimed],
            ),
            fields={"file": "unsupported_media_type"},
        )
    uploads.refuse_unusable(upload.filename, upload.data, kind)
    filename = safe_filename(upload.filename or "dokument", kind if kind in uploads.EXTENSIONS else None)
    if kind not in uploads.EXTENSIONS and PurePath(filename).suffix.lower() != f".{EXTENSIONS[kind]}":
        filename = f"{PurePath(filename).stem or 'dokument'}.{EXTENSIONS[kind]}"
    return Checked(filename, kind, upload.data)
