"""Demo material: a few real files on the demo agendas and published meeting packs.

Only ``boardkit demo`` adds these (it has a file store); the test fixture's demo stays without
files and unpublished packs, so tests start from a plain agenda. The worker builds the packs a
few seconds after ``boardkit serve`` starts.
"""

from __future__ import annotations

import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.pdf import FONT, FONTS_DIR, Document
from boardkit.core.storage import FileStore
from boardkit.meetings import service as meeting_service
from boardkit.meetings.models import AgendaItem, Meeting
from boardkit.meetings.packs import service as packs_service
from boardkit.org.models import Board, Person

OFFER_LINES = (
    ("Faldunderlag, gummigranulat 40 mm, 86 m²", "148.920,00"),
    ("Fjernelse af eksisterende sand og bortskaffelse", "18.400,00"),
    ("Dobbeltgynge med to sæder (EN 1176)", "36.750,00"),
    ("Montering, opmåling og sikkerhedsinspektion", "22.300,00"),
)


def offer_pdf() -> bytes:
    """A three-page offer, drawn with fpdf2 in the house font."""
    pdf = Document(FONTS_DIR)
    pdf.set_title("Tilbud på faldunderlag og gynger")
    pdf.set_author("Legeland ApS")
    for page in range(1, 4):
        pdf.add_page()
        pdf.set_font(FONT, "B", 18)
        pdf.cell(0, 12, "Legeland ApS — tilbud nr. 2417" if page == 1 else f"Tilbud nr. 2417, side {page}")
        pdf.ln(16)
        pdf.set_font(FONT, "", 11)
        if page == 1:
            pdf.multi_cell(0, 6, "Til Afdelingsbestyrelsen i Engparken\nVedr.: Legepladsen ved Engvænget")
            pdf.ln(6)
            for text, amount in OFFER_LINES:
                pdf.cell(140, 8, text, border="B")
                pdf.cell(0, 8, amount, border="B", align="R")
                pdf.ln(8)
            pdf.set_font(FONT, "B", 11)
            pdf.cell(140, 10, "I alt ekskl. moms")
            pdf.cell(0, 10, "226.370,00", align="R")
        else:
            text = (
                "Arbejdet udføres på ca. tre uger i perioden april–maj. Legepladsen afspærres, mens "
                "der arbejdes. Faldunderlaget leveres med ti års garanti mod nedbrydning og "
                "opfylder EN 1177 for faldhøjder op til 2,4 m. "
            )
            pdf.multi_cell(0, 6, text * 4)
    return bytes(pdf.output())


def playground_png() -> bytes:
    """A simple drawing of the playground (what a photo from a phone would show)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 800), (196, 226, 174))
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 420, 720, 740), fill=(226, 204, 150))  # the sand pit to be replaced
    draw.line((820, 140, 900, 700), fill=(90, 60, 40), width=14)  # swing frame
    draw.line((1100, 140, 1020, 700), fill=(90, 60, 40), width=14)
    draw.line((810, 140, 1110, 140), fill=(90, 60, 40), width=16)
    for x in (900, 1010):
        draw.line((x, 150, x, 520), fill=(60, 60, 60), width=4)
        draw.rectangle((x - 40, 520, x + 40, 540), fill=(200, 40, 40))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def budget_pdf(year: int) -> bytes:
    pdf = Document(FONTS_DIR)
    pdf.set_title(f"Budget {year}")
    pdf.add_page()
    pdf.set_font(FONT, "B", 18)
    pdf.cell(0, 12, f"Engparken — forslag til budget {year}")
    pdf.ln(16)
    pdf.set_font(FONT, "", 11)
    rows = (("Husleje", "14.212.000"), ("Renholdelse", "1.190.000"), ("Vedligeholdelse", "2.450.000"))
    for text, amount in rows:
        pdf.cell(120, 8, text, border="B")
        pdf.cell(0, 8, f"{amount} kr.", border="B", align="R")
        pdf.ln(8)
    pdf.ln(6)
    pdf.multi_cell(0, 6, "Lejen foreslås hævet med 1,9 % fra 1. januar.")
    return bytes(pdf.output())


def add_demo_packs(db: Session, *, store: FileStore, board: Board, admin: Person) -> None:
    """Files on Engparken's next board meeting and its department meeting; both packs published."""
    meetings = db.scalars(
        select(Meeting)
        .where(Meeting.board_id == board.id, Meeting.status.in_(("planned", "invited")))
        .order_by(Meeting.starts_at)
    ).all()
    board_meeting = next(m for m in meetings if m.kind == "board")
    department = next(m for m in meetings if m.kind == "ordinary_department")
    files = {
        (board_meeting.id, "Legepladsen ved Engvænget"): [
            ("Tilbud på faldunderlag og gynger.pdf", offer_pdf()),
            ("Legepladsen i dag.png", playground_png()),
        ],
        (department.id, "Afdelingens budget for næste år"): [
            (f"Budget {department.starts_at.year + 1}.pdf", budget_pdf(department.starts_at.year + 1))
        ],
    }
    for (meeting_id, title), uploads in files.items():
        item = db.scalars(
            select(AgendaItem).where(AgendaItem.meeting_id == meeting_id, AgendaItem.title == title)
        ).one()
        for filename, data in uploads:
            meeting_service.add_attachment(
                db, item, store=store, actor_id=admin.id, filename=filename, data=data
            )
    for meeting in (board_meeting, department):
        packs_service.publish_pack(db, meeting, actor_id=admin.id)
