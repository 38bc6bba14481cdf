"""The meeting pack as a PDF: plain data in, bytes out.

Cover, agenda (each line a link to its item), per item a page with its facts, description and
the reader's private note, then the item's files — prepared PDFs (:mod:`boardkit.core.pdf.prep`)
bound in as pages, or a placeholder page naming a file that cannot be shown. Every page has a
footer (meeting, item, "Side n af N"), board packs a watermark with the reader's name, and the
outline has one bookmark per item with one nested per file. Drawing is
:mod:`boardkit.core.pdf.book`'s; this module only decides what goes where.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from babel.dates import format_datetime

from boardkit.core import i18n, pdf
from boardkit.core.i18n import _, ngettext
from boardkit.core.pdf import book as pdfbook
from boardkit.core.templating import TZ, fmt_datetime
from boardkit.meetings.packs import items as pack_items
from boardkit.meetings.packs.layout import BLUE, GREY, INK, RULE, TOP, Flow, W, X, link_box, tag


@dataclass(frozen=True)
class PackFile:
    filename: str
    pdf: bytes | None  # a prepared PDF (core.pdfprep.prepare(...).pdf); None → placeholder page
    pages: int  # pages it takes (1 for a placeholder)
    problem: str = ""  # why it is a placeholder (printed on the placeholder page)


@dataclass(frozen=True)
class PackItem:
    number: int
    title: str
    kind: str  # information | discussion | decision
    description: str = ""
    presenter: str = ""
    closed: bool = False  # marked "Lukket punkt"
    redacted: bool = False  # public pack: title + "Lukket punkt" only, no description/files
    files: tuple[PackFile, ...] = ()
    note: str = ""  # the reader's private note, printed on the item page when given
    material_deleted: bool = False  # retention deleted a person case's material: said on its page


@dataclass(frozen=True)
class PackSpec:
    organisation: str
    board: str
    title: str
    meeting_kind: str  # board | ordinary_department | extraordinary_department | committee
    starts_at: datetime  # aware; drawn in Europe/Copenhagen
    ends_at: datetime
    location: str = ""
    room: str = ""
    online_url: str = ""
    version: int = 1
    built_at: datetime | None = None
    items: tuple[PackItem, ...] = ()
    watermark: str = ""  # the reader's name for board packs → "Fortroligt — <name>"; "" = none
    language: str = "da"


def render_pack(spec: PackSpec) -> tuple[bytes, int]:
    """The pack as PDF bytes and its page count.

    Drawing the pages is most of the work, and most of it is shared: readers' copies of a
    version differ only by their watermark, and the next version after a replaced attachment
    often only by that attachment (same page count), its number and its build time. So the
    last few packs are kept planned and drawn (:data:`KEEP`), watermark, version and build time
    are set on late, and a copy or a rebuild of the same layout only binds anew (~5× faster)."""
    key = replace(spec, watermark="")
    with _lock:
        book = _books.pop(key, None)
        if book is None:
            book = _plan(key)
            drawn = _drawings.get(_layout(key, book))
            if drawn is not None:
                book.use_drawing(drawn)
        _books[key] = book  # most recently used last
        _trim(_books)
    with i18n.language(spec.language):
        watermark = _("Fortroligt — %(name)s", name=spec.watermark) if spec.watermark else ""
        data = book.render(watermark=watermark, late=_late(spec))
    if book.drawing is not None:
        with _lock:
            _drawings[_layout(key, book)] = book.drawing
            _trim(_drawings)
    return data, book.pages


KEEP = 3
_books: dict[PackSpec, pdfbook.Book] = {}  # a pack (without watermark) → its book
_drawings: dict[tuple[object, ...], bytes] = {}  # a layout → its drawn pages
_lock = threading.Lock()


def _layout(spec: PackSpec, book: pdfbook.Book) -> tuple[object, ...]:
    """What decides how a pack's pages are drawn: everything but the watermark, the version, the
    build time and the attached files' content (their pages' shapes are in the book's shape)."""
    items = tuple(replace(i, files=tuple(replace(f, pdf=None) for f in i.files)) for i in spec.items)
    return (replace(spec, watermark="", version=0, built_at=None, items=items), book.shape())


