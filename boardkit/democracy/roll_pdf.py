"""The printed electoral roll for a department meeting without a tablet at the door.

Drawn like the meeting pack (its layout, IBM Plex Sans, "Side n af N"): a head with the meeting's
facts and how to use the list, then the households in address order, each voter on a line with a
box to tick and a line to sign; a household is never split over two pages, and every page repeats
the columns' heads. At the end, room to write the totals the minutes state. Plain data in, bytes out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from boardkit.core import pdf
from boardkit.core.i18n import _, ngettext
from boardkit.core.pdf import book as pdfbook
from boardkit.core.templating import fmt_datetime
from boardkit.meetings.packs import service as packs_service

L = packs_service.layout
X, W = L.X, L.W
ROW_H = 9.0  # room to sign
COLUMNS = (  # (x offset, width)
    (0.0, 52.0),  # address
    (52.0, 56.0),  # name
    (108.0, 14.0),  # box
    (122.0, 48.0),  # signature
)
HEAD_FILL = (238, 242, 247)
ROLE_NAMES = {"tenant": "lejer", "household_member": "husstandsmedlem"}


@dataclass(frozen=True)
class Household:
    address: str
    number: str
    voters: list[tuple[str, str]]  # (name, role)


@dataclass(frozen=True)
class RollPdfSpec:
    organisation: str
    department: str
    title: str
    starts_at: datetime
    location: str
    reference_date: date
    one_person_both_units: bool
    households: list[Household] = field(default_factory=list)


def render_roll(spec: RollPdfSpec, *, created_at: datetime | None = None) -> bytes:
    title = _("Valgliste: %(title)s", title=spec.title)
    book = pdfbook.Book(title=title, author=spec.organisation, subject=spec.department, created=created_at)
    try:
        flow = L.Flow(book, footer=f"{title} · {spec.department}")
        _head(book, flow, spec)
        _table(flow, spec)
        _totals(flow)
        flow.commit()
        book.bookmark(title, page=1)
    except BaseException:
        book.close()
        raise
    return book.render()


def _text(flow: L.Flow, text: str, *, size: float = 10.0, h: float = 5.0, style: str = "") -> None:
    for line in flow.book.lines(text, W, style=style, size=size) if text else [""]:

        def place(doc: pdf.Document, y: float, line: str = line) -> None:
            doc.set_text_color(*L.INK)
            doc.put(X, y, W, line, size=size, h=h, style=style)

        flow.block(h, place)


def _head(book: pdfbook.Book, flow: L.Flow, spec: RollPdfSpec) -> None:
    voters = sum(len(h.voters) for h in spec.households)

    def top(doc: pdf.Document, y: float) -> None:
        doc.set_text_color(*L.GREY)
        doc.put(X, y, W, spec.organisation, size=10)
        doc.set_text_color(*L.INK)
        doc.put(X, y + 5.5, W, spec.department, size=10.5, style="B")
        doc.set_text_color(*L.BLUE)
        doc.put(X, y + 15, W, _("Valgliste").upper(), size=10, style="B")
        doc.set_text_color(*L.INK)
        for n, line in enumerate(title_lines):
            doc.put(X, y + 21 + n * 8.4, W, line, size=19, h=8.4, family=pdf.FONT_HEAVY)

    # A long title wraps (measured a little narrower: the heavy face is wider than the body's bold).
    title_lines = book.lines(spec.title, W - 12, style="B", size=19)[:3]
    flow.block(24.6 + 8.4 * len(title_lines), top)
    facts = [
        (_("Tidspunkt"), fmt_datetime(spec.starts_at)),
        (_("Sted"), spec.location),
        (_("Skæringsdato"), spec.reference_date.strftime("%d.%m.%Y")),
        (
            _("På listen"),
            ngettext("%(num)s husstand", "%(num)s husstande", len(spec.households))
            + ", "
            + ngettext("%(num)s stemmeberettiget", "%(num)s stemmeberettigede", voters),
        ),
    ]
    for label, value in facts:
        if not value:
            continue

        def fact(doc: pdf.Document, y: float, label: str = label, value: str = value) -> None:
            doc.set_text_color(*L.GREY)
            doc.put(X, y, 34, label, size=10, h=5.4, style="B")
            doc.set_text_color(*L.INK)
            doc.put(X + 36, y, W - 36, value, size=10, h=5.4)

        flow.block(5.4, fact)
    flow.gap(3)
    units = (
        _("Hver husstand har 2 stemmer. Én fremmødt må bruge begge husstandens stemmer.")
        if spec.one_person_both_units
        else _(
            "Hver husstand har 2 stemmer: én pr. fremmødt stemmeberettiget. Der stemmes ikke ved fuldmagt."
        )
    )
    _text(
        flow,
        _(
            "Sæt kryds ud for den fremmødte, og lad vedkommende skrive under. På listen står lejere og "
            "voksne husstandsmedlemmer på skæringsdatoen; fremlejere står ikke på listen."
        ),
        size=9.5,
        h=4.8,
    )
    _text(flow, units, size=9.5, h=4.8)
    flow.gap(4)


def _head_row(doc: pdf.Document, y: float) -> None:
    doc.set_fill_color(*HEAD_FILL)
    doc.rect(X, y, W, 7, style="F")
    doc.set_text_color(*L.INK)
    labels = (_("Adresse"), _("Navn"), _("Mødt"), _("Underskrift"))
    for (dx, w), label in zip(COLUMNS, labels, strict=True):
        doc.put(
            X + dx + 1, y + 1, w - 2, label, size=9, h=5, style="B", align="C" if label == _("Mødt") else "L"
        )


def _household(house: Household) -> tuple[L.Place, float]:
    rows = max(1, len(house.voters))
    height = rows * ROW_H

    def place(doc: pdf.Document, y: float) -> None:
        doc.set_text_color(*L.INK)
        (ax, aw), (nx, nw), (bx, bw), (sx, sw) = COLUMNS
        doc.put(X + ax + 1, y + 1.2, aw - 3, house.address, size=9.5, h=4.6, style="B")
        if house.number:
            doc.set_text_color(*L.GREY)
            doc.put(X + ax + 1, y + 5.0, aw - 3, _("Lejemål %(nr)s", nr=house.number), size=7.5, h=3.6)
        doc.set_draw_color(*L.INK)
        doc.set_line_width(0.3)
        for n, (name, role) in enumerate(house.voters):
            top = y + n * ROW_H
            doc.set_text_color(*L.INK)
            doc.put(X + nx + 1, top + 1.2, nw - 3, name, size=9.5, h=4.6)
            doc.set_text_color(*L.GREY)
            doc.put(X + nx + 1, top + 5.0, nw - 3, ROLE_NAMES.get(role, role), size=7.5, h=3.6)
            doc.rect(X + bx + (bw - 5.5) / 2, top + (ROW_H - 5.5) / 2, 5.5, 5.5)
            doc.set_draw_color(*L.GREY)
            doc.set_line_width(0.15)
            doc.line(X + sx + 1, top + ROW_H - 2, X + sx + sw - 1, top + ROW_H - 2)
            doc.set_draw_color(*L.INK)
            doc.set_line_width(0.3)
        doc.set_draw_color(*L.RULE)
        doc.set_line_width(0.2)
        doc.line(X, y + height, X + W, y + height)

    return place, height


def _table(flow: L.Flow, spec: RollPdfSpec) -> None:
    if not spec.households:
        _text(flow, _("Ingen husstande står på valglisten."))
        return
    flow.block(7, _head_row, keep=ROW_H)
    flow.continued, flow.continued_h = _head_row, 7.0
    for house in spec.households:
        place, height = _household(house)
        flow.block(height, place)
    flow.continued, flow.continued_h = None, 0.0


def _totals(flow: L.Flow) -> None:
    flow.gap(8)
    labels = (_("Fremmødte beboere"), _("Repræsenterede husstande"), _("Dirigentens underskrift"))

    def place(doc: pdf.Document, y: float) -> None:
        doc.set_text_color(*L.INK)
        doc.put(X, y, W, _("Optælling"), size=12, h=6, style="B")
        doc.set_draw_color(*L.GREY)
        doc.set_line_width(0.15)
        for n, label in enumerate(labels):
            top = y + 9 + n * 10
            doc.put(X, top, 60, label, size=10, h=6)
            doc.line(X + 62, top + 6, X + W, top + 6)

    flow.block(9 + 10 * len(labels), place)
