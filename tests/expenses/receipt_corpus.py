"""Receipt pictures made on the spot: photos of a paper receipt on a table, with EXIF to strip."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFilter, ImageFont

RED = (220, 20, 20)
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/><!-- boardkit-xmp-marker --></x:xmpmeta>'


def receipt_photo(seed: int, size: tuple[int, int] = (1600, 1200)) -> Image.Image:
    """A landscape photo of a receipt lying on a wooden table; ``seed`` decides shop, lines,
    where the receipt lies and how the light falls — different seeds, different receipts."""
    rng = random.Random(seed)
    w, h = size
    table = Image.linear_gradient("L").resize(size).convert("RGB")
    table = Image.blend(table, Image.new("RGB", size, (150 + rng.randrange(60), 110, 70)), 0.7)
    noise = Image.effect_noise(size, 24).convert("RGB")
    photo = Image.blend(table, noise, 0.15)
    rw, rh = int(w * rng.uniform(0.3, 0.45)), int(h * rng.uniform(0.75, 0.9))
    paper = Image.new("RGB", (rw, rh), (250, 248, 240))
    draw = ImageDraw.Draw(paper)
    font = ImageFont.load_default(size=max(12, rh // 40))
    y = rh // 20
    if rng.random() < 0.7:  # a shop logo
        lw = int(rw * rng.uniform(0.3, 0.8))
        draw.rectangle((rw // 2 - lw // 2, y, rw // 2 + lw // 2, y + rh // 10), fill=(20, 20, 20))
        y += rh // 8
    while y < rh * 0.9:
        gap = rng.choice((1, 1, 1, 2, 3))
        words = "".join(
            rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZÆØÅ 0123456789,.") for _ in range(rng.randrange(4, 26))
        )
        draw.text((rw // 12, y), words, fill=(30, 30, 30), font=font)
        if rng.random() < 0.5:
            draw.text(
                (rw * 3 // 4, y),
                f"{rng.randrange(1, 999)},{rng.randrange(100):02d}",
                fill=(30, 30, 30),
                font=font,
            )
        y += gap * rh // 30
    paper = paper.rotate(rng.uniform(-8, 8), expand=True, fillcolor=(0, 0, 0))
    mask = paper.convert("L").point(lambda v: 255 if v > 0 else 0)
    x = rng.randrange(0, max(1, w - paper.width))
    y0 = rng.randrange(0, max(1, h - paper.height))
    photo.paste(paper, (x, y0), mask)
    return photo.filter(ImageFilter.GaussianBlur(0.6))


def jpeg(picture: Image.Image, quality: int = 90, **params: object) -> bytes:
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=quality, **params)
    return out.getvalue()


def marked(size: tuple[int, int] = (300, 150)) -> Image.Image:
    """A picture with a red block in its top-left corner (as stored, before EXIF turns it)."""
    picture = Image.new("RGB", size, (40, 90, 180))
    picture.paste(RED, (0, 0, size[0] // 4, size[1] // 4))
    return picture


def camera_exif(orientation: int) -> Image.Exif:
    """EXIF as a phone writes it: orientation, make, model, a time and a GPS position."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Telefonfabrikken"
    exif[0x0110] = "Model 12"
    exif[0x0132] = "2026:03:01 10:15:00"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (55.0, 40.0, 35.5)
    gps[3] = "E"
    gps[4] = (12.0, 34.0, 56.7)
    return exif


def red_corner(picture: Image.Image) -> str:
    """Which quarter holds most of the red marker: "tl", "tr", "bl" or "br"."""
    picture = picture.convert("RGB")
    w, h = picture.size
    counts = {"tl": 0, "tr": 0, "bl": 0, "br": 0}
    for y in range(0, h, 2):
        for x in range(0, w, 2):
            r, g, b = picture.getpixel((x, y))  # type: ignore[misc]
            if r > 180 and g < 90 and b < 90:
                counts[("t" if y < h / 2 else "b") + ("l" if x < w / 2 else "r")] += 1
    corner = max(counts, key=lambda k: counts[k])
    assert counts[corner] > 0, "no red marker in the picture"
    return corner


def swapped_primaries_profile() -> bytes:
    """An ICC profile whose red is sRGB's blue (and blue its red), named "Swap2014": pixels
    stored as pure red in it are blue on screen, so a conversion to sRGB is plain to see."""
    import struct
    from pathlib import Path

    import fpdf

    icc = bytearray((Path(fpdf.__file__).parent / "data/color_profiles/sRGB2014.icc").read_bytes())
    count = struct.unpack(">I", icc[128:132])[0]
    entries = {bytes(icc[132 + 12 * i : 136 + 12 * i]): 132 + 12 * i for i in range(count)}
    red, blue = entries[b"rXYZ"], entries[b"bXYZ"]
    icc[red + 4 : red + 12], icc[blue + 4 : blue + 12] = icc[blue + 4 : blue + 12], icc[red + 4 : red + 12]
    at = icc.index(b"sRGB2014")
    icc[at : at + 4] = b"Swap"
    icc[84:100] = bytes(16)  # the profile ID (an MD5 of the content) no longer holds
    return bytes(icc)
