"""What a paper letter says, in Danish, from the content frozen on the letter.

Letters are always Danish (they go to a household, not to one person with a language
setting), so this text is not run through gettext.

``Letter.content`` holds the notice's full content; the keys read here (all optional except
``title`` and ``starts_at``): ``title``, ``meeting_kind`` (``ordinary_department`` …),
``starts_at``/``ends_at`` (ISO, with offset), ``location``, ``room``, ``online_url``,
``agenda`` (titles, or dicts with ``number`` and ``title``), ``notice_date``, ``proposals_due``,
``proposals_to`` (where proposals are handed in), ``proposals_url``, ``material_due``,
``department`` (name), ``department_number``, ``board`` (name), ``organisation`` (name),
``sender_address`` (lines or one string), ``sender_contact`` (phone, e-mail or web lines),
``cancel_reason`` and, for updates, ``previous`` (``starts_at``/``location``/``room`` before).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from babel.dates import format_date, format_datetime

from boardkit.core import pdf
from boardkit.core.templating import TZ

KIND_NAMES = {
    # meeting kind → (indefinite, definite)
    "ordinary_department": ("ordinært afdelingsmøde", "det ordinære afdelingsmøde"),
    "extraordinary_department": ("ekstraordinært afdelingsmøde", "det ekstraordinære afdelingsmøde"),
    "board": ("bestyrelsesmøde", "bestyrelsesmødet"),
    "committee": ("udvalgsmøde", "udvalgsmødet"),
}
LETTER_KIND_LABELS = {
    "invitation": "Indkaldelse",
    "update": "Ændring",
    "cancellation": "Aflysning",
    "notice": "Meddelelse",
    "minutes": "Referat",
}
ATTENDANCE = {"present": "til stede", "absent": "fraværende", "excused": "afbud"}


class LetterLike(Protocol):
    kind: str
    recipient: str
    address_lines: list[str]
    content: dict[str, Any]


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=TZ)
    return None


def _day(value: Any) -> date | None:
    """A date from an ISO date, or the Copenhagen day of an ISO time."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    moment = _moment(value)
    return moment.astimezone(TZ).date() if moment else None


def long_date(value: Any) -> str:
    """A long Danish date: tirsdag den 5. januar 2027."""
    day = _day(value)
    return format_date(day, "EEEE 'den' d. MMMM y", locale="da") if day else ""


def short_date(value: Any) -> str:
    """A short Danish date: 5. januar 2027."""
    day = _day(value)
    return format_date(day, "d. MMMM y", locale="da") if day else ""


def when(starts: Any, ends: Any = None) -> str:
    """Danish day and time: tirsdag den 5. januar 2027 kl. 19.00–21.00 (the end only on the same day)."""
    start = _moment(starts)
    if start is None:
        return ""
    text = format_datetime(start.astimezone(TZ), "EEEE 'den' d. MMMM y 'kl.' HH.mm", locale="da")
    end = _moment(ends)
    if end and end.astimezone(TZ).date() == start.astimezone(TZ).date():
        text += "–" + format_datetime(end.astimezone(TZ), "HH.mm", locale="da")
    return text


def _lines(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.replace("\n", ",").split(",") if part.strip()]
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return []


def _agenda(value: Any) -> list[tuple[int, str]]:
    """(number, title) of each item: dicts with ``number`` keep the meeting's numbers (a closed item
    is "Lukket punkt"); plain titles, as older letters hold, are numbered 1, 2, 3 …"""
    if not isinstance(value, list):
        return []
    result = []
    for n, v in enumerate(value, start=1):
        if isinstance(v, dict):
            number = v.get("number")
            result.append((number if isinstance(number, int) else n, str(v.get("title", ""))))
        else:
            result.append((n, str(v)))
    return result


