"""Shared bits for the pack service tests: publishing, building, downloading through the service."""

from __future__ import annotations

import io
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.app import build_runner
from boardkit.config import Settings
from boardkit.core.db import Database, utcnow
from boardkit.core.permissions import Principal
from boardkit.core.storage import FileStore
from boardkit.meetings import attachments, service
from boardkit.meetings.models import AgendaItem, Attachment, Meeting, PackVersion
from boardkit.meetings.packs import service as packs_service
from boardkit.meetings.service import ItemInput
from boardkit.org import service as org_service
from boardkit.org.models import Person
from tests.helpers import person_id
from tests.meetings.meeting_env import ADMIN


def admin(s: Session) -> int:
    """The administration's person id, read in the caller's transaction."""
    found = s.scalar(select(Person.id).where(Person.email == ADMIN))
    assert found is not None
    return found


def principal_of(db: Database, email: str) -> Principal:
    with db.transaction() as s:
        return org_service.build_principal(s, person_id=person_id(db, email))


def publish(db: Database, meeting_id: int) -> None:
    with db.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        assert packs_service.publish_pack(s, meeting, actor_id=admin(s))


def build(db: Database, settings: Settings, meeting_id: int) -> dict[str, int]:
    """Run the build now (the worker would a few seconds after the last change): {variant: number}."""
    with db.transaction() as s:
        made = packs_service.build_packs(s, {"meeting_id": meeting_id}, settings=settings)
        return {v.variant: v.number for v in made}


def run_jobs(db: Database, settings: Settings) -> int:
    """Run every job due within the next minute (builds wait a few seconds for more edits)."""
    return build_runner(db, settings).run_until_idle(now=utcnow() + timedelta(minutes=1))


def add_file(db: Database, settings: Settings, item_id: int, filename: str, data: bytes) -> int:
    with db.transaction() as s:
        item = s.get(AgendaItem, item_id)
        assert item is not None
        found = attachments.add_attachment(
            s, item, store=FileStore(settings.files_dir), actor_id=admin(s), filename=filename, data=data
        )
        return found.id


def delete_file(db: Database, attachment_id: int) -> None:
    with db.transaction() as s:
        attachment = s.get(Attachment, attachment_id)
        assert attachment is not None
        attachments.delete_attachment(s, attachment, actor_id=admin(s), organisation_id=0)


def add_item(
    db: Database,
    meeting_id: int,
    *,
    title: str,
    description: str = "",
    closed: bool = False,
    position: int | None = None,
) -> int:
    with db.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        service.load_agenda(s, meeting)
        data = ItemInput(title=title, description=description, closed=closed, position=position)
        return service.add_item(s, meeting, actor_id=admin(s), data=data).id


def item_id(db: Database, meeting_id: int, title: str) -> int:
    with db.transaction() as s:
        found = s.scalar(
            select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id, AgendaItem.title == title)
        )
    assert found is not None, title
    return found


def download(
    db: Database, settings: Settings, meeting_id: int, email: str, *, notes: bool = False, count: bool = True
) -> tuple[int, bytes]:
    """(version, PDF bytes) of the person's own copy, as the pack page gets it."""
    store = FileStore(settings.files_dir)
    with db.transaction() as s:
        pid = s.scalar(select(Person.id).where(Person.email == email))
        assert pid is not None
        principal = org_service.build_principal(s, person_id=pid)
        meeting = service.get_meeting(s, principal=principal, meeting_id=meeting_id)
        got = packs_service.reader_pack(
            s,
            store=store,
            meeting=meeting,
            principal=principal,
            person=org_service.get_person(s, person_id=pid),
            with_notes=notes,
            count_read=count,
        )
    return got.version, store.get(got.sha256)


def versions(db: Database, meeting_id: int, variant: str) -> list[PackVersion]:
    with db.transaction() as s:
        rows = s.scalars(
            select(PackVersion)
            .where(PackVersion.meeting_id == meeting_id, PackVersion.variant == variant)
            .order_by(PackVersion.number)
        ).all()
        s.expunge_all()
    return list(rows)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def qpdf_check(pdf: bytes) -> None:
    """``qpdf --check`` passes without errors or warnings."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pack.pdf"
        path.write_bytes(pdf)
        done = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
