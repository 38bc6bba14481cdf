"""The receipts PDF of an export batch: each receipt on A4 pages, stamped with claim and line.

A receipt's clean copy goes through ``core.pdfprep`` (fitted to A4 above the footer band it leaves
free), except a clean JPEG — most receipts are phone photos — which is placed on its page as it is
(no decoding, no re-encoding) with the same fit and frame: a thousand of them take seconds instead
of most of a minute (``bench/bench_expense_export.py``). The stamp is drawn in the footer band.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import BinaryIO

from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, StreamObject

from boardkit.core.i18n import _
from boardkit.core.pdf import image as pdfimage
from boardkit.core.pdf import prep as pdfprep

STAMP_FONT = "/BkStamp"
STAMP_SIZE = 9
STAMP_X_MM, STAMP_Y_MM = 15.0, 4.5
PICTURE = "/BkReceipt"
JPEG_SPACES = {"RGB": "/DeviceRGB", "L": "/DeviceGray"}  # what a clean copy is (receipt_files.py)


def stamp_text(claim_id: int, line_no: int) -> str:
    return f"Udlæg {claim_id} · linje {line_no}"


def _pdf_text(text: str) -> bytes:
    """A PDF literal string in WinAnsiEncoding (æ, ø, å and · are in it; anything else is ``?``)."""
    raw = text.encode("cp1252", "replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _text_stream(lines: Sequence[tuple[float, float, float, str]]) -> StreamObject:
    """Text at (x mm, y mm from the bottom, size pt)."""
    ops = [b"q 0 g BT"]
    for x, y, size, text in lines:
        at = f"1 0 0 1 {x * pdfprep.PT_PER_MM:.2f} {y * pdfprep.PT_PER_MM:.2f} Tm"
        ops.append(f"{STAMP_FONT} {size:g} Tf {at} ".encode() + _pdf_text(text) + b" Tj")
    ops.append(b"ET Q")
    stream = StreamObject()
    stream.set_data(b"\n".join(ops))
    return stream


class Stamper:
    """One PDF of stamped receipt pages, added in order."""

    def __init__(self) -> None:
        self.writer = PdfWriter()
        self.writer.pdf_header = "%PDF-1.7"
        self.font = self.writer._add_object(
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Font"),
                    NameObject("/Subtype"): NameObject("/Type1"),
                    NameObject("/BaseFont"): NameObject("/Helvetica"),
                    NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
                }
            )
        )

    def _stamp(self, page: DictionaryObject, texts: Sequence[tuple[float, float, float, str]]) -> None:
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else DictionaryObject()
        resources = DictionaryObject(resources)  # a copy: prepared pages share nothing with others
        fonts = resources.get("/Font")
        fonts = DictionaryObject(fonts.get_object()) if fonts is not None else DictionaryObject()
        fonts[NameObject(STAMP_FONT)] = self.font
        resources[NameObject("/Font")] = fonts
        page[NameObject("/Resources")] = resources
        stamp = self.writer._add_object(_text_stream(texts))
        contents = page.get("/Contents")
        parts = ArrayObject()
        if contents is not None:
            raw = page.raw_get("/Contents")
            if isinstance(contents.get_object(), ArrayObject):
                parts.extend(contents.get_object())
            else:
                parts.append(raw)
        parts.append(stamp)
        page[NameObject("/Contents")] = parts

    def add_jpeg(self, data: bytes, label: str) -> bool:
        """A clean JPEG copy placed on an A4 page as it is, fitted and framed as ``pdfprep`` fits
        ``pdfimage``'s page. False: not a plain upright RGB or grey JPEG (take :meth:`add`)."""
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height, mode = image.width, image.height, image.mode
                upright = image.format == "JPEG" and image.getexif().get(0x0112, 1) in (0, 1)
        except Exception:  # Pillow raises many kinds on broken files; the general way says why
            return False
        if not upright or mode not in JPEG_SPACES or not width or not height:
            return False
        pad = pdfimage.MARGIN * max(width, height)
        framed_w, framed_h = width + 2 * pad, height + 2 * pad
        page_w, page_h = (pdfprep.A4_H, pdfprep.A4_W) if framed_w > framed_h else (pdfprep.A4_W, pdfprep.A4_H)
        scale = min(page_w / framed_w, (page_h - pdfprep.BAND) / framed_h)
        x = (page_w - scale * framed_w) / 2 + scale * pad
        y = pdfprep.BAND + (page_h - pdfprep.BAND - scale * framed_h) / 2 + scale * pad
        picture = StreamObject()
        picture._data = data  # DCTDecode: the JPEG's bytes are the stream
        picture.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Image"),
                NameObject("/Width"): NumberObject(width),
                NameObject("/Height"): NumberObject(height),
                NameObject("/ColorSpace"): NameObject(JPEG_SPACES[mode]),
                NameObject("/BitsPerComponent"): NumberObject(8),
                NameObject("/Filter"): NameObject("/DCTDecode"),
            }
        )
        page = self.writer.add_blank_page(page_w, page_h)
        page[NameObject("/Resources")] = DictionaryObject(
            {
                NameObject("/XObject"): DictionaryObject(
                    {NameObject(PICTURE): self.writer._add_object(picture)}
                )
            }
        )
        draw = StreamObject()
        draw.set_data(
            f"q {scale * width:.3f} 0 0 {scale * height:.3f} {x:.3f} {y:.3f} cm {PICTURE} Do Q".encode()
        )
        page[NameObject("/Contents")] = self.writer._add_object(draw)
        self._stamp(page, [(STAMP_X_MM, STAMP_Y_MM, STAMP_SIZE, label)])
        return True

    def add(self, prepared: pdfprep.Prepared, label: str, filename: str) -> None:
        if prepared.pdf is None:
            page = self.writer.add_blank_page(pdfprep.A4_W, pdfprep.A4_H)
            problem = (
                _("Bilaget %(file)s kan ikke vises: %(problem)s", file=filename, problem=prepared.problem)
                if filename
                else prepared.problem
            )
            self._stamp(page, [(STAMP_X_MM, STAMP_Y_MM, STAMP_SIZE, label), (STAMP_X_MM, 270, 12, problem)])
            return
        for source in PdfReader(io.BytesIO(prepared.pdf)).pages:
            page = self.writer.add_page(source)
            self._stamp(page, [(STAMP_X_MM, STAMP_Y_MM, STAMP_SIZE, label)])

    def note(self, text: str) -> None:
        """A page that only says ``text``."""
        page = self.writer.add_blank_page(pdfprep.A4_W, pdfprep.A4_H)
        self._stamp(page, [(STAMP_X_MM, 270, 12, text)])

    def output(self) -> bytes:
        out = io.BytesIO()
        self.write(out)
        return out.getvalue()

    def write(self, out: BinaryIO) -> None:
        """The PDF into ``out`` (a file: a big batch need not be held in memory twice)."""
        self.writer.write(out)
