"""Retention of closed person and complaint cases (agenda items with ``person_case``).

The organisation rule ``person_case_retention_years`` (default :data:`DEFAULT_YEARS`) says how
long after the meeting such an item's material is kept. From the day after that anniversary
(as permits count theirs) the nightly retention job (``core.retention``, rule :data:`RULE`)
deletes the item's material:

- its attachments (the rows; the stored files, and the copies prepared from them for packs, once
  nothing else refers to them),
- the readers' private notes on it,
- its description;

and marks the item (``material_deleted_at``). The item's title, the meeting, the minutes and their
decisions are kept: they are the statutory record. Packs built earlier are mended rather than
left broken: in every version's manifest the item keeps its place and title, loses its
description and files and says "Materialet er slettet efter opbevaringsreglerne" (as the meeting
page does); the drawn copies of those versions are deleted, so the next reader gets a copy drawn
again from the mended manifest, and file names vanish from the versions' lists of changes.
A marked item is not due again, so a second run finds nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from boardkit.core import storage
from boardkit.core.db import utcnow
from boardkit.core.models import PreparedFile
from boardkit.core.retention import service as retention
from boardkit.core.templating import TZ
from boardkit.meetings import search_docs
from boardkit.meetings.models import AgendaItem, Attachment, Meeting, PackFile, PackVersion, PrivateNote
from boardkit.meetings.packs.manifest import forget_material, inputs_hash
from boardkit.org import service as org_service

RULE = "meetings.person_cases"
YEARS_RULE = "person_case_retention_years"
DEFAULT_YEARS = 3


def retention_years(rules: dict[str, Any] | None) -> int:
    value = (rules or {}).get(YEARS_RULE)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else DEFAULT_YEARS


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def due_items(db: Session, *, today: date, limit: int) -> list[int]:
    """Person cases whose meeting ended before the organisation's retention time, material not yet
    deleted."""
    found: list[int] = []
    for org_id, rules in db.execute(select(org_service.Organisation.id, org_service.Organisation.rules)):
        cutoff = years_before(today, retention_years(rules))
        before = datetime.combine(cutoff, time(), TZ)  # the meeting's day is before the cutoff day
        query = (
            select(AgendaItem.id)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .join(org_service.Board, org_service.Board.id == Meeting.board_id)
            .where(
                org_service.Board.organisation_id == org_id,
                AgendaItem.person_case.is_(True),
                AgendaItem.material_deleted_at.is_(None),
                Meeting.ends_at < before,
            )
            .order_by(AgendaItem.id)
            .limit(limit - len(found))
        )
        found += db.scalars(query)
        if len(found) >= limit:
            break
    return found


def _mend_packs(db: Session, meeting_ids: Collection[int], item_ids: set[int], files: set[str]) -> int:
    """Take the items' material out of every pack version of the meetings; delete the drawn copies
    of each version that changed (their files go to ``files``). Returns how many copies went."""
    changed: list[int] = []
    for version in db.scalars(select(PackVersion).where(PackVersion.meeting_id.in_(meeting_ids))):
        manifest = forget_material(version.manifest, item_ids)
        scrubbed = [
            {**c, "filename": ""} if c.get("item_id") in item_ids and "filename" in c else c
            for c in version.changes or []
        ]
        if manifest == version.manifest and scrubbed == version.changes:
            continue
        version.manifest, version.changes = manifest, scrubbed
        version.inputs_hash = inputs_hash(manifest)
        changed.append(version.id)
    if not changed:
        return 0
    copies = db.execute(
        select(PackFile.id, PackFile.sha256).where(PackFile.pack_version_id.in_(changed))
    ).all()
    files.update(sha for _, sha in copies)
    if copies:
        db.execute(
            delete(PackFile)
            .where(PackFile.id.in_([i for i, _ in copies]))
            .execution_options(synchronize_session=False)
        )
    return len(copies)


def rule(db: Session, today: date, limit: int) -> retention.RetentionResult:
    """Delete the material of one batch of due person cases (see the module's doc)."""
    ids = due_items(db, today=today, limit=limit)
    if not ids:
        return retention.RetentionResult(counts={"agenda_items": 0})
    files: set[str] = set()
    attachments = db.execute(
        select(Attachment.id, Attachment.sha256).where(Attachment.agenda_item_id.in_(ids))
    ).all()
    sources = {sha for _, sha in attachments}
    if attachments:
        db.execute(
            delete(Attachment)
            .where(Attachment.id.in_([i for i, _ in attachments]))
            .execution_options(synchronize_session=False)
        )
    notes = db.scalar(select(func.count(PrivateNote.id)).where(PrivateNote.agenda_item_id.in_(ids))) or 0
    db.execute(
        delete(PrivateNote)
        .where(PrivateNote.agenda_item_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    meeting_ids = set(db.scalars(select(AgendaItem.meeting_id).where(AgendaItem.id.in_(ids))))
    db.execute(
        update(AgendaItem)
        .where(AgendaItem.id.in_(ids))
        .values(description="", material_deleted_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    copies = _mend_packs(db, meeting_ids, set(ids), files)
    # The copies prepared for packs from files nothing else refers to now are the files' content.
    db.flush()
    gone = storage.unreferenced(db, sources)
    if gone:
        files.update(
            sha
            for sha in db.scalars(
                select(PreparedFile.prepared_sha256).where(PreparedFile.source_sha256.in_(gone))
            )
            if sha
        )
        db.execute(
            delete(PreparedFile)
            .where(PreparedFile.source_sha256.in_(gone))
            .execution_options(synchronize_session=False)
        )
    files |= sources
    for meeting_id in sorted(meeting_ids):
        search_docs.changed(db, meeting_id)
    return retention.RetentionResult(
        counts={
            "agenda_items": len(ids),
            "attachments": len(attachments),
            "private_notes": notes,
            "pack_copies": copies,
        },
        ids={"agenda_item": ids, "attachment": [i for i, _ in attachments]},
        files=files,
    )
