"""The handover pack as a PDF, drawn like the meeting pack (its layout, IBM Plex, "Side n af N"):
a cover, the contents with a link to each section, then each section from a new page with its tables,
and one bookmark per section (and per table). Plain data in (the pack's frozen content), bytes out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from boardkit.core import pdf
from boardkit.core.i18n import _, ngettext
from boardkit.core.pdf import book as pdfbook
from boardkit.core.templating import fmt_datetime
from boardkit.meetings.packs import service as packs_service

L = packs_service.layout
X, W, TOP = L.X, L.W, L.TOP
CELL, CELL_H, CELL_MAX_LINES = 9.0, 4.3, 30
HEAD_FILL = (238, 242, 247)


def render(content: dict[str, Any], *, created_at: datetime | None = None) -> bytes:
    """The pack's content (``snapshot.build``) as PDF bytes."""
    title = str(content.get("title") or _("Overdragelsesmappe"))
    board = str(content.get("board", ""))
    book = pdfbook.Book(title=f"{title} – {board}", author=board, subject=title, created=created_at)
    try:
        sections = list(content.get("sections", []))
        starts: dict[int, int] = {}
        _cover(book, content, title, created_at)
        _contents(book, sections, starts, f"{title} · {board}")
        for n, section in enumerate(sections):
            starts[n] = _section(book, section, f"{title} · {board}")
    except BaseException:
        book.close()
        raise
    return book.render()


def _cover(book: pdfbook.Book, content: dict[str, Any], title: str, created_at: datetime | None) -> None:
    facts = [(str(a), str(b)) for a, b in content.get("facts", [])]
    board = str(content.get("board", ""))
    sections = len(content.get("sections", []))
    top = 92.0

    def draw(doc: pdf.Document) -> None:
        doc.set_text_color(*L.GREY)
        organisation = next((v for k, v in facts if k == _("Boligorganisation")), "")
        doc.put(X, TOP + 6, W, organisation, size=10.5)
        doc.set_text_color(*L.INK)
        doc.put(X, TOP + 11.5, W, board, size=10.5, style="B")
        doc.set_text_color(*L.BLUE)
        doc.put(X, top - 9, W, _("Til den nye i bestyrelsen"), size=12, style="B")
        doc.set_text_color(*L.INK)
        doc.put(X, top, W, title, size=26, h=11, family=pdf.FONT_HEAVY)
        y = top + 16
        doc.set_fill_color(*L.BLUE)
        doc.rect(X, y, 24, 1.2, style="F")
        y += 9
        for label, value in facts:
            if label in (_("Boligorganisation"),):
                continue
            doc.set_text_color(*L.GREY)
            doc.put(X, y, 40, label, size=10, h=6, style="B")
            doc.set_text_color(*L.INK)
            lines = book.lines(value, W - 42, size=11.5)[:3]
            for n, line in enumerate(lines):
                doc.put(X + 42, y + n * 6, W - 42, line, size=11.5, h=6)
            y += 6 * len(lines) + 2.5
        doc.set_draw_color(*L.RULE)
        doc.set_line_width(0.3)
        doc.line(X, 236, X + W, 236)
        doc.put(X, 241, W, _("Overdragelsesmappe"), size=11, style="B")
        doc.set_text_color(*L.GREY)
        when = _("Lavet %(when)s", when=fmt_datetime(created_at)) if created_at else ""
        doc.put(X, 247, W, when)
        counts = " · ".join(
            (
                ngettext("%(num)s afsnit", "%(num)s afsnit", sections),
                ngettext("%(num)s side", "%(num)s sider", book.pages),
            )
        )
        doc.put(X, 252.5, W, counts)
        doc.put(
            X,
            262,
            W,
            _("Mappen nævner ingen beboer: bestyrelsens medlemmer står med deres rolle."),
            size=9,
        )

    book.page(draw, footer=title, label=pdfbook.Label(prefix=_("Forside"), style=None))
    book.bookmark(_("Forside"))


def _contents(
    book: pdfbook.Book, sections: list[dict[str, Any]], starts: dict[int, int], footer: str
) -> None:
    flow = L.Flow(book, footer=f"{footer} · {_('Indhold')}", label=pdfbook.Label(start=2))

    def heading(doc: pdf.Document, y: float) -> None:
        doc.set_text_color(*L.INK)
        doc.put(X, y, W, _("Indhold"), size=20, h=9, family=pdf.FONT_HEAVY)
        doc.set_text_color(*L.GREY)
        doc.put(X, y + 10, W - 20, _("Tryk på et afsnit for at gå til det."), size=9.5)
        doc.put(X + W - 20, y + 10, 20, _("Side"), size=9.5, align="R")

    flow.block(18, heading)
    for n, section in enumerate(sections):
        rows = sum(len(t.get("rows", [])) for t in section.get("tables", []))

        def row(
            doc: pdf.Document, y: float, n: int = n, section: dict[str, Any] = section, rows: int = rows
        ) -> None:
            doc.set_draw_color(*L.RULE)
            doc.set_line_width(0.2)
            doc.line(X, y, X + W, y)
            y += 2
            start = starts.get(n, 0)
            doc.set_text_color(*L.BLUE)
            doc.put(X, y, 9, f"{n + 1}.", size=11, h=5.6, style="B")
            doc.put(X + W - 20, y, 20, str(start or ""), size=11, h=5.6, style="B", align="R")
            doc.set_text_color(*L.INK)
            doc.put(X + 10, y, W - 30, str(section.get("title", "")), size=11, h=5.6, style="B")
            doc.set_text_color(*L.GREY)
            doc.put(X + 10, y + 5.6, W - 30, ngettext("%(num)s linje", "%(num)s linjer", rows), size=9, h=4.6)
            L.link_box(doc, book, X, y, W, 10.2, start)

        flow.block(13, row)
    flow.commit()
    book.bookmark(_("Indhold"))


