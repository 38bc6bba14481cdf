"""PDF drawing with fpdf2: A4 documents in IBM Plex Sans and letters for window envelopes.

Generic: knows paper, fonts and layout, nothing about meetings. A letter is described as data
(:class:`LetterSpec` with a list of blocks); :func:`draw_letter` lays it out in two steps —
measure every block, then place them on pages — so it knows how many pages a letter takes
before it draws the first one and can print "Side 1 af 2".
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import MethodReturnValue

FONTS_DIR = Path(__file__).resolve().parents[3] / "static" / "vendor" / "fonts"
FONT = "plex"
# fpdf2 styles → IBM Plex Sans faces. "B" is SemiBold, the weight DKFDS uses for headings,
# so paper and screen match; Bold is registered as its own family for the rare heavy title.
FACES = {"": "Regular", "I": "Italic", "B": "SemiBold"}
FONT_HEAVY = "plex-bold"

PAGE_W, PAGE_H = 210.0, 297.0
MARGIN_LEFT, MARGIN_RIGHT = 25.0, 20.0  # DIN 5008
TEXT_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    def contains(self, x: float, y: float) -> bool:
        return self.x <= x <= self.x + self.w and self.y <= y <= self.y + self.h


# The window of a C5 window envelope (DIN 680: 90 × 45 mm, 20 mm from the left edge, 50 mm from
# the top) over an A4 sheet folded once at 148.5 mm, which is also DIN 5008 form B's address
# field. The paper can shift a few millimetres inside the envelope, so everything printed for
# the window keeps 5 mm from its left and right edges and 4 mm from its top and bottom.
WINDOW = Box(20.0, 50.0, 90.0, 45.0)
ADDRESS_AREA = Box(25.0, 54.0, 80.0, 37.0)
FOLD_Y = PAGE_H / 2
INFO_X = 125.0  # DIN 5008 information block beside the window
BODY_TOP_FIRST = 98.0
BODY_TOP_NEXT = 30.0
BODY_BOTTOM = 276.0
FOOTER_Y = 280.0

BODY_SIZE, LINE_H = 10.0, 4.5
LIST_LINE_H = 4.3
GREY = (90, 90, 90)


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: str = ""
    space_after: float = 2.5


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Facts:
    """A two-column table of label and value, e.g. "Tid" → "tirsdag den 5. januar 2027 kl. 19.00"."""

    rows: list[tuple[str, str]]
    label_w: float = 28.0


@dataclass(frozen=True)
class Items:
    items: list[str]
    numbered: bool = True
    numbers: list[int] | None = None  # the items' own numbers (an agenda's), else 1, 2, 3 …


Block = Paragraph | Heading | Facts | Items


@dataclass
class LetterSpec:
    sender_name: str
    sender_lines: list[str]  # under the name, top right: address, phone, web
    return_address: str  # the small line above the recipient, inside the window
    recipient_lines: list[str]
    info: list[tuple[str, str]]  # the information block beside the window: date, reference …
    subject: str
    blocks: list[Block]
    closing: list[str] = field(default_factory=list)  # "Med venlig hilsen", signature lines
    footer: str = ""
    running_head: str = ""  # at the top of continuation pages


class Document(FPDF):
    """An A4 document with IBM Plex Sans embedded (subset) and metadata set."""

    def __init__(self, fonts_dir: Path) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        for style, face in FACES.items():
            self.add_font(FONT, style, str(fonts_dir / f"IBMPlexSans-{face}.ttf"))
        self.add_font(FONT_HEAVY, "", str(fonts_dir / "IBMPlexSans-Bold.ttf"))
        self.set_auto_page_break(False)
        self.set_margins(MARGIN_LEFT, 20.0, MARGIN_RIGHT)
        self.c_margin = 0
        self.set_font(FONT, "", BODY_SIZE)
        self._glyphs: frozenset[int] = frozenset(self.fonts[FONT].cmap)  # type: ignore[union-attr]
        # The same as characters (and the line break), for a set comparison at C speed: a long
        # document cleans every line it draws.
        self._drawable: frozenset[str] = frozenset(map(chr, self._glyphs)) | {"\n"}
        # Letters of one batch share most of their text: wrap and measure each piece once.
        self._wrapped: dict[tuple[str, float, str, float], list[str]] = {}
        self._widths: dict[tuple[str, str, float, str], float] = {}

    def clean(self, text: str) -> str:
        """NFC text the font can draw: decomposed input is composed, unknown characters degrade."""
        text = unicodedata.normalize("NFC", text).replace("\t", " ").replace("\r", "")
        if self._drawable.issuperset(text):
            return text
        out = []
        for ch in text:
            if ord(ch) in self._glyphs or ch == "\n":
                out.append(ch)
                continue
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if ord(c) in self._glyphs)
            out.append(base if base and not unicodedata.combining(base[0]) else "?")
        return "".join(out)

    def put(
        self,
        x: float,
        y: float,
        w: float,
        text: str,
        *,
        style: str = "",
        size: float = BODY_SIZE,
        h: float = LINE_H,
        align: str = "L",
        family: str = FONT,
    ) -> float:
        """One line of text in a cell of width ``w`` whose top is at ``y``; text that is too wide
        is set smaller (down to 80 %), then cut with an ellipsis, so it never leaves its box.
        Returns the width drawn."""
        text = self.clean(text).replace("\n", " ")
        self.set_font(family, style, size)
        width = self.width(text)
        if width > w:
            self.set_font(family, style, max(size * 0.8, size * w / width))
            if self.width(text) > w:
                while text and self.width(text + "…") > w:
                    text = text[:-1]
                text = text.rstrip() + "…"
        drawn = self.width(text)
        if align == "R":
            x += w - drawn
        elif align == "C":
            x += (w - drawn) / 2
        # Baseline where cell() would put it (vertically centred in a line of height h); text()
        # is several times cheaper than cell(), which matters for batches of hundreds of letters.
        self.text(x, y + 0.5 * h + 0.3 * self.font_size, text)
        return drawn

    def lines(self, text: str, w: float, *, style: str = "", size: float = BODY_SIZE) -> list[str]:
        """``text`` broken into the lines it takes in a column ``w`` wide."""
        key = (text, w, style, size)
        if key not in self._wrapped:
            self.set_font(FONT, style, size)
            result = self.multi_cell(
                w, LINE_H, self.clean(text), dry_run=True, output=MethodReturnValue.LINES
            )
            assert isinstance(result, list)
            self._wrapped[key] = result or [""]
        return self._wrapped[key]

    def width(self, text: str) -> float:
        """The width of ``text`` in the current font (cached)."""
        key = (self.font_family, self.font_style, self.font_size_pt, text)
        if key not in self._widths:
            self._widths[key] = float(self.get_string_width(text))
        return self._widths[key]


def new_document(
    *,
    title: str,
    author: str = "",
    subject: str = "",
    fonts_dir: Path = FONTS_DIR,
    created: datetime | None = None,
) -> Document:
    """An empty A4 document in Danish with title, author and producer set."""
    doc = Document(fonts_dir)
    doc.set_lang("da")
    doc.set_title(title)
    doc.set_subject(subject)
    doc.set_author(author or "boardkit")
    doc.set_creator("boardkit")
    doc.set_producer("boardkit")
    if created is not None:
        doc.set_creation_date(created)
    doc.set_display_mode("fullwidth")
    return doc


def finish(doc: Document) -> bytes:
    return bytes(doc.output())


# --- letters -----------------------------------------------------------------------------


Cell = tuple[float, str, str]  # x offset from the left margin, style, text


@dataclass
class _Unit:
    """A piece of a letter that is never split over two pages: rows of cells, one row a line."""

    height: float
    rows: list[list[Cell]]
    gap_before: float = 0.0
    keep_with_next: bool = False
    line_h: float = LINE_H


def _units(doc: Document, blocks: list[Block]) -> list[_Unit]:
    units: list[_Unit] = []
    for block in blocks:
        if isinstance(block, Heading):
            units.append(_Unit(LINE_H + 0.8, [[(0.0, "B", block.text)]], gap_before=1.5, keep_with_next=True))
        elif isinstance(block, Paragraph):
            rows = [[(0.0, block.style, t)] for t in doc.lines(block.text, TEXT_W, style=block.style)]
            # Short paragraphs stay together; long ones may break between lines.
            chunks = [rows] if len(rows) <= 6 else [[row] for row in rows]
            for n, chunk in enumerate(chunks):
                after = block.space_after if n == len(chunks) - 1 else 0.0
                units.append(_Unit(LINE_H * len(chunk) + after, chunk))
        elif isinstance(block, Facts):
            if not block.rows:
                continue
            for label, value in block.rows:
                values = doc.lines(value, TEXT_W - block.label_w)
                rows = [[(0.0, "B", label), (block.label_w, "", values[0])]]
                rows += [[(block.label_w, "", t)] for t in values[1:]]
                units.append(_Unit(LINE_H * len(rows) + 0.6, rows))
            units[-1].height += 2
        elif block.items:
            numbers = block.numbers or list(range(1, len(block.items) + 1))
            for n, item in zip(numbers, block.items, strict=False):
                mark = f"{n}." if block.numbered else "\u2022"
                texts = doc.lines(item, TEXT_W - 7)
                rows = [[(0.0, "", mark), (7.0, "", texts[0])]] + [[(7.0, "", t)] for t in texts[1:]]
                units.append(_Unit(LIST_LINE_H * len(rows), rows, line_h=LIST_LINE_H))
            units[-1].height += 2.5
    return units


def _paginate(units: list[_Unit], first_room: float, next_room: float) -> list[list[_Unit]]:
    pages: list[list[_Unit]] = [[]]
    room = first_room
    i = 0
    while i < len(units):
        # A heading (and the closing lines) travel with the unit after them.
        group = [units[i]]
        while group[-1].keep_with_next and i + len(group) < len(units):
            group.append(units[i + len(group)])
        need = sum(u.height + u.gap_before for u in group)
        if need > room and pages[-1]:
            pages.append([])
            room = next_room
        pages[-1].extend(group)
        room -= need
        i += len(group)
    return pages


def _draw_unit(doc: Document, unit: _Unit, y: float) -> None:
    for n, row in enumerate(unit.rows):
        for x, style, text in row:
            doc.put(MARGIN_LEFT + x, y + n * unit.line_h, TEXT_W - x, text, style=style, h=unit.line_h)


def draw_letter(doc: Document, spec: LetterSpec, *, label: str = "") -> int:
    """Draw one letter from a new page on; returns how many pages it took."""
    # Measuring needs a page to measure on: the letter's first one.
    doc.add_page(
        label_style="D" if label else None, label_prefix=f"{label}-" if label else None, label_start=1
    )
    units = _units(doc, spec.blocks)
    closing = [_Unit(LINE_H, [[(0.0, "", line)]]) for line in spec.closing]
    if closing:
        closing[0].gap_before = 3.0
        for unit in closing[:-1]:
            unit.keep_with_next = True
    subject_lines = doc.lines(spec.subject, TEXT_W, style="B", size=13)
    first_top = BODY_TOP_FIRST + 6.5 * len(subject_lines) + 3
    pages = _paginate(units + closing, BODY_BOTTOM - first_top, BODY_BOTTOM - BODY_TOP_NEXT)
    total = len(pages)
    for number, page_units in enumerate(pages, start=1):
        if number == 1:
            _first_page(doc, spec, subject_lines)
            y = first_top
        else:
            doc.add_page(
                label_style="D" if label else None,
                label_prefix=f"{label}-" if label else None,
                label_start=number,
            )
            doc.put(MARGIN_LEFT, 15, TEXT_W, spec.running_head or spec.subject, size=8.5)
            y = BODY_TOP_NEXT
        for unit in page_units:
            y += unit.gap_before
            _draw_unit(doc, unit, y)
            y += unit.height
        _footer(doc, spec, number, total)
    return total


def _first_page(doc: Document, spec: LetterSpec, subject_lines: list[str]) -> None:
    # Letterhead: the sender top right, as Danish letters have it.
    doc.put(INFO_X, 18, PAGE_W - MARGIN_RIGHT - INFO_X, spec.sender_name, size=12, family=FONT_HEAVY)
    for n, line in enumerate(spec.sender_lines):
        doc.put(INFO_X, 24.5 + n * 4.3, PAGE_W - MARGIN_RIGHT - INFO_X, line, size=8.5, h=4.3)
    # Window: return address in small print, a gap, then the recipient.
    doc.set_text_color(*GREY)
    doc.put(ADDRESS_AREA.x, ADDRESS_AREA.y, ADDRESS_AREA.w, spec.return_address, size=7, h=3.5)
    doc.set_text_color(0, 0, 0)
    doc.set_draw_color(*GREY)
    doc.set_line_width(0.1)
    doc.line(ADDRESS_AREA.x, ADDRESS_AREA.y + 3.8, ADDRESS_AREA.x + ADDRESS_AREA.w, ADDRESS_AREA.y + 3.8)
    # A long line (several names) wraps while the window has room; otherwise it is set smaller.
    wrapped = [part for line in spec.recipient_lines for part in doc.lines(line, ADDRESS_AREA.w, size=10.5)]
    for n, line in enumerate(wrapped if len(wrapped) <= 6 else spec.recipient_lines[:6]):
        doc.put(ADDRESS_AREA.x, ADDRESS_AREA.y + 7 + n * 4.8, ADDRESS_AREA.w, line, size=10.5, h=4.8)
    # Information block beside the window.
    for n, (label, value) in enumerate(spec.info):
        y = WINDOW.y + 4 + n * 4.6
        doc.put(INFO_X, y, 22, label, size=8.5, h=4.6, style="B")
        doc.put(INFO_X + 22, y, PAGE_W - MARGIN_RIGHT - INFO_X - 22, value, size=8.5, h=4.6)
    # Fold mark for the C5 envelope (one fold, in the middle).
    doc.line(4, FOLD_Y, 9, FOLD_Y)
    for n, line in enumerate(subject_lines):
        doc.put(MARGIN_LEFT, BODY_TOP_FIRST + n * 6.5, TEXT_W, line, style="B", size=13, h=6.5)


def _footer(doc: Document, spec: LetterSpec, number: int, total: int) -> None:
    doc.set_draw_color(*GREY)
    doc.line(MARGIN_LEFT, FOOTER_Y - 2, PAGE_W - MARGIN_RIGHT, FOOTER_Y - 2)
    doc.set_text_color(*GREY)
    doc.put(MARGIN_LEFT, FOOTER_Y, TEXT_W - 30, spec.footer, size=7.5, h=4)
    doc.put(PAGE_W - MARGIN_RIGHT - 30, FOOTER_Y, 30, f"Side {number} af {total}", size=7.5, h=4, align="R")
    doc.set_text_color(0, 0, 0)
