"""The pack's pages for one agenda item: its own page(s), then its files' pages."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from boardkit.core import pdf
from boardkit.core.i18n import _, ngettext
from boardkit.core.pdf import book as pdfbook
from boardkit.meetings.packs.layout import (
    BLUE,
    GREY,
    INK,
    NOTE_EDGE,
    NOTE_FILL,
    RULE,
    TOP,
    Flow,
    W,
    X,
    link_box,
    tag,
    text_lines,
)

if TYPE_CHECKING:
    from boardkit.meetings.packs.pdf import PackFile, PackItem

LINE = 5.2  # description line height


def material_deleted_text() -> str:
    """What an item whose material retention deleted says, in the pack's language."""
    return _("Materialet er slettet efter opbevaringsreglerne.")


def kind_label(kind: str) -> str:
    return {"information": _("Orientering"), "discussion": _("Drøftelse"), "decision": _("Beslutning")}.get(
        kind, kind
    )


def meta(item: PackItem) -> str:
    """Kind and presenter, as the agenda and the item page show them."""
    if item.redacted:
        return ""
    parts = [kind_label(item.kind)]
    if item.presenter:
        parts.append(_("Fremlægges af %(name)s", name=item.presenter))
    return " · ".join(parts)


Starts = dict[int, int]  # item's position in the pack → its first page
# (item's position, file's position) → (first page, pages, shown: False for a placeholder)
FileStarts = dict[tuple[int, int], tuple[int, int, bool]]


def item(
    book: pdfbook.Book, meeting_title: str, key: int, item: PackItem, starts: Starts, files_at: FileStarts
) -> None:
    """The item's page(s) and its files' pages, with bookmarks; records where they start."""
    where = _("Punkt %(n)s: %(title)s", n=item.number, title=item.title)
    footer = f"{meeting_title} · {where}"

    def continued(doc: pdf.Document, y: float) -> None:
        doc.set_text_color(*GREY)
        doc.put(X, y, W, _("%(where)s (fortsat)", where=where), size=9, style="B")

    flow = Flow(book, footer=footer, continued=continued, continued_h=9)
    _heading(flow, book, item)
    files = [] if item.redacted else list(enumerate(item.files))
    if item.material_deleted and not item.redacted:
        text_lines(flow, book.lines(material_deleted_text(), W, size=10.5), size=10.5, h=LINE)
    if not item.redacted:
        for n, paragraph in enumerate(
            p for p in item.description.replace("\r", "").split("\n\n") if p.strip()
        ):
            if n:
                flow.gap(2.6)
            text_lines(flow, book.lines(paragraph.strip(), W, size=10.5), size=10.5, h=LINE)
        if files:
            _file_list(flow, book, key, files, files_at)
        if item.note.strip():
            _note(flow, book, item.note)
    starts[key] = flow.commit()
    book.bookmark(f"{item.number}. {item.title}", level=0, page=starts[key])
    for index, file in files:
        file_footer = f"{footer} · {file.filename}"
        first, shown = book.pages + 1, file.pdf is not None
        try:
            if file.pdf is not None:
                book.attach(file.pdf, footer=file_footer)
        except ValueError:  # one bad file costs a placeholder page, never the pack
            shown, file = False, replace(file, problem=_("Filen er beskadiget og kan ikke læses."))
        if not shown:
            book.page(_placeholder(item, file), footer=file_footer)
        files_at[(key, index)] = (first, book.pages - first + 1, shown)
        book.bookmark(file.filename, level=1, page=first)


def _heading(flow: Flow, book: pdfbook.Book, item: PackItem) -> None:
    title = book.lines(item.title, W, size=19)
    info = meta(item)

    def draw(doc: pdf.Document, y: float) -> None:
        doc.set_text_color(*BLUE)
        doc.put(X, y, W, _("Punkt %(n)s", n=item.number).upper(), size=10, style="B")
        doc.set_text_color(*INK)
        for n, line in enumerate(title):
            doc.put(X, y + 7 + n * 8.4, W, line, size=19, h=8.4, family=pdf.FONT_HEAVY)
        y += 7 + 8.4 * len(title) + 1.5
        x = X
        if item.closed:
            x += tag(doc, x, y + 0.3, _("Lukket punkt")) + 2.5
        doc.set_text_color(*GREY)
        doc.put(x, y, X + W - x, info, size=10, h=5.6)
        doc.set_draw_color(*RULE)
        doc.set_line_width(0.3)
        doc.line(X, y + 9, X + W, y + 9)

    flow.block(7 + 8.4 * len(title) + 1.5 + 14, draw)