def _trim(cache: dict[Any, Any]) -> None:
    while len(cache) > KEEP:
        cache.pop(next(iter(cache)))


def _late(spec: PackSpec) -> tuple[pdfbook.Late, ...]:
    """The cover's line with the version and the build time."""
    version = _("Version %(n)s", n=spec.version)
    if spec.built_at:
        version = _("%(version)s · dannet %(when)s", version=version, when=fmt_datetime(spec.built_at))
    return (pdfbook.Late(1, X, 247, version),)


def _plan(spec: PackSpec) -> pdfbook.Book:
    with i18n.language(spec.language):
        book = pdfbook.Book(
            title=spec.title,
            author=spec.organisation,
            subject=spec.board,
            language=i18n.current_language(),
        )
        try:
            starts: pack_items.Starts = {}
            files_at: pack_items.FileStarts = {}
            _cover(book, spec)
            _agenda(book, spec, starts, files_at)
            for key, item in enumerate(spec.items):
                pack_items.item(book, spec.title, key, item, starts, files_at)
        except BaseException:
            book.close()
            raise
    return book


def meeting_kind(kind: str) -> str:
    return {
        "board": _("Bestyrelsesmøde"),
        "ordinary_department": _("Ordinært afdelingsmøde"),
        "extraordinary_department": _("Ekstraordinært afdelingsmøde"),
        "committee": _("Udvalgsmøde"),
    }.get(kind, kind)


def _day(value: datetime) -> str:
    fmt = "EEEE 'den' d. MMMM y" if i18n.current_language() == "da" else "EEEE d MMMM y"
    text = format_datetime(value.astimezone(TZ), fmt, locale=i18n.current_language())
    return text[:1].upper() + text[1:]


def _clock(value: datetime) -> str:
    fmt = "HH.mm" if i18n.current_language() == "da" else "HH:mm"
    return format_datetime(value.astimezone(TZ), fmt, locale=i18n.current_language())


def _time(spec: PackSpec) -> str:
    if spec.ends_at.astimezone(TZ).date() == spec.starts_at.astimezone(TZ).date():
        return _("kl. %(start)s–%(end)s", start=_clock(spec.starts_at), end=_clock(spec.ends_at))
    return _(
        "kl. %(start)s til %(day)s kl. %(end)s",
        start=_clock(spec.starts_at),
        day=_day(spec.ends_at),
        end=_clock(spec.ends_at),
    )


def _cover(book: pdfbook.Book, spec: PackSpec) -> None:
    title = book.lines(spec.title, W, size=26)
    top = 92.0
    facts = [(_("Dato"), _day(spec.starts_at)), (_("Tid"), _time(spec))]
    if spec.location:
        facts.append((_("Sted"), spec.location))
    if spec.room:
        facts.append((_("Lokale"), spec.room))
    if spec.online_url:
        facts.append((_("Online"), spec.online_url))
    files = sum(len(i.files) for i in spec.items if not i.redacted)

    def draw(doc: pdf.Document) -> None:
        doc.set_text_color(*GREY)
        doc.put(X, TOP + 6, W, spec.organisation, size=10.5)
        doc.set_text_color(*INK)
        doc.put(X, TOP + 11.5, W, spec.board, size=10.5, style="B")
        doc.set_text_color(*BLUE)
        doc.put(X, top - 9, W, meeting_kind(spec.meeting_kind), size=12, style="B")
        doc.set_text_color(*INK)
        for n, line in enumerate(title):
            doc.put(X, top + n * 11, W, line, size=26, h=11, family=pdf.FONT_HEAVY)
        y = top + len(title) * 11 + 5
        doc.set_fill_color(*BLUE)
        doc.rect(X, y, 24, 1.2, style="F")
        y += 9
        for label, value in facts:
            doc.set_text_color(*GREY)
            doc.put(X, y, 28, label, size=10, h=6, style="B")
            doc.set_text_color(*(BLUE if value == spec.online_url else INK))
            lines = book.lines(value, W - 30, size=11.5)
            for n, line in enumerate(lines[:3]):
                doc.put(X + 30, y + n * 6, W - 30, line, size=11.5, h=6)
            if value == spec.online_url:
                doc.link(X + 30, y, W - 30, 6 * len(lines[:3]), spec.online_url)
            y += 6 * len(lines[:3]) + 2.5
        doc.set_draw_color(*RULE)
        doc.set_line_width(0.3)
        doc.line(X, 236, X + W, 236)
        doc.set_text_color(*INK)
        doc.put(X, 241, W, _("Mødemappe"), size=11, style="B")
        doc.set_text_color(*GREY)
        # (the version and build time go on late, see render_pack)
        counts = " · ".join(
            (
                ngettext("%(num)s punkt", "%(num)s punkter", len(spec.items)),
                ngettext("%(num)s bilag", "%(num)s bilag", files),
                ngettext("%(num)s side", "%(num)s sider", book.pages),
            )
        )
        doc.put(X, 252.5, W, counts)

    book.page(draw, footer=spec.title, label=pdfbook.Label(prefix=_("Forside"), style=None))


