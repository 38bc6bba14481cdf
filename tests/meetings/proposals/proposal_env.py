"""Department meetings with open and closed proposal intake in the demo organisation, for tests."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from pypdf import PdfWriter
from sqlalchemy import select

from boardkit.core.db import Database, utcnow
from boardkit.core.templating import TZ
from boardkit.meetings import service
from boardkit.meetings.service import MeetingInput
from boardkit.org import service as org_service
from boardkit.org.models import Board
from tests.helpers import person_id

ADMIN = "admin@demo.boardkit.dk"
CHAIR = "formand@demo.boardkit.dk"
TREASURER = "kasserer@demo.boardkit.dk"
RESIDENT = "beboer@demo.boardkit.dk"
OUTSIDER = "beboer2@demo.boardkit.dk"  # a resident of Søbakken

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _pdf() -> bytes:
    """A real one-page PDF."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


PDF = _pdf()
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def local_day(days: int) -> date:
    return utcnow().astimezone(TZ).date() + timedelta(days=days)


def at_local(day: date, hour: int = 19, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def board_id(db: Database, name: str = "Afdelingsbestyrelsen i Engparken") -> int:
    with db.transaction() as s:
        found = s.scalar(select(Board.id).where(Board.name == name))
    assert found is not None
    return found


def create_meeting(
    db: Database,
    *,
    days: int,
    kind: str = "ordinary_department",
    title: str = "",
    board: str = "",
    announced: bool = True,
) -> int:
    """A meeting ``days`` ahead at 19:00, called by the administration (short notice overridden) and,
    unless ``announced`` is False, announced (residents see a meeting only once it is)."""
    bid = board_id(db, board) if board else board_id(db)
    starts = at_local(local_day(days))
    data = MeetingInput(
        title=title or ("Ordinært afdelingsmøde" if kind == "ordinary_department" else "Bestyrelsesmøde"),
        kind=kind,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        location="Fælleshuset, Engparken 2",
        override_notice=True,
        override_reason="Test: kort varsel",
    )
    admin = person_id(db, ADMIN)
    with db.transaction() as s:
        principal = org_service.build_principal(s, person_id=admin)
        meeting = service.create_meeting(s, principal=principal, actor_id=admin, board_id=bid, data=data)
        if announced:
            meeting.invited_at = utcnow()
        return meeting.id


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes
    content_type: str = ""
