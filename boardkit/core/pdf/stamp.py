"""What a book lays over its drawn pages when it is rendered: the reader's watermark and "late"
texts (a version, a build time). Each is a little PDF of its own, drawn once per page shape and
kept (cached), so a reader's copy or the next version of a book only binds; see
:mod:`boardkit.core.pdf.book`."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

from boardkit.core.pdf import layout as pdf

WATERMARK_GREY = (110, 110, 110)
WATERMARK_OPACITY = 0.16


@dataclass(frozen=True)
class Late:
    """A line of text set on a page when the book is rendered, over the drawing — for what
    changes between versions without changing the layout (a version, a build time), so the
    drawing of the pages can be reused. ``y`` is the top of the line, in mm."""

    page: int
    x: float
    y: float
    text: str
    size: float = 10.0
    style: str = ""
    grey: bool = True


@functools.lru_cache(maxsize=64)
def watermark_stamp(watermark: str, shapes: tuple[bool, ...], fonts_dir: Path) -> bytes:
    """The watermark as a little PDF of its own, a page per page shape (portrait, landscape),
    to be laid over every page of the book. Kept: the reader gets the next version too."""
    doc = _stamp_document(fonts_dir, heavy=True)
    for landscape in shapes:
        doc.add_page(orientation="L" if landscape else "P")
        _watermark(doc, watermark.replace("\n", " ").strip())
    return _stamp_pdf(doc)


@functools.lru_cache(maxsize=16)
def late_stamp(extra: tuple[tuple[bool, tuple[Late, ...]], ...], fonts_dir: Path) -> bytes:
    """The late texts as a little PDF of its own, a page per page that has some. Kept: every
    reader's copy of a version has the same."""
    doc = _stamp_document(fonts_dir, heavy=False)
    for landscape, texts in extra:
        doc.add_page(orientation="L" if landscape else "P")
        for t in texts:
            doc.set_font(pdf.FONT, t.style, t.size)
            doc.set_text_color(*(pdf.GREY if t.grey else (0, 0, 0)))
            doc.text(t.x, t.y + 0.5 * pdf.LINE_H + 0.3 * t.size * 25.4 / 72, t.text)
    return _stamp_pdf(doc)


def _stamp_document(fonts_dir: Path, *, heavy: bool) -> FPDF:
    doc = FPDF(unit="mm", format="A4")
    if heavy:
        doc.add_font(pdf.FONT_HEAVY, "", str(fonts_dir / "IBMPlexSans-Bold.ttf"))
    else:
        for style, face in pdf.FACES.items():
            doc.add_font(pdf.FONT, style, str(fonts_dir / f"IBMPlexSans-{face}.ttf"))
    doc.set_auto_page_break(False)
    doc.alias_nb_pages("")
    return doc


def _stamp_pdf(doc: FPDF) -> bytes:
    # fpdf2 tags every font subset "MPDFAA+"; these subsets differ from the book's own, so they
    # get a tag of their own (of the same length: the file's offsets stay right).
    return bytes(doc.output()).replace(b"/MPDFAA+", b"/BKSTMP+")


def _watermark(doc: FPDF, text: str) -> None:
    angle = math.degrees(math.atan2(doc.h, doc.w))
    doc.set_font(pdf.FONT_HEAVY, "", 10)
    size = min(54.0, 10 * 0.75 * math.hypot(doc.w, doc.h) / max(doc.get_string_width(text), 1.0))
    doc.set_font_size(size)
    cx, cy = doc.w / 2, doc.h / 2
    with doc.local_context(fill_opacity=WATERMARK_OPACITY), doc.rotation(angle, cx, cy):
        doc.set_text_color(*WATERMARK_GREY)
        doc.text(cx - doc.get_string_width(text) / 2, cy + 0.35 * size * 25.4 / 72, text)
