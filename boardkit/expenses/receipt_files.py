"""Receipt files: from one upload a clean copy, a preview for screens and a perceptual hash.

Pure (no database, no storage): the expenses service stores what :func:`process_receipt`
returns, content-addressed. It is synchronous and CPU-bound, like every service, so it runs off
the event loop with them.

* The original is returned byte for byte, for the bookkeeping record.
* Photos (JPEG, PNG, HEIC/HEIF) are turned upright by their EXIF orientation, converted to sRGB
  and re-encoded without any metadata (EXIF with GPS, XMP, IPTC, comments, text chunks, ICC) by
  :mod:`boardkit.core.photos`: JPEG and HEIC as JPEG, PNG as PNG. Photos beyond
  :data:`CLEAN_MAX_SIDE` are scaled down.
* PDFs pass :mod:`boardkit.core.pdf.prep`: a locked file is refused, and the clean copy holds only
  page content (no JavaScript, embedded files or actions). Page 1 is drawn for the preview by
  poppler's ``pdftoppm`` when installed; else the preview is a placeholder without a hash.
* What the bytes are is judged by content, never by name or declared type: a ``.jpg`` that is
  a program is refused (415), as are corrupt images; too many pixels (a decompression bomb) or
  too many bytes give 413.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from boardkit.core import photos, uploads
from boardkit.core.errors import UnsupportedType
from boardkit.core.i18n import _, ngettext
from boardkit.core.pdf import prep as pdfprep

ACCEPTED = frozenset({uploads.JPEG, uploads.PNG, uploads.HEIC, uploads.PDF})
MAX_BYTES = 15 * uploads.MB
MAX_PIXELS = 50_000_000  # a 48 MP phone photo passes; more is a bomb or a poster scan
CLEAN_MAX_SIDE = 4096  # about 350 dpi on A4: enough to read any receipt
PREVIEW_SIDE = 1200
PREVIEW_TYPE = uploads.JPEG
DUPLICATE_DISTANCE = 6  # phash bits that may differ between two photos of the same receipt
RENDER_TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class ProcessedReceipt:
    original: bytes  # as uploaded
    content_type: str  # what the original really is (sniffed)
    clean: bytes  # upright, no metadata; image/jpeg, image/png or application/pdf
    clean_type: str
    preview: bytes  # image/jpeg (PREVIEW_TYPE), at most PREVIEW_SIDE px on the long side
    phash: str | None  # 16 hex digits (64 bits); None when the preview is only a placeholder
    width: int  # of the clean copy: pixels, or a PDF's first page in points
    height: int
    pages: int


@dataclass(frozen=True)
class _Upload:
    filename: str
    data: bytes


def process_receipt(data: bytes, filename: str, declared_type: str = "") -> ProcessedReceipt:
    """The clean copy, preview and perceptual hash of an uploaded receipt; 413/415 when unusable.

    ``declared_type`` (what the client said) is not trusted: the content decides."""
    kind = uploads.check_upload(_Upload(filename, data), ACCEPTED, MAX_BYTES)
    if kind == uploads.PDF:
        return _process_pdf(data, filename)
    return _process_image(data, filename, kind)


def hamming(a: str, b: str) -> int:
    """How many of the 64 bits two perceptual hashes differ in (0: the same picture)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def phash(image: Image.Image) -> str:
    """A 64-bit DCT perceptual hash (as hex): the signs of the 8×8 lowest frequencies of a
    32×32 greyscale copy against their median. Scaling, recompression and small changes of
    light move few bits; another picture moves about half of them."""
    small = image.convert("L").resize((32, 32), Image.Resampling.LANCZOS)
    pixels = small.tobytes()
    table = _cosines()
    # Separable DCT-II, computing only the 8 lowest frequencies in each direction.
    rows = [
        [sum(c * p for c, p in zip(table[k], pixels[r * 32 : r * 32 + 32], strict=True)) for k in range(8)]
        for r in range(32)
    ]
    coefficients = [sum(table[u][r] * rows[r][v] for r in range(32)) for u in range(8) for v in range(8)]
    median = sorted(coefficients)[32] / 2 + sorted(coefficients)[31] / 2
    value = 0
    for c in coefficients:
        value = (value << 1) | (c > median)
    return f"{value:016x}"


