"""Awkward documents made on the spot, and ways to look at PDFs: qpdf's verdict, text, pixels.

Each test PDF carries a red marker in its top-left corner, so a rendered page shows where the
original top-left went (rotation done right, or not).
"""

from __future__ import annotations

import io
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

RED = (220, 20, 20)


def document(
    pages: int = 1, *, size: str | tuple[float, float] = "A4", landscape: bool = False, text: str = "Side"
) -> bytes:
    pdf = FPDF(orientation="L" if landscape else "P", unit="mm", format=size)
    pdf.set_auto_page_break(False)
    pdf.set_font("helvetica", size=10)
    for n in range(1, pages + 1):
        pdf.add_page()
        pdf.set_fill_color(*RED)
        w, h = pdf.w, pdf.h
        pdf.rect(0, 0, w * 0.2, h * 0.12, style="F")
        pdf.set_xy(w * 0.1, h * 0.4)
        pdf.cell(text=f"{text} {n}")
    return bytes(pdf.output())


def rewrite(data: bytes, change: object = None) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    if callable(change):
        change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def rotated(degrees: int) -> bytes:
    def turn(writer: PdfWriter) -> None:
        writer.pages[0].rotate(degrees)

    return rewrite(document(text=f"Roteret {degrees}"), turn)


def encrypted(user: str, owner: str = "ejer") -> bytes:
    def lock(writer: PdfWriter) -> None:
        writer.encrypt(user_password=user, owner_password=owner, algorithm="AES-128")

    return rewrite(document(text="Krypteret"), lock)


def broken_xref() -> bytes:
    """Every offset in the cross-reference table wrong, and startxref too."""
    data = document(3, text="Reparer mig")
    at = data.rindex(b"\nxref\n") + 1
    table_end = data.index(b"trailer", at)
    lines = data[at:table_end].split(b"\n")
    lines = [b"0000000009" + line[10:] if len(line) == 20 and line[17:18] == b"n" else line for line in lines]
    head = data[:at] + b"\n".join(lines) + data[table_end:]
    return head.replace(b"startxref\n", b"startxref\n1").rstrip() + b"\n"


def active() -> bytes:
    """JavaScript everywhere, an open action, an embedded file, a file-attachment annotation,
    a launch link, page actions, an XFA form — and a visible stamp annotation to keep."""

    def arm(writer: PdfWriter) -> None:
        writer.add_attachment("hemmelig.txt", b"indlejret fil")
        root = writer._root_object
        js = DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
        )
        names = root["/Names"].get_object()
        names[NameObject("/JavaScript")] = DictionaryObject(
            {NameObject("/Names"): ArrayObject([TextStringObject("hej"), writer._add_object(js)])}
        )
        root[NameObject("/OpenAction")] = writer._add_object(js)
        root[NameObject("/AA")] = DictionaryObject({NameObject("/WC"): js})
        xfa = DecodedStreamObject()
        xfa.set_data(b"<xdp:xdp/>")
        root[NameObject("/AcroForm")] = DictionaryObject(
            {NameObject("/Fields"): ArrayObject(), NameObject("/XFA"): writer._add_object(xfa)}
        )
        page = writer.pages[0]
        page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): js})
        appearance = DecodedStreamObject()
        appearance.set_data(b"BT /Helv 12 Tf 2 6 Td (Stempel godkendt) Tj ET")
        appearance.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): _rect(0, 0, 140, 20),
                NameObject("/Resources"): DictionaryObject(
                    {
                        NameObject("/Font"): DictionaryObject(
                            {
                                NameObject("/Helv"): DictionaryObject(
                                    {
                                        NameObject("/Type"): NameObject("/Font"),
                                        NameObject("/Subtype"): NameObject("/Type1"),
                                        NameObject("/BaseFont"): NameObject("/Helvetica"),
                                    }
                                )
                            }
                        )
                    }
                ),
            }
        )
        launch = DictionaryObject(
            {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("x.exe")}
        )
        annots = [
            {"/Subtype": NameObject("/Link"), "/Rect": _rect(50, 50, 150, 70), "/A": js},
            {"/Subtype": NameObject("/Link"), "/Rect": _rect(50, 80, 150, 100), "/A": launch},
            {
                "/Subtype": NameObject("/FileAttachment"),
                "/Rect": _rect(10, 10, 30, 30),
                "/FS": DictionaryObject({NameObject("/F"): TextStringObject("vedhæftet.exe")}),
            },
            {
                "/Subtype": NameObject("/Stamp"),
                "/Rect": _rect(300, 400, 440, 420),
                "/AP": DictionaryObject({NameObject("/N"): writer._add_object(appearance)}),
            },
        ]
        page[NameObject("/Annots")] = ArrayObject(
            writer._add_object(
                DictionaryObject(
                    {NameObject("/Type"): NameObject("/Annot"), **{NameObject(k): v for k, v in a.items()}}
                )
            )
            for a in annots
        )

    return rewrite(document(text="Aktivt indhold"), arm)


def _rect(*values: float) -> ArrayObject:
    return ArrayObject(FloatObject(v) for v in values)


def image(
    fmt: str, *, size: tuple[int, int] = (300, 150), exif_orientation: int = 1, alpha: bool = False
) -> bytes:
    """A picture with a red block in its top-left corner (as stored, before EXIF turns it)."""
    mode = "RGBA" if alpha else "RGB"
    picture = Image.new(mode, size, (40, 90, 180, 0) if alpha else (40, 90, 180))
    picture.paste((*RED, 255) if alpha else RED, (0, 0, size[0] // 4, size[1] // 4))
    out = io.BytesIO()
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    exif = Image.Exif()
    if exif_orientation != 1:
        exif[0x0112] = exif_orientation
    if exif_orientation != 1:
        picture.save(out, fmt, exif=exif.tobytes())
    else:
        picture.save(out, fmt)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge size (a decompression bomb stops at the header)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


# --- looking at PDFs --------------------------------------------------------------------


def qpdf_check(data: bytes) -> None:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        result = subprocess.run(["qpdf", "--check", f.name], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout, result.stdout


def render(data: bytes, page: int = 1, dpi: int = 20) -> Image.Image:
    """The page as pixels, by poppler's pdftoppm."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.pdf"
        path.write_bytes(data)
        pages = ["-f", str(page), "-l", str(page)]
        command = ["pdftoppm", "-r", str(dpi), *pages, "-singlefile", "-png", str(path), f"{tmp}/out"]
        subprocess.run(command, check=True)
        return Image.open(Path(tmp) / "out.png").convert("RGB").copy()


def red_corner(picture: Image.Image) -> str:
    """Which quarter of the page holds most of the red marker: "tl", "tr", "bl" or "br"."""
    w, h = picture.size
    counts = {"tl": 0, "tr": 0, "bl": 0, "br": 0}
    for y in range(h):
        for x in range(w):
            r, g, b = picture.getpixel((x, y))  # type: ignore[misc]
            if r > 180 and g < 90 and b < 90:
                counts[("t" if y < h / 2 else "b") + ("l" if x < w / 2 else "r")] += 1
    corner = max(counts, key=lambda k: counts[k])
    assert counts[corner] > 0, "no red marker on the page"
    return corner


def texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