def _file_list(
    flow: Flow, book: pdfbook.Book, key: int, files: list[tuple[int, PackFile]], files_at: FileStarts
) -> None:
    flow.gap(5)

    def heading(doc: pdf.Document, y: float) -> None:
        doc.set_text_color(*INK)
        doc.put(X, y, W, _("Bilag"), size=12, h=6, style="B")

    flow.block(8, heading, keep=6)
    for index, file in files:

        def row(doc: pdf.Document, y: float, index: int = index, file: PackFile = file) -> None:
            page, count, shown = files_at.get((key, index), (0, 0, False))
            doc.set_text_color(*BLUE)
            doc.put(X, y, W - 60, file.filename, size=10.5, h=6)
            doc.set_text_color(*GREY)
            note = ngettext("%(num)s side", "%(num)s sider", count) if shown else _("kan ikke vises")
            doc.put(X + W - 60, y, 38, note, size=9.5, h=6, align="R")
            doc.put(X + W - 20, y, 20, _("side %(n)s", n=page) if page else "", size=9.5, h=6, align="R")
            link_box(doc, book, X, y, W, 6, page)
            doc.set_draw_color(*RULE)
            doc.set_line_width(0.15)
            doc.line(X, y + 6.5, X + W, y + 6.5)

        flow.block(7, row)


def _note(flow: Flow, book: pdfbook.Book, note: str) -> None:
    flow.gap(6)
    lines = book.lines(note.strip(), W - 10, size=10.5)

    def band(doc: pdf.Document, y: float, h: float) -> None:
        doc.set_fill_color(*NOTE_FILL)
        doc.rect(X, y, W, h, style="F")
        doc.set_fill_color(*NOTE_EDGE)
        doc.rect(X, y, 1.2, h, style="F")

    def heading(doc: pdf.Document, y: float) -> None:
        band(doc, y, 13.5)
        doc.set_text_color(*INK)
        doc.put(X + 5, y + 3, W - 10, _("Min note"), size=11, h=5.5, style="B")
        doc.set_text_color(*GREY)
        doc.put(X + 5, y + 8, W - 10, _("Kun du kan se denne note."), size=8.5, h=4)

    flow.block(13.5, heading, keep=LINE)
    for line in lines:

        def place(doc: pdf.Document, y: float, line: str = line) -> None:
            band(doc, y, LINE)
            doc.set_text_color(*INK)
            doc.put(X + 5, y, W - 10, line, size=10.5, h=LINE)

        flow.block(LINE, place)
    flow.block(3, lambda doc, y: band(doc, y, 3))


def _placeholder(item: PackItem, file: PackFile) -> pdfbook.Draw:
    def draw(doc: pdf.Document) -> None:
        doc.set_text_color(*BLUE)
        eyebrow = _("Punkt %(n)s", n=item.number) + " · " + _("Bilag")
        doc.put(X, TOP, W, eyebrow.upper(), size=10, style="B")
        top = 90.0
        doc.set_draw_color(*RULE)
        doc.set_line_width(0.4)
        doc.set_fill_color(245, 245, 245)
        doc.rect(X, top, W, 80, style="DF")
        doc.set_text_color(*INK)
        heading = _("Bilaget kan ikke vises i mødemappen")
        doc.put(X + 10, top + 12, W - 20, heading, size=16, h=8, family=pdf.FONT_HEAVY)
        doc.put(X + 10, top + 26, W - 20, file.filename, size=12, h=6, style="B")
        doc.set_text_color(*GREY)
        y = top + 36
        problem = file.problem or _("Filen er beskadiget og kan ikke læses.")
        for line in doc.lines(problem, W - 20, size=10.5)[:4]:
            doc.put(X + 10, y, W - 20, line, size=10.5, h=5.2)
            y += 5.2
        doc.put(X + 10, top + 64, W - 20, _("Hent den originale fil på mødesiden."), size=10.5, h=5.2)

    return draw
