"""Shared bits for the pack page, API and browser tests: files, items, publishing and building."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.core.storage import FileStore
from boardkit.meetings import attachments, service
from boardkit.meetings.models import AgendaItem, Meeting
from boardkit.meetings.packs import service as packs_service
from boardkit.meetings.service import ItemInput
from boardkit.org.models import Person
from tests.meetings.meeting_env import ADMIN


def _admin(s: Session) -> int:
    admin = s.scalar(select(Person.id).where(Person.email == ADMIN))
    assert admin is not None
    return admin


def add_file(db: Database, settings: Settings, item_id: int, filename: str, data: bytes) -> int:
    with db.transaction() as s:
        item = s.get(AgendaItem, item_id)
        assert item is not None
        attachment = attachments.add_attachment(
            s, item, store=FileStore(settings.files_dir), actor_id=_admin(s), filename=filename, data=data
        )
        return attachment.id


def add_item(
    db: Database, meeting_id: int, *, title: str, description: str = "", closed: bool = False
) -> int:
    with db.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        service.load_agenda(s, meeting)
        data = ItemInput(title=title, description=description, kind="information", closed=closed)
        return service.add_item(s, meeting, actor_id=_admin(s), data=data).id


def publish(db: Database, meeting_id: int) -> None:
    with db.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        packs_service.publish_pack(s, meeting, actor_id=_admin(s))


def build_now(db: Database, settings: Settings, meeting_id: int) -> None:
    """Run the build job at once (the worker runs it a few seconds after the last change)."""
    with db.transaction() as s:
        packs_service.build_packs(s, {"meeting_id": meeting_id}, settings=settings)
