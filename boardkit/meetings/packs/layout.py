"""Page layout for meeting packs: type sizes, colours and a flow that fills pages top to bottom.

The pack is planned before it is drawn (see :mod:`boardkit.core.pdf.book`): a :class:`Flow`
collects blocks of known height, starts a new page when the next block does not fit, and
finally adds its pages to the book. Each block draws itself later, at its planned position.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from boardkit.core import pdf
from boardkit.core.pdf import book as pdfbook
from boardkit.core.pdf import prep as pdfprep

X = 20.0  # left margin, mm
W = 170.0  # text width
TOP = 22.0
BOTTOM = 297.0 - pdfprep.FOOTER_BAND_MM - 7.0

BLUE = (0, 89, 179)  # DKFDS primary
INK = (26, 26, 26)
GREY = (96, 96, 96)
RULE = (200, 200, 200)
NOTE_FILL = (255, 248, 214)
NOTE_EDGE = (214, 178, 60)
CLOSED_FILL = (253, 236, 210)

Draw = Callable[[pdf.Document], None]
Place = Callable[[pdf.Document, float], None]  # draws a block whose top is at y


@dataclass
class Flow:
    """Blocks laid out over as many pages as they need."""

    book: pdfbook.Book
    footer: str
    top: float = TOP
    continued: Place | None = None  # draws a heading on every page after the first
    continued_h: float = 0.0
    label: pdfbook.Label | None = None
    pages: list[list[tuple[float, Place]]] = field(default_factory=lambda: [[]])
    y: float = TOP

    def __post_init__(self) -> None:
        self.y = self.top

    def room(self) -> float:
        return BOTTOM - self.y

    def new_page(self) -> None:
        self.pages.append([])
        self.y = self.top
        if self.continued is not None:
            self.pages[-1].append((self.y, self.continued))
            self.y += self.continued_h

    def block(self, height: float, place: Place, *, keep: float = 0.0) -> None:
        """A block ``height`` mm high; with ``keep``, that much room must be left after it too
        (a heading stays with what follows)."""
        if self.y + height + keep > BOTTOM and self.pages[-1] and self.y > self.top + self.continued_h:
            self.new_page()
        self.pages[-1].append((self.y, place))
        self.y += height

    def gap(self, height: float) -> None:
        self.y = min(self.y + height, BOTTOM)

    def commit(self) -> int:
        """Add the pages to the book; returns the number of the first."""
        first = self.book.pages + 1
        for n, blocks in enumerate(self.pages):
            self.book.page(_drawer(blocks), footer=self.footer, label=self.label if n == 0 else None)
        return first


def _drawer(blocks: list[tuple[float, Place]]) -> Draw:
    def draw(doc: pdf.Document) -> None:
        for y, place in blocks:
            place(doc, y)
            doc.set_text_color(*INK)

    return draw


def text_lines(
    flow: Flow, lines: list[str], *, size: float = 10.5, h: float = 5.2, keep: float = 0.0
) -> None:
    """Lines of text as blocks of one line each, so a long text flows over pages."""
    for line in lines:

        def place(doc: pdf.Document, y: float, line: str = line) -> None:
            doc.set_text_color(*INK)
            doc.put(X, y, W, line, size=size, h=h)

        flow.block(h, place)


def tag(
    doc: pdf.Document, x: float, y: float, text: str, *, fill: tuple[int, int, int] = CLOSED_FILL
) -> float:
    """A small label with a coloured background (like a DKFDS badge); returns its width."""
    doc.set_font(pdf.FONT, "B", 8)
    width = doc.width(doc.clean(text)) + 4
    doc.set_fill_color(*fill)
    doc.rect(x, y, width, 5, style="F")
    doc.set_text_color(*INK)
    doc.put(x + 2, y + 0.2, width - 4, text, size=8, h=4.6, style="B")
    return width


def link_box(
    doc: pdf.Document, book: pdfbook.Book, x: float, y: float, w: float, h: float, page: int
) -> None:
    if page:
        doc.link(x, y, w, h, book.link(page))
