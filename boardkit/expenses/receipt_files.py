"""Receipt files: from one upload a clean copy, a preview for screens and a perceptual hash.

Pure (no database, no storage): the expenses service stores what :func:`process_receipt`
returns, content-addressed. It is synchronous and CPU-bound, like every service, so it runs off
the event loop with them.

* The original is returned byte for byte, for the bookkeeping record.
* Photos (JPEG, PNG, HEIC/HEIF) are turned upright by their EXIF orientation, converted to sRGB
  and re-encoded without any metadata (EXIF with GPS, XMP, IPTC, comments, text chunks, ICC):
  JPEG and HEIC as JPEG, PNG as PNG. Photos beyond :data:`CLEAN_MAX_SIDE` are scaled down.
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
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageCms, ImageDraw, ImageFont, ImageOps

from boardkit.core import uploads
from boardkit.core.errors import TooLarge, UnsupportedType
from boardkit.core.i18n import _, ngettext
from boardkit.core.pdf import image as pdfimage
from boardkit.core.pdf import prep as pdfprep

ACCEPTED = frozenset({uploads.JPEG, uploads.PNG, uploads.HEIC, uploads.PDF})
MAX_BYTES = 15 * uploads.MB
MAX_PIXELS = 50_000_000  # a 48 MP phone photo passes; more is a bomb or a poster scan
CLEAN_MAX_SIDE = 4096  # about 350 dpi on A4: enough to read any receipt
PREVIEW_SIDE = 1200
PREVIEW_TYPE = uploads.JPEG
DUPLICATE_DISTANCE = 6  # phash bits that may differ between two photos of the same receipt
RENDER_TIMEOUT_SECONDS = 20
ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


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
    image = _decode(data, filename)
    try:
        image = ImageOps.exif_transpose(image)
    except Exception:  # EXIF too broken to read an orientation from: shown as stored
        image = image.copy()
    image = _to_srgb(image)
    if max(image.size) > CLEAN_MAX_SIDE:
        image.thumbnail((CLEAN_MAX_SIDE, CLEAN_MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
    # Nothing the camera wrote may ride along into what we save; a palette's transparent
    # colour is part of the picture.
    image.info = {k: v for k, v in image.info.items() if k == "transparency"}
    if kind == uploads.PNG:
        clean, clean_type = _png(image), uploads.PNG
    else:
        clean, clean_type = _jpeg(image, quality=90), uploads.JPEG
    shown = _flatten(image)
    shown.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return ProcessedReceipt(
        original=data,
        content_type=kind,
        clean=clean,
        clean_type=clean_type,
        preview=_jpeg(shown, quality=82),
        phash=phash(shown),
        width=image.width,
        height=image.height,
        pages=1,
    )


def _decode(data: bytes, filename: str) -> Image.Image:
    """The image decoded; refused before decoding when its header claims too many pixels."""
    pdfimage.register_heif()
    too_large = TooLarge(
        _(
            "Billedet “%(name)s” er for stort: over %(mp)s megapixel. Tag billedet med en lavere "
            "opløsning, og prøv igen.",
            name=filename,
            mp=MAX_PIXELS // 1_000_000,
        ),
        code="too_many_pixels",
        fields={"file": "too_many_pixels"},
    )
    corrupt = UnsupportedType(
        _("Billedet “%(name)s” er beskadiget og kan ikke læses. Prøv at tage det igen.", name=filename),
        code="corrupt_file",
        fields={"file": "corrupt"},
    )
    try:
        image = Image.open(BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise too_large
        if image.format == "JPEG" and max(image.size) > CLEAN_MAX_SIDE:
            # Decode a huge JPEG at 1/2, 1/4 … of its size straight away (far faster), keeping
            # at least 85% of the longest side a clean copy may have.
            scale = 0.85 * CLEAN_MAX_SIDE / max(image.size)
            image.draft("RGB", (math.ceil(image.width * scale), math.ceil(image.height * scale)))
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_large from exc
    except TooLarge:
        raise
    except Exception as exc:  # Pillow raises many kinds on broken or truncated files
        raise corrupt from exc
    return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """Colours converted from the embedded ICC profile (Display P3, Adobe RGB, CMYK …) to sRGB,
    so the copy needs no profile; without one (or with a broken one) the pixels are taken as
    sRGB."""
    profile = image.info.get("icc_profile")
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(BytesIO(profile))
            if "srgb" not in ImageCms.getProfileDescription(source).lower():
                mode = "RGBA" if image.mode in ALPHA_MODES else "RGB"
                converted = ImageCms.profileToProfile(image, source, _srgb(), outputMode=mode)
                if converted is not None:
                    image = converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass
    if image.mode == "CMYK":
        image = image.convert("RGB")
    elif image.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit greyscale PNG
        image = image.point(lambda v: v / 256).convert("L")
    return image


@cache
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white paper (transparency and palettes resolved), a new image."""
    if image.mode in ALPHA_MODES or image.mode == "P" or "transparency" in image.info:
        rgba = image.convert("RGBA")
        paper = Image.new("RGB", image.size, (255, 255, 255))
        paper.paste(rgba, mask=rgba.getchannel("A"))
        return paper
    return image.convert("RGB")


def _jpeg(image: Image.Image, *, quality: int) -> bytes:
    if image.mode not in ("RGB", "L"):
        image = _flatten(image)
    out = BytesIO()
    image.save(out, "JPEG", quality=quality, exif=b"")
    return out.getvalue()


def _png(image: Image.Image) -> bytes:
    out = BytesIO()
    image.save(out, "PNG", compress_level=6)
    return out.getvalue()


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
        preview=_jpeg(shown, quality=82),
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