def _agenda(
    book: pdfbook.Book, spec: PackSpec, starts: pack_items.Starts, files_at: pack_items.FileStarts
) -> None:
    flow = Flow(book, footer=f"{spec.title} · {_('Dagsorden')}", label=pdfbook.Label(start=2))

    def heading(doc: pdf.Document, y: float) -> None:
        doc.set_text_color(*INK)
        doc.put(X, y, W, _("Dagsorden"), size=20, h=9, family=pdf.FONT_HEAVY)
        doc.set_text_color(*GREY)
        doc.put(X, y + 10, W - 20, _("Tryk på et punkt for at gå til det."), size=9.5)
        doc.put(X + W - 20, y + 10, 20, _("Side"), size=9.5, align="R")

    flow.block(18, heading)
    for key, item in enumerate(spec.items):
        lines = book.lines(item.title, W - 30, size=11, style="B")
        meta = pack_items.meta(item)
        files = [] if item.redacted else list(enumerate(item.files))
        height = 2 + 5.6 * len(lines) + (4.6 if meta or item.closed else 0)

        def row(
            doc: pdf.Document,
            y: float,
            key: int = key,
            item: PackItem = item,
            lines: list[str] = lines,
            meta: str = meta,
        ) -> None:
            doc.set_draw_color(*RULE)
            doc.set_line_width(0.2)
            doc.line(X, y, X + W, y)
            y += 2
            start = starts.get(key, 0)
            doc.set_text_color(*BLUE)
            doc.put(X, y, 9, f"{item.number}.", size=11, h=5.6, style="B")
            doc.put(X + W - 20, y, 20, str(start or ""), size=11, h=5.6, style="B", align="R")
            doc.set_text_color(*INK)
            for n, line in enumerate(lines):
                doc.put(X + 10, y + n * 5.6, W - 30, line, size=11, h=5.6, style="B")
            link_box(doc, book, X, y, W, 5.6 * len(lines), start)
            y += 5.6 * len(lines)
            if meta or item.closed:
                x = X + 10
                if item.closed:
                    x += tag(doc, x, y + 0.1, _("Lukket punkt")) + 2
                doc.set_text_color(*GREY)
                doc.put(x, y, W - 30 - (x - X - 10), meta, size=9, h=4.6)

        flow.block(height, row, keep=4.6 if files else 0.0)
        for index, file in files:

            def file_row(
                doc: pdf.Document, y: float, key: int = key, index: int = index, file: PackFile = file
            ) -> None:
                page = files_at.get((key, index), (0, 0, False))[0]
                doc.set_text_color(*GREY)
                doc.put(X + 10, y, W - 30, _("Bilag: %(name)s", name=file.filename), size=9, h=4.6)
                doc.put(X + W - 20, y, 20, str(page or ""), size=9, h=4.6, align="R")
                link_box(doc, book, X + 10, y, W - 10, 4.6, page)

            flow.block(4.6, file_row)
        flow.gap(2.5)
    flow.commit()
