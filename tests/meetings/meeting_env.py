"""Shared bits for the meeting tests: demo accounts, real files, meetings made through the service."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from boardkit.core.db import Database, utcnow
from boardkit.core.templating import TZ
from boardkit.meetings import service
from boardkit.meetings.models import AgendaItem, Meeting
from boardkit.meetings.service import MeetingInput
from boardkit.org import service as org_service
from boardkit.org.models import Board, Membership, Person

ADMIN = "admin@demo.boardkit.dk"
CHAIR = "formand@demo.boardkit.dk"
TREASURER = "kasserer@demo.boardkit.dk"
MEMBER_SOEBAKKEN = "medlem@demo.boardkit.dk"
RESIDENT = "beboer@demo.boardkit.dk"
RESIDENT_SOEBAKKEN = "beboer2@demo.boardkit.dk"
ENGPARKEN = "Afdelingsbestyrelsen i Engparken"
SOEBAKKEN = "Afdelingsbestyrelsen i Søbakken"


def local_day(days: int) -> date:
    return utcnow().astimezone(TZ).date() + timedelta(days=days)


def at_local(day: date, hour: int = 19, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def board_id(db: Database, name: str = ENGPARKEN) -> int:
    with db.transaction() as s:
        found = s.scalar(select(Board.id).where(Board.name == name))
    assert found is not None, name
    return found


def email_of_role(db: Database, board: str, role: str) -> str:
    """The e-mail of someone holding ``role`` on the board (demo substitutes have generated e-mails)."""
    with db.transaction() as s:
        email = s.scalar(
            select(Person.email)
            .join(Membership, Membership.person_id == Person.id)
            .join(Board, Board.id == Membership.board_id)
            .where(Board.name == board, Membership.role == role, Membership.end_date.is_(None))
            .order_by(Person.id)
            .limit(1)
        )
    assert email, (board, role)
    return email


def make_meeting(
    db: Database,
    *,
    days: int,
    kind: str = "board",
    board: str = ENGPARKEN,
    title: str = "",
    override: bool = True,
    announced: bool = False,
) -> int:
    """A meeting ``days`` ahead at 19:00 made by the administration (a short notice overridden);
    ``announced`` marks it as if invitations went out (residents see a meeting only then)."""
    starts = at_local(local_day(days))
    data = MeetingInput(
        title=title or ("Ordinært afdelingsmøde" if kind == "ordinary_department" else "Testmøde"),
        kind=kind,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        location="Fælleshuset",
        override_notice=override,
        override_reason="Test" if override else "",
    )
    bid = board_id(db, board)
    with db.transaction() as s:
        admin = s.scalar(select(Person.id).where(Person.email == ADMIN))
        assert admin is not None
        principal = org_service.build_principal(s, person_id=admin)
        meeting = service.create_meeting(s, principal=principal, actor_id=admin, board_id=bid, data=data)
        if announced:
            meeting.invited_at = utcnow()
        return meeting.id


def closed_item(db: Database) -> tuple[int, int]:
    """(meeting id, item id) of the demo's closed "Personalesag" on an Engparken board meeting."""
    with db.transaction() as s:
        row = s.execute(
            select(AgendaItem.meeting_id, AgendaItem.id).where(AgendaItem.title == "Personalesag")
        ).one()
    return row[0], row[1]


def department_meeting(db: Database, board: str = ENGPARKEN) -> int:
    with db.transaction() as s:
        found = s.scalar(
            select(Meeting.id)
            .join(Board, Board.id == Meeting.board_id)
            .where(Board.name == board, Meeting.kind == "ordinary_department")
        )
    assert found is not None
    return found


def pdf_bytes(pages: int = 2, password: str | None = None) -> bytes:
    """A real PDF made with fpdf2 (optionally encrypted with pypdf)."""
    from fpdf import FPDF

    doc = FPDF()
    doc.set_creation_date(datetime(2026, 1, 1, tzinfo=TZ))  # the same bytes every time it is called
    for n in range(pages):
        doc.add_page()
        doc.set_font("helvetica", size=16)
        doc.cell(0, 10, f"Side {n + 1}")
    data = bytes(doc.output())
    if password is None:
        return data
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 60)).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 60)).save(out, format="JPEG")
    return out.getvalue()


def heic_bytes() -> bytes:
    """The start of an iPhone HEIC file: an ISO BMFF 'ftyp' box with the heic brand, then a meta box."""
    ftyp = (24).to_bytes(4, "big") + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic"
    return ftyp + (16).to_bytes(4, "big") + b"meta" + b"\x00" * 8 + b"\x00" * 200
