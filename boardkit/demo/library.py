"""Demo library: Engparken's board gets six documents (statutes, rules of procedure, house rules,
maintenance plan, the latest inspection report, the råderet catalogue), two contracts (gardener,
cleaning) with the administration's contact, and eight keys and accounts held by its members —
the codes themselves never stored. The PDFs are drawn with fpdf2; only ``boardkit demo`` (with a
file store) adds them."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.db import utcnow
from boardkit.core.pdf import FONT, FONTS_DIR, Document
from boardkit.core.storage import FileStore
from boardkit.library.models import AccessItem, DocumentVersion, Holding, LibraryDocument
from boardkit.org.models import Board, Membership, Person
from boardkit.org.periods import today

DOCUMENTS = (
    ("statutes", "Vedtægter for Engparken", "Vedtaget på afdelingsmødet.", 2),
    (
        "rules_of_procedure",
        "Forretningsorden for afdelingsbestyrelsen",
        "Møder, beslutninger og referater.",
        1,
    ),
    ("house_rules", "Husorden", "Ro, affald, vaskeri, husdyr og fællesarealer.", 3),
    ("maintenance_plan", "Drifts- og vedligeholdelsesplan 2026–2035", "Den 10-årige plan med budget.", 1),
    (
        "inspection_report",
        "Boligsyn og bygningsgennemgang 2026",
        "Seneste gennemgang af tage, vinduer og kældre.",
        1,
    ),
    ("raaderet_catalogue", "Råderetskatalog", "Hvad beboerne selv må ændre, og hvad der godtgøres.", 1),
)
CONTRACTS = (
    (
        "Gartneraftale",
        "Grøn Have ApS",
        "Græsslåning, hækklipning og beplantning",
        "3 måneder til udgangen af en måned",
    ),
    ("Rengøringsaftale", "Rent Trappe A/S", "Trappevask og rengøring af fælleshuset", "1 måned"),
)
ITEMS = (
    ("key", "Vaskerinøgle", "Vaskeriet i kælderen, blok 2", "nøgle 1 af 2"),
    ("key", "Nøgle til mødelokalet", "Bestyrelsens mødelokale i fælleshuset", "nøgle 1 af 2"),
    ("key", "Nøgle til mødelokalet", "Bestyrelsens mødelokale i fælleshuset", "nøgle 2 af 2"),
    ("fob", "Brik til fælleshuset", "Hoveddøren til fælleshuset", ""),
    ("account", "Opslagstavlen på hjemmesiden", "Afdelingens side på boligselskabets hjemmeside", ""),
    ("key", "Postkassenøgle", "Bestyrelsens postkasse ved opgang 1", ""),
    ("key", "Nøgle til redskabsskuret", "Redskabsskuret ved legepladsen", "nøgle 3 af 4"),
    ("code", "Alarmkode", "Alarmen i fælleshuset", ""),
)


def document_pdf(title: str, pages: int = 2) -> bytes:
    pdf = Document(FONTS_DIR)
    pdf.set_title(title)
    pdf.set_author("Afdelingsbestyrelsen i Engparken")
    for page in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font(FONT, "B", 16)
        pdf.cell(0, 12, title if page == 1 else f"{title}, side {page}")
        pdf.ln(16)
        pdf.set_font(FONT, "", 11)
        text = (
            "§ 1. Denne tekst er demodata for afdelingen Engparken. Bestemmelserne gælder for alle "
            "beboere og for afdelingsbestyrelsen, indtil afdelingsmødet vedtager andet. "
        )
        pdf.multi_cell(0, 6, text * 5)
    return bytes(pdf.output())


def _version(
    store: FileStore, document: LibraryDocument, number: int, uploaded_by: int, when: date
) -> DocumentVersion:
    data = document_pdf(document.title + (f" (version {number})" if number > 1 else ""))
    name = document.title.lower().replace(" ", "-").replace("–", "-")[:80] + ".pdf"
    return DocumentVersion(
        document=document,
        number=number,
        sha256=store.put(data),
        filename=name,
        content_type="application/pdf",
        size=len(data),
        uploaded_by=uploaded_by,
        uploaded_at=utcnow() - timedelta(days=(today() - when).days),
    )


def add_demo_library(db: Session, *, store: FileStore, board: Board, admin: Person) -> None:
    day = today()
    members = {
        m.role: m.person_id
        for m in db.scalars(select(Membership).where(Membership.board_id == board.id).order_by(Membership.id))
        if m.start_date <= day and (m.end_date is None or m.end_date >= day)
    }
    chair = members["chair"]
    others = [p for r, p in members.items() if r not in ("chair", "substitute")] or [chair]
    for n, (kind, title, description, versions) in enumerate(DOCUMENTS):
        document = LibraryDocument(
            organisation_id=board.organisation_id,
            board_id=board.id,
            kind=kind,
            title=title,
            description=description,
            created_by=chair,
        )
        db.add(document)
        for number in range(1, versions + 1):
            db.add(_version(store, document, number, chair, day - timedelta(days=400 - 90 * number - n)))
        document.updated_at = utcnow() - timedelta(days=400 - 90 * versions - n)
    for title, supplier, subject, notice in CONTRACTS:
        contract = LibraryDocument(
            organisation_id=board.organisation_id,
            board_id=board.id,
            kind="contract",
            title=title,
            description="",
            supplier=supplier,
            subject=subject,
            term_start=date(day.year - 1, 1, 1),
            term_end=date(day.year + 1, 12, 31),
            notice_period=notice,
            admin_contact_id=admin.id,
            created_by=admin.id,
        )
        db.add(contract)
        db.add(_version(store, contract, 1, admin.id, date(day.year - 1, 1, 1)))
    for n, (kind, label, opens, item_number) in enumerate(ITEMS):
        item = AccessItem(
            organisation_id=board.organisation_id,
            board_id=board.id,
            kind=kind,
            label=label,
            opens=opens,
            number=item_number,
            changed_on=day - timedelta(days=120) if kind in ("code", "account") else None,
        )
        db.add(item)
        if n == 6:  # the tool shed's key was handed back and waits in the board room
            holder = others[n % len(others)]
            db.add(
                Holding(
                    item=item,
                    person_id=holder,
                    issued_on=day - timedelta(days=500),
                    returned_on=day - timedelta(days=30),
                )
            )
            continue
        holder = chair if n in (1, 4, 7) else others[n % len(others)]
        db.add(
            Holding(
                item=item, person_id=holder, issued_on=day - timedelta(days=300 - n * 10), issued_by=chair
            )
        )
    db.flush()
