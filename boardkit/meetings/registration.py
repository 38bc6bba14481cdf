"""The meetings domain's part of the application: the meeting core (pages, search material, the
reminder task, audit names, the retention rule of person cases), then each sub-domain's own ``register``."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core import search, storage
from boardkit.core.audit import ObjectRef, register_object_names
from boardkit.core.models import PreparedFile
from boardkit.core.registry import Registry
from boardkit.core.retention import service as core_retention
from boardkit.meetings import reminders, retention, search_docs, views
from boardkit.meetings.invitations import registration as invitations
from boardkit.meetings.minutes import registration as minutes
from boardkit.meetings.models import AgendaItem, Attachment, Meeting, PackFile, PrintBatch
from boardkit.meetings.packs import registration as packs
from boardkit.meetings.proposals import registration as proposals


def _meetings(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(select(Meeting.id, Meeting.title).where(Meeting.id.in_(ids)))
    return {i: ObjectRef(title, "meeting", {"meeting_id": i}) for i, title in rows}


def _items(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(
        select(AgendaItem.id, AgendaItem.title, AgendaItem.meeting_id).where(AgendaItem.id.in_(ids))
    )
    return {i: ObjectRef(title, "meeting", {"meeting_id": m}) for i, title, m in rows}


def _attachments(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(
        select(Attachment.id, Attachment.filename, AgendaItem.meeting_id)
        .join(AgendaItem, AgendaItem.id == Attachment.agenda_item_id)
        .where(Attachment.id.in_(ids))
    )
    return {i: ObjectRef(name, "meeting", {"meeting_id": m}) for i, name, m in rows}


def register(reg: Registry) -> None:
    reg.routes(views.routes)
    search.register_provider(search_docs.PROVIDER, search_docs.meeting_documents)
    reg.every(reminders.KIND, reminders.make_handler(reg.settings), seconds=reminders.EVERY_SECONDS)
    for object_type, names in {
        "meeting": _meetings,
        "agenda_item": _items,
        "attachment": _attachments,
    }.items():
        register_object_names(object_type, names)
    # The stored files meetings refer to (a pack's prepared copies are the meetings' too).
    storage.register_references(
        "meetings", Attachment.sha256, PackFile.sha256, PrintBatch.pdf_sha256, PreparedFile.prepared_sha256
    )
    core_retention.register_rule(retention.RULE, retention.rule)
    for sub in (packs, proposals, invitations, minutes):
        sub.register(reg)
