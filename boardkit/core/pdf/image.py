"""An image (JPEG, PNG, HEIC, or anything else Pillow opens) as a one-page PDF.

The page is the image's own shape with a small white margin; :mod:`boardkit.core.pdf.prep` then
fits it to A4 like any other page. EXIF orientation is applied, huge images are refused before
they are decoded (decompression bombs) and large ones scaled down to print resolution.
"""

from __future__ import annotations

from io import BytesIO

from fpdf import FPDF
from PIL import Image, ImageOps

from boardkit.core.i18n import _

MAX_PIXELS = 80_000_000  # a 80 MP photo is fine; more is a bomb or a poster scan
MAX_SIDE = 3600  # about 300 dpi on A4: more is never seen
MARGIN = 0.03  # of the longer side, around the picture
_heif_ready = False


def register_heif() -> None:
    """Let Pillow open HEIC/HEIF (pillow-heif is imported only once an image comes by)."""
    global _heif_ready
    if not _heif_ready:
        import pillow_heif  # imported only when an image comes by

        pillow_heif.register_heif_opener()
        _heif_ready = True


def image_pdf(data: bytes) -> bytes | str:
    """A PDF page showing the image, or a short reason why it cannot be shown."""
    register_heif()
    try:
        image: Image.Image = Image.open(BytesIO(data))
    except Image.DecompressionBombError:
        return _("Billedet er for stort (over %(mp)s megapixel).", mp=MAX_PIXELS // 1_000_000)
    except Exception:
        return _("Billedet kan ikke læses.")
    if image.width * image.height > MAX_PIXELS:
        return _("Billedet er for stort (over %(mp)s megapixel).", mp=MAX_PIXELS // 1_000_000)
    fmt = image.format or ""
    orientation = image.getexif().get(0x0112, 1)
    source: bytes | Image.Image = data
    if fmt not in ("JPEG", "PNG") or orientation != 1 or max(image.size) > MAX_SIDE:
        image.load()
        image = ImageOps.exif_transpose(image)
        if max(image.size) > MAX_SIDE:
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        source = _encode(image)
    else:
        image.load()  # a truncated file fails here, not inside fpdf2
    width, height = image.size
    pad = MARGIN * max(width, height)
    pdf = FPDF(unit="pt", format=(width + 2 * pad, height + 2 * pad))
    pdf.set_auto_page_break(False)
    pdf.set_creator("boardkit")
    pdf.add_page()
    pdf.image(source, x=pad, y=pad, w=width, h=height)
    return bytes(pdf.output())


def _encode(image: Image.Image) -> bytes:
    """Photos as JPEG (small), everything with transparency or few colours as PNG (lossless)."""
    out = BytesIO()
    if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
        image.save(out, "PNG", optimize=False)
    else:
        image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    return out.getvalue()