def _place_rows(c: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    rows = []
    if c.get("location"):
        rows.append((prefix + "Sted", str(c["location"])))
    if c.get("room"):
        rows.append((prefix + "Lokale", str(c["room"])))
    return rows


def _proposals(c: dict[str, Any], board: str) -> list[pdf.Block]:
    if not c.get("proposals_due"):
        return []
    text = (
        f"Forslag, der ønskes behandlet på mødet, skal være {board[:1].lower() + board[1:]} i hænde senest "
        f"{long_date(c['proposals_due'])}."
    )
    if c.get("proposals_to"):
        text += f" Aflever forslaget {c['proposals_to']}."
    if c.get("proposals_url"):
        text += f" Du kan også sende det digitalt på {c['proposals_url']}."
    text += " Skriv forslaget, så der kan svares ja eller nej til det, og skriv dit navn og din adresse på."
    blocks: list[pdf.Block] = [pdf.Heading("Forslag til dagsordenen"), pdf.Paragraph(text)]
    if c.get("material_due"):
        blocks.append(
            pdf.Paragraph(
                "Dagsorden med indkomne forslag, regnskab, budget og bestyrelsens beretning offentliggøres "
                f"senest {long_date(c['material_due'])}."
            )
        )
    return blocks


def salutation(recipient: str) -> str:
    """The greeting: the residents by name, or "Kære beboere," for "Husstanden", "Beboerne" or no one."""
    name = recipient.strip()
    if not name or name.lower().startswith(("husstand", "beboer")):
        return "Kære beboere,"
    return f"Kære {name},"


def letter_spec(letter: LetterLike) -> pdf.LetterSpec:
    """The letter laid out as blocks: letterhead, window address, subject, body, signature."""
    c = letter.content or {}
    if letter.kind == "notice":
        return notice_spec(letter)
    organisation = str(c.get("organisation") or "")
    department = str(c.get("department") or "")
    board = str(c.get("board") or ("Afdelingsbestyrelsen" if department else "Bestyrelsen"))
    kind = str(c.get("meeting_kind") or ("ordinary_department" if department else "board"))
    name, definite = KIND_NAMES.get(kind, ("møde", "mødet"))
    where = f" i {department}" if department else ""
    department_members = kind in ("ordinary_department", "extraordinary_department")
    sender_address = _lines(c.get("sender_address"))
    facts = [
        ("Møde", str(c.get("title") or name.capitalize())),
        ("Tid", when(c.get("starts_at"), c.get("ends_at"))),
    ]
    facts += _place_rows(c)
    if c.get("online_url"):
        facts.append(("Online", str(c["online_url"])))

    blocks: list[pdf.Block] = [pdf.Paragraph(salutation(letter.recipient))]
    if letter.kind == "cancellation":
        subject = f"Aflysning af {name}{where}"
        blocks.append(pdf.Paragraph(f"{definite.capitalize()}{where} er aflyst. Mødet skulle have været:"))
        blocks.append(pdf.Facts(facts))
        if c.get("cancel_reason"):
            blocks += [pdf.Heading("Begrundelse"), pdf.Paragraph(str(c["cancel_reason"]))]
        blocks.append(
            pdf.Paragraph(
                "Når der er fastsat et nyt tidspunkt, får du en ny indkaldelse med det varsel, "
                "som vedtægterne kræver."
            )
        )
    else:
        if letter.kind == "update":
            subject = f"Ændret indkaldelse til {name}{where}"
            intro = (
                f"Tid eller sted for {definite}{where} er ændret. Oplysningerne herunder "
                "erstatter den tidligere indkaldelse."
            )
            previous: dict[str, Any] = c["previous"] if isinstance(c.get("previous"), dict) else {}
            before = [when(previous.get("starts_at"), previous.get("ends_at"))]
            before += [str(previous.get(key) or "") for key in ("location", "room")]
            if any(before):
                facts.append(("Tidligere", ", ".join(part for part in before if part)))
        else:
            subject = f"Indkaldelse til {name}{where}"
            intro = f"Hermed indkaldes til {name}{where}."
            if c.get("notice_date"):
                intro += f" Indkaldelsen er udsendt den {short_date(c['notice_date'])}."
            if department_members:
                intro += " Alle beboere i afdelingen er velkomne, og vi håber, at du vil deltage."
        blocks += [pdf.Paragraph(intro), pdf.Facts(facts)]
        agenda = _agenda(c.get("agenda"))
        if agenda:
            items = pdf.Items([title for _n, title in agenda], numbers=[n for n, _title in agenda])
            blocks += [pdf.Heading("Dagsorden"), items]
        blocks += _proposals(c, board)
        if department_members:
            blocks += [
                pdf.Heading("Hvem kan deltage og stemme"),
                pdf.Paragraph(
                    "Lejere og deres voksne husstandsmedlemmer har adgang til mødet og kan stemme. "
                    "Hver husstand har to stemmer, uanset hvor mange der bor i boligen. "
                    "Der kan ikke stemmes ved fuldmagt."
                ),
            ]

    # The letter's date: the notice date for an invitation, the day it was made for the others.
    made = getattr(letter, "created_at", None)
    dated = c.get("notice_date") if letter.kind == "invitation" else None
    number = str(c.get("department_number") or "")
    info = [("Dato", short_date(dated or made or c.get("notice_date")))]
    if department:
        info.append(("Afdeling", f"{number} {department}".strip()))
    info.append(("Vedrørende", LETTER_KIND_LABELS.get(letter.kind, letter.kind)))
    return pdf.LetterSpec(
        sender_name=organisation or board,
        sender_lines=[*([board] if organisation else []), *sender_address, *_lines(c.get("sender_contact"))],
        return_address="Afs.: " + ", ".join([organisation or board, *sender_address]),
        recipient_lines=[letter.recipient, *letter.address_lines],
        info=info,
        subject=subject,
        blocks=blocks,
        closing=["Med venlig hilsen", board],
        footer=" · ".join([organisation or board, *sender_address]),
        running_head=f"{subject} · {letter.recipient}",
    )


def _texts(value: Any) -> list[str]:
    """A text's paragraphs (one per line), blank lines dropped."""
    lines = str(value or "").replace("\r\n", "\n").split("\n")
    return [" ".join(line.split()) for line in lines if line.strip()]


def minutes_blocks(m: dict[str, Any]) -> list[pdf.Block]:
    """Published minutes printed in a letter (``content["minutes"]``, see ``notice_letters``): the
    facts, who was present, and every item with its notes, decision and votes; a closed item is
    only "Lukket punkt" with its number."""
    department = str(m.get("meeting_kind") or "").endswith("_department")
    facts = [("Møde", str(m.get("title") or "")), ("Tid", when(m.get("starts_at"), m.get("ends_at")))]
    facts += _place_rows(m)
    if m.get("meeting_chair"):
        facts.append(("Dirigent" if department else "Mødeleder", str(m["meeting_chair"])))
    if m.get("minute_taker"):
        facts.append(("Referent", str(m["minute_taker"])))
    if m.get("residents_present") is not None:
        facts.append(("Fremmødte", f"{m['residents_present']} beboere"))
    if m.get("households_represented") is not None:
        facts.append(("Husstande", f"{m['households_represented']} repræsenteret"))
    blocks: list[pdf.Block] = [pdf.Heading("Referat"), pdf.Facts([(k, v) for k, v in facts if v])]
    attendance = m.get("attendance") or []
    if attendance:
        names = "; ".join(f"{a['name']} ({ATTENDANCE.get(a['status'], a['status'])})" for a in attendance)
        blocks.append(pdf.Paragraph(f"Bestyrelsen: {names}."))
    for item in m.get("items") or []:
        if item.get("closed"):
            blocks += [
                pdf.Heading(f"{item['number']}. Lukket punkt"),
                pdf.Paragraph("Punktet blev behandlet for lukkede døre."),
            ]
            continue
        blocks.append(pdf.Heading(f"{item['number']}. {item.get('title', '')}"))
        blocks += [pdf.Paragraph(text) for text in _texts(item.get("notes"))]
        decision = _texts(item.get("decision"))
        if decision:
            blocks.append(pdf.Paragraph("Beslutning: " + " ".join(decision), style="B"))
            votes = item.get("votes")
            if isinstance(votes, dict):
                blocks.append(
                    pdf.Paragraph(
                        f"For: {votes.get('for', 0)} · Imod: {votes.get('against', 0)} · "
                        f"Blanke: {votes.get('blank', 0)}"
                    )
                )
        if not item.get("notes") and not decision:
            blocks.append(pdf.Paragraph("Intet referat til punktet."))
    return blocks


def notice_spec(letter: LetterLike) -> pdf.LetterSpec:
    """A notice from core.notify on paper (``content``: ``subject``, ``body``, ``link``, ``important``,
    ``organisation``, ``notice_date``, and for published minutes ``minutes``): the text as written,
    the minutes themselves when it is about them, and where to read more."""
    c = letter.content or {}
    sender = str(c.get("organisation") or "Boligorganisationen")
    subject = ("Vigtigt: " if c.get("important") else "") + str(c.get("subject") or "Meddelelse")
    paragraphs = [p.strip() for p in str(c.get("body") or "").replace("\r\n", "\n").split("\n\n")]
    blocks: list[pdf.Block] = [pdf.Paragraph(salutation(letter.recipient))]
    blocks += [pdf.Paragraph(" ".join(p.split())) for p in paragraphs if p]
    minutes = c.get("minutes") if isinstance(c.get("minutes"), dict) else None
    if minutes is not None:
        blocks += minutes_blocks(minutes)
    if c.get("link"):
        more = "Referatet kan også læses på" if minutes is not None else "Du kan også læse mere på"
        blocks.append(pdf.Paragraph(f"{more} {c['link']}"))
    made = getattr(letter, "created_at", None)
    return pdf.LetterSpec(
        sender_name=sender,
        sender_lines=[],
        return_address=f"Afs.: {sender}",
        recipient_lines=[letter.recipient, *letter.address_lines],
        info=[
            ("Dato", short_date(c.get("notice_date") or made)),
            ("Vedrørende", LETTER_KIND_LABELS["minutes" if minutes is not None else "notice"]),
        ],
        subject=subject,
        blocks=blocks,
        closing=["Med venlig hilsen", sender],
        footer=sender,
        running_head=f"{subject} · {letter.recipient}",
    )
