"""The bulletin board as an A4 poster for the stairwell ("Udskriv opslagstavlen"): plain data in,
PDF bytes out, no database.

Each page has a big heading with the department and the week, then the board's announcements in
a framed box in large type, then the residents' posts as cards in two columns (category, title,
text cut to a few lines with "…", first name and department, "gælder til"), and at the bottom a
QR code to the department's bulletin board with "Se alle opslag og skriv selv: <url>" beside it,
the organisation, the print date and the page number. Body text is 13 pt or more, to be read
from a metre away.

The poster is capped at :data:`MAX_PAGES` sheets: a notice board has room for one or two, and the
rest are a scan away, so what does not fit is counted in a last line ("og 4 opslag mere på
<url>"). With no posts at all it is a friendly "Ingen opslag i denne uge" page, still with the
QR code. It is printed in the current language (:func:`boardkit.core.i18n.language`), Danish by
default; characters the font lacks (emoji) are left out.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import segno

from boardkit.core import i18n, pdf
from boardkit.core.i18n import _, ngettext
from boardkit.core.templating import TZ, fmt_date

MAX_PAGES = 2


@dataclass(frozen=True)
class PosterPost:
    title: str
    text: str  # plain text (Markdown already rendered down to text by the caller)
    category: str | None  # lend | events | found | other (forum.models.CATEGORIES); None for announcements
    author: str  # first name and department only, e.g. "Anna, Engparken"
    posted_on: date
    expires_on: date | None
    announcement: bool  # a board announcement: drawn first, in the framed box


# --- the sheet (mm) ------------------------------------------------------------------------

X = 15.0
W = pdf.PAGE_W - 2 * X
BODY_TOP = 45.0
QR_SIZE = 30.0  # 0.8 mm a module for a URL of some 60 characters: scans from arm's length
QR_Y = pdf.PAGE_H - 12.0 - QR_SIZE
FOOTER_TOP = QR_Y - 6.0  # the rule above the QR band (more than the quiet zone of 4 modules)
BODY_BOTTOM = FOOTER_TOP - 5.0
ROOM = BODY_BOTTOM - BODY_TOP

INK = (20, 20, 20)
GREY = (80, 80, 80)
BLUE = (0, 89, 179)  # DKFDS primary, as on the pages
RULE = (180, 180, 180)
BOX_FILL = (255, 244, 204)
BOX_EDGE = (176, 108, 0)
TAGS = {  # category → tag fill; light, so a black-and-white printer keeps the text readable
    "lend": (214, 236, 220),
    "events": (212, 228, 247),
    "found": (253, 228, 196),
    "other": (228, 228, 228),
}

# announcements in the framed box: type sizes (pt), line heights (mm), most lines
ANN_TITLE, ANN_TITLE_H, ANN_TITLE_LINES = 20.0, 8.4, 2
ANN_TEXT, ANN_TEXT_H, ANN_TEXT_LINES = 15.0, 6.4, 4
ANN_META, ANN_META_H = 14.0, 6.2
BOX_PAD = 5.0
BOX_HEAD = 10.0  # "Fra bestyrelsen" at the top of the box
BOX_GAP = 6.0  # after the box
ANN_GAP = 5.0  # between two announcements (a thin rule in the middle)

# posts: cards in two columns
GUTTER = 6.0
CARD_W = (W - GUTTER) / 2
CARD_PAD = 3.5
INNER_W = CARD_W - 2 * CARD_PAD
TAG_SIZE, TAG_H = 13.0, 6.6
TITLE_SIZE, TITLE_H, TITLE_LINES = 16.0, 6.8, 2
TEXT_SIZE, TEXT_H, TEXT_LINES = 13.5, 5.8, 4
META_SIZE, META_H = 13.0, 5.6
ROW_GAP = 5.0

MORE_SIZE, MORE_H = 15.0, 7.0  # "og N opslag mere på …"
MORE_ROOM = 2 * MORE_H + 2


def category_label(category: str | None) -> str:
    """The Danish (or the reader's) name of a post's category; an unknown value as it is."""
    labels = {
        "lend": _("Låne/udlåne"),
        "events": _("Arrangementer"),
        "found": _("Fundet/mistet"),
        "other": _("Andet"),
    }
    return labels.get(category or "", category or "")


def bulletin_poster(
    *,
    organisation: str,
    department: str,
    posts: Sequence[PosterPost],
    url: str,
    week_of: date,
    printed_on: date | None = None,
) -> bytes:
    """The poster of one department's bulletin board for the week of ``week_of`` (any day of it).

    ``posts`` are the week's open posts and announcements as the caller chose them; announcements
    come first, then the posts, each group newest first. ``url`` is the department's bulletin
    board (the QR code and the text beside it). ``printed_on`` defaults to today in Copenhagen."""
    printed = printed_on or datetime.now(TZ).date()
    iso = week_of.isocalendar()
    week = _("Uge %(week)s, %(year)s", week=iso.week, year=iso.year)
    heading = _("Opslagstavlen · %(department)s", department=department)
    doc = pdf.new_document(title=f"{heading}, {week}", author=organisation, subject=url)
    try:
        _draw(
            doc,
            organisation=organisation,
            heading=heading,
            week=week,
            posts=posts,
            url=url,
            week_of=week_of,
            printed=printed,
        )
    except BaseException:
        for font in doc.fonts.values():  # rendering closes the font files; a failure must too
            close = getattr(font, "close", None)
            if close is not None:
                close()
        raise
    return pdf.finish(doc)


def _draw(
    doc: pdf.Document,
    *,
    organisation: str,
    heading: str,
    week: str,
    posts: Sequence[PosterPost],
    url: str,
    week_of: date,
    printed: date,
) -> None:
    doc.set_lang(i18n.current_language())
    doc.add_page()  # measuring needs a page
    ordered = sorted(posts, key=lambda p: (not p.announcement, -p.posted_on.toordinal()))
    units = _units(doc, ordered, week_of)
    pages, hidden = _paginate(units, total=len(ordered))
    more = _more_lines(doc, hidden, url)
    for number, page in enumerate(pages, start=1):
        if number > 1:
            doc.add_page()
        _head(doc, heading, week)
        if not ordered:
            _nothing(doc)
        y = BODY_TOP
        for run in _runs(page):
            y = _draw_run(doc, run, y)
        if number == len(pages) and more:
            doc.set_text_color(*BLUE)
            for n, line in enumerate(more):
                doc.put(X, y + n * MORE_H, W, line, size=MORE_SIZE, h=MORE_H, style="B")
        _footer(doc, organisation=organisation, url=url, printed=printed, number=number, total=len(pages))


# --- measuring -----------------------------------------------------------------------------

Place = Callable[[pdf.Document, float, float], None]  # draws a unit at y with the given height


@dataclass
class _Unit:
    kind: str  # announcement | row
    height: float
    place: Place
    posts: int = 0  # how many posts it shows (for "og N opslag mere")


TEXT_CAP = 2000  # characters of a title or text looked at (a post may have 100,000)


def _text(doc: pdf.Document, text: str) -> str:
    """One paragraph: whitespace collapsed, symbols the font lacks (emoji, their joiners and
    variation selectors) left out rather than printed as "?". Letters stay: ``core.pdf`` draws
    every script IBM Plex Sans has and degrades a letter it lacks to its base letter or "?"."""
    text = unicodedata.normalize("NFC", text[:TEXT_CAP])
    kept = (ch for ch in text if unicodedata.category(ch) not in SYMBOLS or doc.clean(ch) == ch)
    return " ".join("".join(kept).split())


SYMBOLS = frozenset(("So", "Sk", "Cf", "Mn", "Co", "Cn", "Cs"))


def _clip(doc: pdf.Document, text: str, w: float, *, size: float, style: str = "", most: int) -> list[str]:
    """``text`` wrapped to ``w``, at most ``most`` lines; a cut text ends with "…"."""
    # No line holds 160 characters at these sizes: wrap no more than can be shown.
    cut = len(text) > most * 160
    lines = doc.lines(text[: most * 160], w, style=style, size=size) if text else []
    if len(lines) <= most and not cut:
        return lines
    lines = lines[:most]
    last = lines[-1].rstrip()
    doc.set_font(pdf.FONT, style, size)
    while last and doc.width(last + "…") > w:
        last = last[:-1]
    # Cut at a word when the line has one to spare, and not after a comma or a dash.
    if " " in last.strip():
        last = last[: last.rstrip().rfind(" ")]
    return [*lines[:-1], last.rstrip(" ,;:–-") + "…"]


def _until(post: PosterPost, week_of: date) -> str:
    if post.expires_on is None:
        return ""
    fmt = "d. MMMM" if post.expires_on.year == week_of.year else "d. MMMM y"
    return _("gælder til %(date)s", date=fmt_date(post.expires_on, fmt))


def _units(doc: pdf.Document, posts: Sequence[PosterPost], week_of: date) -> list[_Unit]:
    units = [_announcement(doc, p, week_of) for p in posts if p.announcement]
    cards = [_card(doc, p, week_of) for p in posts if not p.announcement]
    for i in range(0, len(cards), 2):
        pair = cards[i : i + 2]
        units.append(_row(pair))
    return units


def _announcement(doc: pdf.Document, post: PosterPost, week_of: date) -> _Unit:
    w = W - 2 * BOX_PAD
    title = _clip(doc, _text(doc, post.title), w, size=ANN_TITLE, style="B", most=ANN_TITLE_LINES)
    text = _clip(doc, _text(doc, post.text), w, size=ANN_TEXT, most=ANN_TEXT_LINES)
    until = _until(post, week_of)
    height = ANN_TITLE_H * len(title) + 1.5 + ANN_TEXT_H * len(text) + (ANN_META_H + 1 if until else 0)

    def place(doc: pdf.Document, y: float, height: float) -> None:
        x = X + BOX_PAD
        doc.set_text_color(*INK)
        for line in title:
            doc.put(x, y, w, line, size=ANN_TITLE, h=ANN_TITLE_H, style="B")
            y += ANN_TITLE_H
        y += 1.5
        for line in text:
            doc.put(x, y, w, line, size=ANN_TEXT, h=ANN_TEXT_H)
            y += ANN_TEXT_H
        if until:
            doc.set_text_color(*GREY)
            doc.put(x, y + 1, w, until, size=ANN_META, h=ANN_META_H, style="B")

    return _Unit("announcement", height, place, posts=1)


CardPlace = Callable[[pdf.Document, float, float, float], None]  # x, y (top) and the row's height


@dataclass
class _Card:
    height: float
    place: CardPlace


def _card(doc: pdf.Document, post: PosterPost, week_of: date) -> _Card:
    title = _clip(doc, _text(doc, post.title), INNER_W, size=TITLE_SIZE, style="B", most=TITLE_LINES)
    text = _clip(doc, _text(doc, post.text), INNER_W, size=TEXT_SIZE, most=TEXT_LINES)
    label = category_label(post.category)
    meta = [line for line in (_text(doc, post.author), _until(post, week_of)) if line]
    height = (
        CARD_PAD
        + (TAG_H + 1.5 if label else 0)
        + TITLE_H * len(title)
        + (1 + TEXT_H * len(text) if text else 0)
        + (2 + META_H * len(meta) if meta else 0)
        + CARD_PAD
    )

    def place(doc: pdf.Document, x: float, top: float, height: float) -> None:
        doc.set_draw_color(*RULE)
        doc.set_line_width(0.4)
        doc.rect(x, top, CARD_W, height, style="D", round_corners=True, corner_radius=2)
        x += CARD_PAD
        y = top + CARD_PAD
        if label:
            doc.set_font(pdf.FONT, "B", TAG_SIZE)
            tag_w = min(doc.width(doc.clean(label)) + 5, INNER_W)
            doc.set_fill_color(*TAGS.get(post.category or "", TAGS["other"]))
            doc.rect(x, y, tag_w, TAG_H, style="F", round_corners=True, corner_radius=1.5)
            doc.set_text_color(*INK)
            # (a hair of slack: the width measured again must not round above the room)
            doc.put(x + 2.5, y, tag_w - 4.9, label, size=TAG_SIZE, h=TAG_H, style="B")
            y += TAG_H + 1.5
        doc.set_text_color(*INK)
        for line in title:
            doc.put(x, y, INNER_W, line, size=TITLE_SIZE, h=TITLE_H, style="B")
            y += TITLE_H
        y += 1
        for line in text:
            doc.put(x, y, INNER_W, line, size=TEXT_SIZE, h=TEXT_H)
            y += TEXT_H
        # The author and the expiry sit at the bottom of the card, level across the row.
        doc.set_text_color(*GREY)
        y = top + height - CARD_PAD - META_H * len(meta)
        for line in meta:
            doc.put(x, y, INNER_W, line, size=META_SIZE, h=META_H)
            y += META_H

    return _Card(height, place)


def _row(cards: list[_Card]) -> _Unit:
    height = max(card.height for card in cards)

    def place(doc: pdf.Document, y: float, height: float) -> None:
        for n, card in enumerate(cards):
            card.place(doc, X + n * (CARD_W + GUTTER), y, height - ROW_GAP)

    return _Unit("row", height + ROW_GAP, place, posts=len(cards))


# --- pages ---------------------------------------------------------------------------------


def _runs(page: list[_Unit]) -> list[list[_Unit]]:
    """A page's units in runs: consecutive announcements share one box."""
    runs: list[list[_Unit]] = []
    for unit in page:
        if runs and unit.kind == "announcement" and runs[-1][-1].kind == "announcement":
            runs[-1].append(unit)
        else:
            runs.append([unit])
    return runs


def _run_height(run: list[_Unit]) -> float:
    inner = sum(u.height for u in run)
    if run[0].kind != "announcement":
        return inner
    return BOX_HEAD + inner + ANN_GAP * (len(run) - 1) + BOX_PAD + BOX_GAP


def _used(page: list[_Unit]) -> float:
    return sum(_run_height(run) for run in _runs(page))


def _paginate(units: list[_Unit], *, total: int) -> tuple[list[list[_Unit]], int]:
    """The units on at most :data:`MAX_PAGES` pages and how many posts did not fit; the last page
    keeps room for "og N opslag mere"."""
    pages: list[list[_Unit]] = [[]]
    for unit in units:
        if pages[-1] and _used([*pages[-1], unit]) > ROOM:
            pages.append([])
        pages[-1].append(unit)
    if len(pages) <= MAX_PAGES:
        return pages, 0
    pages = pages[:MAX_PAGES]
    last = pages[-1]
    while last and _used(last) + MORE_ROOM > ROOM:
        last.pop()
    shown = sum(u.posts for page in pages for u in page)
    return pages, total - shown


def _more_lines(doc: pdf.Document, hidden: int, url: str) -> list[str]:
    if not hidden:
        return []
    text = ngettext("og %(num)s opslag mere på %(url)s", "og %(num)s opslag mere på %(url)s", hidden, url=url)
    return _clip(doc, text, W, size=MORE_SIZE, style="B", most=2)


def _draw_run(doc: pdf.Document, run: list[_Unit], y: float) -> float:
    """Draws a run of units from ``y`` down; returns where the next one starts."""
    if run[0].kind != "announcement":
        for unit in run:
            unit.place(doc, y, unit.height)
            y += unit.height
        return y
    height = _run_height(run) - BOX_GAP
    doc.set_fill_color(*BOX_FILL)
    doc.set_draw_color(*BOX_EDGE)
    doc.set_line_width(1.2)
    doc.rect(X, y, W, height, style="DF", round_corners=True, corner_radius=3)
    doc.set_text_color(*BOX_EDGE)
    doc.put(X + BOX_PAD, y + 3, W - 2 * BOX_PAD, _("Fra bestyrelsen"), size=14, h=6.5, style="B")
    y += BOX_HEAD
    for n, unit in enumerate(run):
        if n:
            doc.set_draw_color(*BOX_EDGE)
            doc.set_line_width(0.3)
            doc.line(X + BOX_PAD, y + ANN_GAP / 2, X + W - BOX_PAD, y + ANN_GAP / 2)
            y += ANN_GAP
        unit.place(doc, y, unit.height)
        y += unit.height
    return y + BOX_PAD + BOX_GAP


def _head(doc: pdf.Document, heading: str, week: str) -> None:
    doc.set_text_color(*INK)
    doc.put(X, 12, W, heading, size=34, h=14, family=pdf.FONT_HEAVY)
    doc.set_text_color(*BLUE)
    doc.put(X, 26.5, W, week, size=20, h=9, style="B")
    doc.set_fill_color(*BLUE)
    doc.rect(X, 38, W, 1.6, style="F")


def _nothing(doc: pdf.Document) -> None:
    """The body of a poster without posts."""
    doc.set_text_color(*INK)
    doc.put(X, 100, W, _("Ingen opslag i denne uge"), size=30, h=13, style="B", align="C")
    doc.set_text_color(*GREY)
    invite = _(
        "Har du noget at låne ud, et arrangement på vej, eller har du fundet noget? "
        "Scan koden herunder og skriv det første opslag."
    )
    for n, line in enumerate(doc.lines(invite, W - 30, size=17)):
        doc.put(X + 15, 122 + n * 8.5, W - 30, line, size=17, h=8.5, align="C")


def _url_lines(doc: pdf.Document, url: str, w: float, *, size: float, most: int) -> list[str]:
    """A URL over lines broken after a slash (a long part by characters), not in the middle of a
    word; what does not fit in ``most`` lines ends with "…"."""
    doc.set_font(pdf.FONT, "", size)
    lines = [""]
    for part in url.replace("/", "/\n").split("\n"):
        for ch in part if doc.width(part) > w else [part]:
            if lines[-1] and doc.width(lines[-1] + ch) > w:
                lines.append("")
            lines[-1] += ch
    if len(lines) > most:
        lines = [*lines[: most - 1], lines[most - 1] + "…"]  # put() cuts it to the width
    return lines


def _footer(
    doc: pdf.Document, *, organisation: str, url: str, printed: date, number: int, total: int
) -> None:
    doc.set_draw_color(*RULE)
    doc.set_line_width(0.4)
    doc.line(X, FOOTER_TOP, X + W, FOOTER_TOP)
    qr_x = X + W - QR_SIZE
    _qr(doc, url, qr_x, QR_Y, QR_SIZE)
    w = W - QR_SIZE - 8
    doc.set_text_color(*INK)
    doc.put(X, QR_Y - 0.5, w, _("Se alle opslag og skriv selv:"), size=17, h=8, style="B")
    doc.set_text_color(*BLUE)
    lines = _url_lines(doc, url, w, size=14, most=2)
    for n, line in enumerate(lines):
        doc.put(X, QR_Y + 8 + n * 6.5, w, line, size=14, h=6.5)
    doc.link(X, QR_Y + 8, w, 6.5 * len(lines), url)
    doc.set_text_color(*GREY)
    small = [organisation, _("Udskrevet %(date)s", date=fmt_date(printed))]
    if total > 1:
        small.append(_("Side %(number)s af %(total)s", number=number, total=total))
    doc.put(X, QR_Y + QR_SIZE - 5.5, w, " · ".join(small), size=11, h=5.5)


def _qr(doc: pdf.Document, url: str, x: float, y: float, size: float) -> None:
    """The QR code for ``url`` as vector squares: one filled path of the dark runs of each row,
    so it prints sharp at any size and has no seams between modules. The page around it is
    blank for the quiet zone (four modules)."""
    matrix = segno.make(url, micro=False, error="m").matrix
    module = size / len(matrix)
    with doc.new_path() as path:
        path.style.fill_color = "#000000"
        path.style.stroke_color = None
        for r, row in enumerate(matrix):
            c = 0
            while c < len(row):
                if not row[c]:
                    c += 1
                    continue
                start = c
                while c < len(row) and row[c]:
                    c += 1
                path.rectangle(x + start * module, y + r * module, (c - start) * module, module)
    doc.link(x, y, size, size, url)
