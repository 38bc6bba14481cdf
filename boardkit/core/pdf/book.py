"""A book: drawn pages and pages of prepared PDFs bound into one PDF.

Generic: knows pages, nothing about meetings. A book is planned first and drawn at the end, so
every page knows the page count for its "Side n af N":

* :meth:`Book.page` adds a drawn page — a callback that draws on the fpdf2 document;
* :meth:`Book.attach` adds the pages of a PDF made by :func:`boardkit.core.pdf.prep.prepare`
  ("slot" pages: the prepared page lies UNDER what the book draws on that page);
* :meth:`Book.bookmark` adds an outline entry, :meth:`Book.link` a link target, page labels
  come with the pages.

:meth:`Book.render` draws every page with fpdf2 (the callback, then the running footer), once;
then :mod:`boardkit.core.pdf.join` binds them with pikepdf: each slot's Form XObject under its
page's content, the watermark and any late texts (:mod:`boardkit.core.pdf.stamp`) over it — a
reference and a tiny content stream per page, never parsing any content. Rendering the same
book again with another watermark (the next reader's copy) only binds again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from boardkit.core.i18n import _
from boardkit.core.pdf import join as pdfjoin
from boardkit.core.pdf import layout as pdf
from boardkit.core.pdf import prep as pdfprep
from boardkit.core.pdf import stamp as pdfstamp
from boardkit.core.pdf.stamp import Late

SIDE = 15.0  # mm from the page edge to the footer
FOOTER_SIZE = 7.5

Draw = Callable[[pdf.Document], None]


@dataclass(frozen=True)
class Label:
    """A page label range starting at a page: ``style`` "D" (1, 2 …), "r"/"R" (roman), "a"/"A"
    (letters) or None for the prefix alone (e.g. "Forside")."""

    prefix: str = ""
    style: str | None = "D"
    start: int = 1


@dataclass
class _Page:
    footer: str
    landscape: bool
    draw: Draw | None = None
    slot: tuple[int, int] | None = None  # (source, page index in it)
    label: Label | None = None
    marks: list[tuple[str, int, float]] = field(default_factory=list)  # (title, level, y)


class Book:
    def __init__(
        self,
        *,
        title: str,
        author: str = "",
        subject: str = "",
        language: str = "da",
        watermark: str = "",
        created: datetime | None = None,
        fonts_dir: Path = pdf.FONTS_DIR,
    ) -> None:
        self.doc = pdf.new_document(
            title=title, author=author, subject=subject, fonts_dir=fonts_dir, created=created
        )
        self.doc.set_lang(language)
        self.doc.alias_nb_pages("")  # no "{nb}" magic in people's text
        self.watermark = watermark
        self._fonts = fonts_dir
        self._lock = threading.Lock()
        self._drawn: bytes | None = None
        self._footers: dict[tuple[str, float], str] = {}
        self._pages: list[_Page] = []
        self._sources: list[_Source] = []

    @property
    def pages(self) -> int:
        return len(self._pages)

    def page(
        self, draw: Draw, *, footer: str = "", landscape: bool = False, label: Label | None = None
    ) -> int:
        """A drawn page; ``draw`` is called with the document when the book is rendered.
        Returns the page's number (1-based)."""
        self._pages.append(_Page(footer, landscape, draw=draw, label=label))
        return len(self._pages)

    def attach(self, prepared: bytes, *, footer: str = "", label: Label | None = None) -> int:
        """Every page of a prepared PDF as a page of the book; returns the first one's number."""
        source = _source(prepared)
        self._sources.append(source)
        first = len(self._pages) + 1
        for index, page in enumerate(source.pages):
            self._pages.append(
                _Page(
                    footer,
                    page.width > page.height,
                    slot=(len(self._sources) - 1, index),
                    label=label if index == 0 else None,
                )
            )
        return first

    def bookmark(self, title: str, *, level: int = 0, page: int | None = None, y: float = 0.0) -> None:
        """An outline entry pointing at ``page`` (default: the last page added), ``y`` mm down."""
        self._pages[(page or len(self._pages)) - 1].marks.append((title, level, y))

    def link(self, page: int, y: float = 0.0) -> int:
        """A link target for ``doc.link(x, y, w, h, target)`` in a draw callback."""
        return self.doc.add_link(page=page, y=y)

    def lines(self, text: str, w: float, *, style: str = "", size: float = pdf.BODY_SIZE) -> list[str]:
        """``text`` wrapped into lines of at most ``w`` mm (paragraph breaks kept; a word longer
        than a line is broken). Needs no page, so a book can be planned before it is drawn."""
        doc = self.doc
        doc.set_font(pdf.FONT, style, size)
        space = doc.width(" ")
        out: list[str] = []
        for paragraph in doc.clean(text).split("\n"):
            line, line_w = "", 0.0
            for word in paragraph.split():
                word_w = doc.width(word)
                while word_w > w:  # a URL or a long number: cut it where it overflows
                    cut = max(1, next((i for i in range(1, len(word) + 1) if doc.width(word[:i]) > w), 2) - 1)
                    if line:
                        out.append(line)
                        line, line_w = "", 0.0
                    out.append(word[:cut])
                    word = word[cut:]
                    word_w = doc.width(word)
                if line and line_w + space + word_w > w:
                    out.append(line)
                    line, line_w = "", 0.0
                line, line_w = (f"{line} {word}", line_w + space + word_w) if line else (word, word_w)
            out.append(line)
        return out

    def render(self, *, watermark: str | None = None, late: tuple[Late, ...] = ()) -> bytes:
        """The book as PDF bytes, with ``watermark`` (default: the book's) over every page and the
        ``late`` texts on their pages. The pages are drawn once: rendering the same book again
        with another watermark (the next reader's copy) only binds anew, several times faster.
        Thread-safe."""
        watermark = self.doc.clean(self.watermark if watermark is None else watermark)
        with self._lock:
            if self._drawn is None:
                self._drawn = self._draw()
            drawn = self._drawn
        slots = [(n, p.slot) for n, p in enumerate(self._pages) if p.slot is not None]
        stamps: list[tuple[bytes, list[int]]] = []
        late = tuple(replace(t, text=self.doc.clean(t.text)) for t in late if 0 < t.page <= len(self._pages))
        if late:
            on = sorted({t.page for t in late})
            extra = tuple((self._pages[n - 1].landscape, tuple(t for t in late if t.page == n)) for n in on)
            over = [on.index(n) if n in on else -1 for n in range(1, len(self._pages) + 1)]
            stamps.append((pdfstamp.late_stamp(extra, self._fonts), over))
        if watermark.strip():
            shapes = tuple(sorted({p.landscape for p in self._pages}))
            over = [shapes.index(p.landscape) for p in self._pages]
            stamps.append((pdfstamp.watermark_stamp(watermark, shapes, self._fonts), over))
        return pdfjoin.bind(drawn, [(n, self._sources[s].data, i) for n, (s, i) in slots], stamps=stamps)

    @property
    def drawing(self) -> bytes | None:
        """The drawn pages (before binding), once rendered: for :meth:`use_drawing`."""
        return self._drawn

    def use_drawing(self, drawn: bytes) -> None:
        """Take the drawing of an earlier book whose pages draw exactly the same (same layout and
        texts; the attached PDFs and the ``late`` texts may differ) instead of drawing again."""
        with self._lock:
            if self._drawn is None:
                self.close()
                self._drawn = drawn

    def shape(self) -> tuple[tuple[bool, bool], ...]:
        """(landscape, attached) for every page: part of what makes two books draw the same."""
        return tuple((p.landscape, p.slot is not None) for p in self._pages)

    def close(self) -> None:
        """Close the font files of a book that will not be rendered (rendering closes them)."""
        for font in self.doc.fonts.values():
            close = getattr(font, "close", None)
            if close is not None:
                close()

    def _draw(self) -> bytes:
        doc = self.doc
        total = len(self._pages)
        for number, page in enumerate(self._pages, start=1):
            label = page.label
            doc.add_page(
                orientation="L" if page.landscape else "P",
                label_style=label.style if label else None,
                label_prefix=label.prefix if label else None,
                label_start=label.start if label else None,
            )
            for title, level, y in page.marks:
                doc.set_y(y)
                doc.start_section(doc.clean(title), level=level, strict=False)
            doc.set_y(0)
            if page.draw is not None:
                page.draw(doc)
            self._footer(page.footer, number, total)
        drawn = pdf.finish(doc)
        doc.pages.clear()  # the drawing is kept as bytes; the book may stay cached a while
        return drawn

    def _footer(self, text: str, number: int, total: int) -> None:
        doc = self.doc
        y = doc.h - pdfprep.FOOTER_BAND_MM + 3.0
        width = doc.w - 2 * SIDE
        doc.set_draw_color(*pdf.GREY)
        doc.set_line_width(0.15)
        doc.line(SIDE, y, doc.w - SIDE, y)
        doc.set_text_color(*pdf.GREY)
        # Many pages share a footer text (an attachment's pages): fit it to its box once.
        key = (text, width)
        if key not in self._footers:
            doc.set_font(pdf.FONT, "", FOOTER_SIZE)
            self._footers[key] = doc.clean(text) if doc.width(doc.clean(text)) <= width - 32 else ""
        fitted = self._footers[key]
        baseline = y + 1.2 + 0.5 * 4 + 0.3 * FOOTER_SIZE * 25.4 / 72
        if fitted:
            doc.set_font(pdf.FONT, "", FOOTER_SIZE)
            doc.text(SIDE, baseline, fitted)
        else:  # too long: put() sets it smaller or cuts it
            doc.put(SIDE, y + 1.2, width - 32, text, size=FOOTER_SIZE, h=4)
        counter = _("Side %(n)s af %(pages)s", n=number, pages=total)
        doc.set_font(pdf.FONT, "", FOOTER_SIZE)
        doc.text(doc.w - SIDE - doc.get_string_width(counter), baseline, counter)
        doc.set_text_color(0, 0, 0)


@dataclass(frozen=True)
class _Source:
    data: bytes
    pages: list[pdfjoin.Page]


def _source(prepared: bytes) -> _Source:
    """A prepared PDF read for joining; a PDF not (or no longer) in that shape is prepared again."""
    for attempt in range(2):
        try:
            return _Source(prepared, pdfjoin.read(prepared))
        except pdfjoin.Unusable:
            pass
        if attempt == 0:
            again = pdfprep.prepare(prepared, "application/pdf").pdf
            if again is None:
                break
            prepared = again
    raise ValueError("not a PDF that boardkit.core.pdf.prep.prepare() can use")
