"""Photos made safe to keep and show: decoded within a pixel budget, turned upright by their EXIF
orientation, converted to sRGB and re-encoded without any metadata (EXIF with GPS, XMP, IPTC,
comments, text chunks, ICC).

Pure and CPU-bound (no database, no storage): a domain runs it before its write transaction and
stores what comes out. Used for receipts (``expenses``) and forum attachments (``forum``).
"""

from __future__ import annotations

import math
from functools import cache
from io import BytesIO

from PIL import Image, ImageCms, ImageOps

from boardkit.core.errors import TooLarge, UnsupportedType
from boardkit.core.i18n import _
from boardkit.core.pdf import image as pdfimage

ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


def decode(data: bytes, filename: str, *, max_pixels: int, max_side: int | None = None) -> Image.Image:
    """The image decoded; refused (413) before decoding when its header claims more than
    ``max_pixels``, and refused (415) when it cannot be read. A JPEG far beyond ``max_side`` is
    decoded at a reduced size straight away (the caller scales it down anyway)."""
    pdfimage.register_heif()
    too_large = TooLarge(
        _(
            "Billedet “%(name)s” er for stort: over %(mp)s megapixel. Tag billedet med en lavere "
            "opløsning, og prøv igen.",
            name=filename,
            mp=max_pixels // 1_000_000,
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
        if image.width * image.height > max_pixels:
            raise too_large
        if max_side and image.format == "JPEG" and max(image.size) > max_side:
            # Decode a huge JPEG at 1/2, 1/4 … of its size straight away (far faster), keeping
            # at least 85% of the longest side wanted.
            scale = 0.85 * max_side / max(image.size)
            image.draft("RGB", (math.ceil(image.width * scale), math.ceil(image.height * scale)))
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_large from exc
    except TooLarge:
        raise
    except Exception as exc:  # Pillow raises many kinds on broken or truncated files
        raise corrupt from exc
    return image


def clean(data: bytes, filename: str, *, max_pixels: int, max_side: int) -> Image.Image:
    """The photo decoded (:func:`decode`), upright, in sRGB, at most ``max_side`` px on its long
    side, and with nothing the camera wrote left in ``info`` except a palette's transparent colour.
    Save it with :func:`jpeg` or :func:`png`."""
    image = decode(data, filename, max_pixels=max_pixels, max_side=max_side)
    try:
        image = ImageOps.exif_transpose(image)
    except Exception:  # EXIF too broken to read an orientation from: shown as stored
        image = image.copy()
    image = to_srgb(image)
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=3.0)
    # Nothing the camera wrote may ride along into what we save; a palette's transparent
    # colour is part of the picture.
    image.info = {k: v for k, v in image.info.items() if k == "transparency"}
    return image


def preview(image: Image.Image, side: int) -> Image.Image:
    """A new RGB copy on white, at most ``side`` px on its long side, for screens."""
    shown = flatten(image)
    shown.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return shown


def to_srgb(image: Image.Image) -> Image.Image:
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


def flatten(image: Image.Image) -> Image.Image:
    """RGB on white paper (transparency and palettes resolved), a new image."""
    if image.mode in ALPHA_MODES or image.mode == "P" or "transparency" in image.info:
        rgba = image.convert("RGBA")
        paper = Image.new("RGB", image.size, (255, 255, 255))
        paper.paste(rgba, mask=rgba.getchannel("A"))
        return paper
    return image.convert("RGB")


def jpeg(image: Image.Image, *, quality: int) -> bytes:
    """The image as a JPEG without metadata (flattened on white first if it has transparency)."""
    if image.mode not in ("RGB", "L"):
        image = flatten(image)
    out = BytesIO()
    image.save(out, "JPEG", quality=quality, exif=b"")
    return out.getvalue()


def png(image: Image.Image) -> bytes:
    """The image as a PNG; it carries only what ``info`` still holds (see :func:`clean`)."""
    out = BytesIO()
    image.save(out, "PNG", compress_level=6)
    return out.getvalue()