@cache
def _cosines() -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(math.cos(math.pi * (2 * n + 1) * k / 64) for n in range(32)) for k in range(8))


# --- photos ------------------------------------------------------------------------------


def _process_image(data: bytes, filename: str, kind: str) -> ProcessedReceipt:
    image = photos.clean(data, filename, max_pixels=MAX_PIXELS, max_side=CLEAN_MAX_SIDE)
    if kind == uploads.PNG:
        clean, clean_type = photos.png(image), uploads.PNG
    else:
        clean, clean_type = photos.jpeg(image, quality=90), uploads.JPEG
    shown = photos.preview(image, PREVIEW_SIDE)
    return ProcessedReceipt(
        original=data,
        content_type=kind,
        clean=clean,
        clean_type=clean_type,
        preview=photos.jpeg(shown, quality=82),
        phash=phash(shown),
        width=image.width,
        height=image.height,
        pages=1,
    )


# --- PDFs --------------------------------------------------------------------------------


def _process_pdf(data: bytes, filename: str) -> ProcessedReceipt:
    try:
        pdfprep.check_pdf(data)
    except pdfprep.PdfLocked as exc:
        raise UnsupportedType(
            _(
                "PDF-filen “%(name)s” er låst med en adgangskode. Gem den uden adgangskode, og prøv igen.",
                name=filename,
            ),
            code="pdf_locked",
            fields={"file": "locked"},
        ) from exc
    prepared = pdfprep.prepare(data, uploads.PDF)
    if prepared.pdf is None:
        raise UnsupportedType(
            _("PDF-filen “%(name)s” kan ikke bruges: %(problem)s", name=filename, problem=prepared.problem),
            code="corrupt_file",
            fields={"file": "corrupt"},
        )
    first = _render_first_page(prepared.pdf)
    shown = first if first is not None else _placeholder(prepared.pages)
    return ProcessedReceipt(
        original=data,
        content_type=uploads.PDF,
        clean=prepared.pdf,
        clean_type=uploads.PDF,
        preview=photos.jpeg(shown, quality=82),
        phash=phash(first) if first is not None else None,
        width=round(pdfprep.A4_W),
        height=round(pdfprep.A4_H),
        pages=prepared.pages,
    )


def _render_first_page(pdf: bytes) -> Image.Image | None:
    """Page 1 of a prepared (harmless) PDF drawn by poppler, or None when it cannot be."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        return None
    with tempfile.TemporaryDirectory(prefix="boardkit-receipt-") as tmp:
        source, target = Path(tmp) / "in.pdf", Path(tmp) / "page"
        source.write_bytes(pdf)
        command = [tool, "-f", "1", "-l", "1", "-scale-to", str(PREVIEW_SIDE), "-singlefile", "-png"]
        try:
            done = subprocess.run(  # noqa: S603 - our fixed arguments; the PDF only as a file
                [*command, str(source), str(target)],
                capture_output=True,
                timeout=RENDER_TIMEOUT_SECONDS,
                check=False,
            )
            if done.returncode != 0:
                return None
            with Image.open(target.with_suffix(".png")) as page:
                return page.convert("RGB")
        except (OSError, subprocess.SubprocessError):
            return None


def _placeholder(pages: int) -> Image.Image:
    """A plain sheet saying PDF (and how many pages), for when page 1 cannot be drawn."""
    width, height = round(PREVIEW_SIDE * pdfprep.A4_W / pdfprep.A4_H), PREVIEW_SIDE
    sheet = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    draw.rectangle((0, 0, width - 1, height - 1), outline=(120, 120, 120), width=6)
    draw.text((width / 2, height * 0.42), "PDF", fill=(60, 60, 60), anchor="mm", font=_font(160))
    label = ngettext("%(num)s side", "%(num)s sider", pages, num=pages)
    draw.text((width / 2, height * 0.58), label, fill=(90, 90, 90), anchor="mm", font=_font(72))
    return sheet


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)