def _cells(book: pdfbook.Book, texts: list[str], widths: list[float], style: str = "") -> list[list[str]]:
    out = []
    for text, width in zip(texts, widths, strict=False):
        lines = book.lines(str(text), width - 2.5, size=CELL, style=style) if text else [""]
        if len(lines) > CELL_MAX_LINES:
            lines = [*lines[: CELL_MAX_LINES - 1], lines[CELL_MAX_LINES - 1] + " …"]
        out.append(lines)
    return out


def _row_place(cells: list[list[str]], widths: list[float], *, style: str = "", fill: bool = False) -> Any:
    height = max(len(c) for c in cells) * CELL_H + 2.4

    def place(doc: pdf.Document, y: float) -> None:
        if fill:
            doc.set_fill_color(*HEAD_FILL)
            doc.rect(X, y, W, height, style="F")
        x = X
        doc.set_text_color(*L.INK)
        for lines, width in zip(cells, widths, strict=False):
            for n, line in enumerate(lines):
                doc.put(x + 1, y + 1.2 + n * CELL_H, width - 2.5, line, size=CELL, h=CELL_H, style=style)
            x += width
        doc.set_draw_color(*L.RULE)
        doc.set_line_width(0.15)
        doc.line(X, y + height, X + W, y + height)

    return place, height


def _section(book: pdfbook.Book, section: dict[str, Any], footer: str) -> int:
    title = str(section.get("title", ""))
    flow = L.Flow(book, footer=f"{footer} · {title}")
    title_lines = book.lines(title, W, size=19)

    def heading(doc: pdf.Document, y: float) -> None:
        doc.set_text_color(*L.BLUE)
        doc.put(X, y, W, _("Overdragelsesmappe").upper(), size=10, style="B")
        doc.set_text_color(*L.INK)
        for n, line in enumerate(title_lines):
            doc.put(X, y + 7 + n * 8.4, W, line, size=19, h=8.4, family=pdf.FONT_HEAVY)
        doc.set_draw_color(*L.RULE)
        doc.set_line_width(0.3)
        doc.line(X, y + 7 + 8.4 * len(title_lines) + 3, X + W, y + 7 + 8.4 * len(title_lines) + 3)

    flow.block(7 + 8.4 * len(title_lines) + 7, heading)
    note = str(section.get("note", ""))
    if note:
        L.text_lines(flow, book.lines(note, W, size=10), size=10, h=5)
        flow.gap(3)
    marks: list[tuple[str, int]] = []
    for table in section.get("tables", []):
        widths = [W * float(w) for w in table.get("widths", [])]
        columns = [str(c) for c in table.get("columns", [])]
        caption = str(table.get("caption", ""))
        head_place, head_h = _row_place(_cells(book, columns, widths, "B"), widths, style="B", fill=True)

        def continued(
            doc: pdf.Document, y: float, head_place: Any = head_place, where: str = caption or title
        ) -> None:
            doc.set_text_color(*L.GREY)
            doc.put(X, y, W, _("%(where)s (fortsat)", where=where), size=9, style="B")
            head_place(doc, y + 6)

        if caption:

            def cap(doc: pdf.Document, y: float, caption: str = caption) -> None:
                doc.set_text_color(*L.INK)
                doc.put(X, y, W, caption, size=12, h=6, style="B")

            flow.block(8, cap, keep=head_h + 8)
            marks.append((caption, len(flow.pages)))
        flow.block(head_h, head_place, keep=8)
        flow.continued, flow.continued_h = continued, 6 + head_h
        rows = table.get("rows", [])
        if not rows:
            L.text_lines(flow, [str(table.get("empty", ""))], size=10, h=7)
        for row in rows:
            place, height = _row_place(_cells(book, [str(c) for c in row], widths), widths)
            flow.block(height, place)
        flow.continued, flow.continued_h = None, 0.0
        flow.gap(7)
    first = flow.commit()
    book.bookmark(title, page=first)
    for caption, page in marks:
        book.bookmark(caption, level=1, page=first + page - 1)
    return first
