"""The minutes as a PDF (fpdf2 through ``core.pdfbook``, IBM Plex Sans): metadata, attendance, items,
decisions and votes. Residents get the redacted content: a closed item is only "Lukket punkt"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from starlette.responses import Response

from boardkit.core import i18n, pdf
from boardkit.core.i18n import _
from boardkit.core.pdf import book as pdfbook
from boardkit.core.pdf.cache import RenderCache
from boardkit.core.permissions import Principal
from boardkit.core.templating import fmt_datetime
from boardkit.core.web import file_response
from boardkit.meetings.minutes import access as minutes_access
from boardkit.meetings.minutes import election
from boardkit.meetings.models import Meeting, Minutes
from boardkit.meetings.packs.layout import BLUE, CLOSED_FILL, GREY, INK, RULE, Flow, W, X, tag
from boardkit.meetings.packs.pdf import meeting_kind


@dataclass(frozen=True)
class MinutesSpec:
    organisation: str
    board: str
    title: str
    meeting_kind: str
    starts_at: datetime
    location: str
    status: str
    version: int
    content: dict[str, Any]  # as minutes.py describes it (redacted for residents)
    approved_at: datetime | None = None  # when it got its status (published, else approved)
    language: str = "da"


# Published minutes are downloaded by every resident: drawn once per reader's version, per process.
_DRAWN = RenderCache()


def render_minutes(spec: MinutesSpec) -> bytes:
    with i18n.language(spec.language):
        book = pdfbook.Book(
            title=_("Referat: %(title)s", title=spec.title), author=spec.organisation, subject=spec.board
        )
        flow = Flow(book, footer=_("Referat: %(title)s", title=spec.title))
        _head(book, flow, spec)
        _attendance(book, flow, spec)
        for item in spec.content.get("items", []):
            _item(book, flow, item)
        _election(flow, spec)
        flow.commit()
        return book.render()


def _line(
    flow: Flow, text: str, *, size: float = 10.5, h: float = 5.2, style: str = "", colour: Any = INK
) -> None:
    for part in flow.book.lines(text, W, style=style, size=size) if text else [""]:

        def place(doc: pdf.Document, y: float, part: str = part) -> None:
            doc.set_text_color(*colour)
            doc.put(X, y, W, part, size=size, h=h, style=style)

        flow.block(h, place)


def _head(book: pdfbook.Book, flow: Flow, spec: MinutesSpec) -> None:
    _line(flow, spec.organisation, colour=GREY)
    _line(flow, spec.board, style="B")
    flow.gap(6)
    _line(flow, meeting_kind(spec.meeting_kind), size=12, h=6, style="B", colour=BLUE)
    for part in book.lines(_("Referat: %(title)s", title=spec.title), W, size=20):

        def title(doc: pdf.Document, y: float, part: str = part) -> None:
            doc.put(X, y, W, part, size=20, h=9, family=pdf.FONT_HEAVY)

        flow.block(9, title)
    flow.gap(4)
    c = spec.content
    facts = [(_("Tidspunkt"), fmt_datetime(spec.starts_at)), (_("Sted"), spec.location)]
    chair_label = _("Dirigent") if spec.meeting_kind.endswith("department") else _("Mødeleder")
    facts += [(chair_label, c.get("meeting_chair") or ""), (_("Referent"), c.get("minute_taker") or "")]
    if c.get("residents_present") is not None:
        facts.append((_("Fremmødte beboere"), str(c["residents_present"])))
    if c.get("households_represented") is not None:
        facts.append((_("Repræsenterede husstande"), str(c["households_represented"])))
    statuses = {
        "draft": _("Kladde"),
        "submitted": _("Til godkendelse"),
        "approved": _("Godkendt"),
        "published": _("Udgivet"),
    }
    status = statuses.get(spec.status, spec.status)
    if spec.approved_at:
        status = _("%(status)s %(when)s", status=status, when=fmt_datetime(spec.approved_at))
    facts.append((_("Status"), _("%(status)s, version %(n)s", status=status, n=spec.version)))
    for label, value in facts:
        if not value:
            continue

        def fact(doc: pdf.Document, y: float, label: str = label, value: str = value) -> None:
            doc.set_text_color(*GREY)
            doc.put(X, y, 48, label, size=10, h=5.6, style="B")
            doc.set_text_color(*INK)
            doc.put(X + 50, y, W - 50, value, size=10, h=5.6)

        flow.block(5.6, fact)
    flow.gap(4)


def _heading(flow: Flow, text: str, *, keep: float = 12.0) -> None:
    def place(doc: pdf.Document, y: float) -> None:
        doc.set_draw_color(*RULE)
        doc.line(X, y, X + W, y)
        doc.set_text_color(*INK)
        doc.put(X, y + 2.5, W, text, size=13, h=6.5, style="B")

    flow.block(10, place, keep=keep)


def _attendance(book: pdfbook.Book, flow: Flow, spec: MinutesSpec) -> None:
    rows = spec.content.get("attendance", [])
    if not rows:
        return
    _heading(flow, _("Fremmøde"))
    labels = {"present": _("Til stede"), "absent": _("Fraværende"), "excused": _("Afbud")}
    for a in rows:
        _line(flow, f"{a['name']}: {labels.get(a['status'], a['status'])}", size=10)
    flow.gap(3)


def _item(book: pdfbook.Book, flow: Flow, item: dict[str, Any]) -> None:
    if item.get("redacted"):
        _heading(flow, _("%(n)s. Lukket punkt", n=item["number"]), keep=6)
        _line(flow, _("Punktet blev behandlet for lukkede døre."), size=10, colour=GREY)
        flow.gap(3)
        return
    _heading(flow, f"{item['number']}. {item['title']}")
    if item.get("closed"):

        def closed(doc: pdf.Document, y: float) -> None:
            tag(doc, X, y, _("Lukket punkt"), fill=CLOSED_FILL)

        flow.block(7, closed)
    if item.get("notes"):
        for paragraph in item["notes"].split("\n"):
            _line(flow, paragraph.strip(), size=10.5)
    if item.get("decision"):
        flow.gap(2)
        _line(flow, _("Beslutning:"), style="B", colour=BLUE)
        for paragraph in item["decision"].split("\n"):
            _line(flow, paragraph.strip(), style="B")
        votes = item.get("votes")
        if votes:
            text = _(
                "For: %(f)s · Imod: %(a)s · Blanke: %(b)s",
                f=votes.get("for", 0),
                a=votes.get("against", 0),
                b=votes.get("blank", 0),
            )
            _line(flow, text, size=10, colour=GREY)
    if not item.get("notes") and not item.get("decision"):
        _line(flow, _("Intet referat til punktet."), size=10, colour=GREY)
    if item.get("carried_over"):
        _line(flow, _("Udsat til næste møde"), size=10, style="B", colour=BLUE)
    flow.gap(3)


def _election(flow: Flow, spec: MinutesSpec) -> None:
    shown = election.display(spec.content)
    if shown is None:
        return
    _heading(flow, _("Valg til afdelingsbestyrelsen"))
    _line(flow, _("Valgte medlemmer"), style="B", colour=BLUE)
    for e in shown["elected"]:
        _line(flow, f"{e['name']} ({e['role_text']}, {e['term_text']})", size=10)
    if not shown["elected"]:
        _line(flow, _("Ingen."), size=10, colour=GREY)
    flow.gap(2)
    _line(flow, _("Suppleanter i rækkefølge"), style="B", colour=BLUE)
    for sub in shown["substitutes"]:
        _line(flow, f"{sub['order']}. {sub['name']} ({sub['term_text']})", size=10)
    if not shown["substitutes"]:
        _line(flow, _("Ingen."), size=10, colour=GREY)
    if shown["leaving"]:
        flow.gap(2)
        _line(flow, _("Udtræder af bestyrelsen"), style="B", colour=BLUE)
        for x in shown["leaving"]:
            _line(flow, f"{x['name']} ({x['role_text']})", size=10)
    flow.gap(3)


def minutes_pdf(db: Session, *, principal: Principal, meeting: Meeting, minutes: Minutes) -> bytes:
    """The minutes as this reader may see them (closed items redacted unless allowed)."""
    content = minutes_access.content_for(principal, meeting, minutes.content)
    spec = MinutesSpec(
        organisation=meeting.board.organisation.name,
        board=meeting.board.name,
        title=meeting.title,
        meeting_kind=meeting.kind,
        starts_at=meeting.starts_at,
        location=", ".join(p for p in (meeting.location, meeting.room) if p),
        status=minutes.status,
        version=minutes.version,
        content=content,
        approved_at=minutes.published_at or minutes.approved_at,
        language=i18n.current_language(),
    )
    return _DRAWN.get(spec, render_minutes)


def pdf_response(data: bytes, meeting: Meeting) -> Response:
    name = f"referat-{meeting.starts_at.date().isoformat()}-{meeting.id}.pdf"
    return file_response(data, "application/pdf", name, inline=True, cache="no-store")
