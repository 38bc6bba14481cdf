"""Meeting packs: one PDF per meeting and reader, versioned, with private notes and read tracking.

Reached from views and the API as ``meetings.packs.service``. The chair publishes a pack (or sending the
invitation does); from then on every change of agenda, material or meeting facts queues a build
(``pack_queue``), which makes a new version when what a variant's readers see has changed
(``packs.build``, ``packs.manifest``). A reader gets their own copy of the current version of
their variant, watermarked with their name in board packs, optionally with their notes.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict, Forbidden, NotFound
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.core.storage import FileStore
from boardkit.core.templating import TZ
from boardkit.meetings import access, attachments, calendar, lookup
from boardkit.meetings.models import AgendaItem, Meeting, PackRead, PackVersion
from boardkit.meetings.pack_queue import BUILD as BUILD
from boardkit.meetings.pack_queue import publish_pack as publish_pack
from boardkit.meetings.pack_queue import queue_build as queue_build
from boardkit.meetings.packs import layout as layout  # the pack's look, for documents drawn like it
from boardkit.meetings.packs.build import audience, build_packs, latest_version, make_handlers
from boardkit.meetings.packs.copies import Drawing, draw_copy, save_copy
from boardkit.meetings.packs.manifest import variants_for
from boardkit.meetings.packs.notes import MAX_CHARS as NOTE_MAX_CHARS
from boardkit.meetings.packs.notes import get_notes, save_note
from boardkit.org.service import Person


def variant_for(principal: Principal, meeting: Meeting) -> str:
    """Which pack this reader gets: "full" (closed items too), "open" (board readers without
    closed items, such as substitutes) or "public" (residents)."""
    if access.can_see_closed(principal, meeting):
        return "full"
    if meeting.board_id in principal.board_roles:
        return "open"
    return "public"


def note_item(db: Session, *, principal: Principal, item_id: int) -> AgendaItem:
    """The one loader of an agenda item for private notes (page and API): the item as this reader
    may see it (404 otherwise), and 403 for readers without a board pack (residents)."""
    item = lookup.get_item(db, principal=principal, item_id=item_id)
    if variant_for(principal, item.meeting) == "public":
        raise Forbidden(_("Kun bestyrelsen kan skrive noter til punkterne."))
    return item


def has_pack_for(principal: Principal, meeting: Meeting) -> bool:
    """Whether a pack is made for this reader: residents read a board meeting's agenda and files on
    the meeting page, but its pack is the board's (only department meetings have a residents' pack)."""
    return variant_for(principal, meeting) in variants_for(meeting)


def current_version(db: Session, meeting: Meeting, variant: str) -> PackVersion | None:
    """The newest version of a variant (None before the first build)."""
    return latest_version(db, meeting.id, variant)


def list_versions(db: Session, meeting: Meeting, variant: str) -> list[PackVersion]:
    """Every version of a variant, newest first."""
    return list(
        db.scalars(
            select(PackVersion)
            .where(PackVersion.meeting_id == meeting.id, PackVersion.variant == variant)
            .order_by(PackVersion.number.desc())
        )
    )


@dataclass(frozen=True)
class PackDownload:
    sha256: str  # the bytes are in the file store
    filename: str
    version: int
    pages: int


def versions_for(db: Session, *, principal: Principal, meeting: Meeting) -> list[PackVersion]:
    """The versions of the pack this reader gets, newest first (page and API); none before publishing."""
    if meeting.pack_published_at is None:
        return []
    return list_versions(db, meeting, variant_for(principal, meeting))


def pack_filename(meeting: Meeting, version: int) -> str:
    day = meeting.starts_at.astimezone(TZ).date().isoformat()
    title = re.sub(r"[^\w .,()-]+", " ", meeting.title).strip() or "Møde"
    return _("Mødemappe %(title)s %(day)s v%(n)s.pdf", title=title[:80], day=day, n=version)


Later = Callable[[Hashable, Callable[[Session], Any]], None]


def reader_pack(
    db: Session,
    *,
    store: FileStore,
    meeting: Meeting,
    principal: Principal,
    person: Person | None,
    with_notes: bool = False,
    count_read: bool = True,
    later: Later | None = None,
) -> PackDownload:
    """The reader's own copy of the current version, drawn now if it is not cached yet.

    Not published: 404 (409 for those who could publish it); published but not built yet: 409.
    Opening a board pack is recorded (the first time per version) unless ``count_read`` is False.
    With ``later`` (``Ctx.bookkeep``) nothing is written here: the new copy's record and the read
    are handed to it, so a reader drawing their copy never holds the write lock.
    """
    if meeting.pack_published_at is None or not has_pack_for(principal, meeting):
        if access.can_manage(principal, meeting):
            raise Conflict(_("Mødemappen er ikke udgivet endnu."), code="pack_not_ready")
        raise NotFound()
    variant = variant_for(principal, meeting)
    version = current_version(db, meeting, variant)
    if version is None:
        raise Conflict(_("Mødemappen bygges lige nu. Prøv igen om lidt."), code="pack_not_ready")
    board_pack = variant != "public"
    notes: dict[int, str] = {}
    if with_notes and board_pack and person is not None:
        item_ids = [item["id"] for item in version.manifest["items"]]
        notes = {i: n.text for i, n in get_notes(db, person_id=person.id, item_ids=item_ids).items()}
    copy = draw_copy(
        db,
        store=store,
        version=version,
        reader=person.name if board_pack and person is not None else "",
        language=person.language if person is not None else "da",
        notes=notes,
    )
    if isinstance(copy, Drawing):
        if later is None:
            save_copy(db, copy)
        else:
            later(("pack_copy", copy.cache_key), partial(save_copy, drawing=copy))
    if count_read and board_pack and person is not None:
        if later is None:
            record_read(db, version=version, person_id=person.id)
        elif not has_read(db, version_id=version.id, person_id=person.id):
            later(
                ("pack_read", version.id, person.id),
                partial(_record_read, version_id=version.id, person_id=person.id),
            )
    return PackDownload(copy.sha256, pack_filename(meeting, version.number), version.number, copy.pages)


def has_read(db: Session, *, version_id: int, person_id: int) -> bool:
    found = select(PackRead.id).where(PackRead.pack_version_id == version_id, PackRead.person_id == person_id)
    return db.scalar(found) is not None


def record_read(db: Session, *, version: PackVersion, person_id: int) -> None:
    """Note the first time a person opened a version."""
    _record_read(db, version_id=version.id, person_id=person_id)


def _record_read(db: Session, *, version_id: int, person_id: int) -> None:
    if has_read(db, version_id=version_id, person_id=person_id):
        return
    try:
        with db.begin_nested():
            db.add(PackRead(pack_version_id=version_id, person_id=person_id))
    except IntegrityError:
        pass  # opened in two tabs at once: the first one counts


def read_status(db: Session, meeting: Meeting) -> list[tuple[Person, datetime | None]]:
    """Each board reader of the pack and when they first opened the current version of their pack."""
    readers = audience(db, meeting)
    result: list[tuple[Person, datetime | None]] = []
    for variant in ("full", "open"):
        people = readers[variant]
        version = current_version(db, meeting, variant)
        opened: dict[int, datetime] = {}
        if version is not None and people:
            rows = db.execute(
                select(PackRead.person_id, PackRead.opened_at).where(
                    PackRead.pack_version_id == version.id, PackRead.person_id.in_([p.id for p in people])
                )
            )
            opened = {person_id: at for person_id, at in rows}
        result += [(p, opened.get(p.id)) for p in people]
    return sorted(result, key=lambda row: (row[1] is not None, row[0].name.lower()))


def unread_by(db: Session, meeting: Meeting) -> list[tuple[Person, PackVersion]]:
    """Board readers who have not opened the current version of their pack (for reminders)."""
    readers = audience(db, meeting)
    result = []
    for variant in ("full", "open"):
        version = current_version(db, meeting, variant)
        if version is None or not readers[variant]:
            continue
        opened = set(db.scalars(select(PackRead.person_id).where(PackRead.pack_version_id == version.id)))
        result += [(p, version) for p in readers[variant] if p.id not in opened]
    return result


def offline_packs(
    db: Session, *, principal: Principal, person: Person, now: datetime | None = None
) -> list[dict[str, Any]]:
    """The reader's upcoming meetings with a built pack: what the offline app keeps."""
    now = now or utcnow()
    rows = []
    for meeting in lookup.list_meetings(db, principal=principal, start=now, limit=200):
        if meeting.status == "cancelled" or meeting.pack_published_at is None:
            continue
        version = current_version(db, meeting, variant_for(principal, meeting))
        if version is None:
            continue
        path = calendar.meeting_path(meeting.id)
        rows.append(
            {
                "meeting_id": meeting.id,
                "title": meeting.title,
                "starts_at": meeting.starts_at,
                "ends_at": meeting.ends_at,
                "version": version.number,
                "meeting_url": path,
                "pack_url": path + "/pack.pdf",
            }
        )
    return rows


def _safe_part(text: str, limit: int = 80) -> str:
    """A name that is safe as one part of a path in a ZIP on every system."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r'[\x00-\x1f\x7f<>:"/\\|?*]+', " ", text)
    text = " ".join(text.split()).strip(" .")
    return text[:limit].rstrip(" .") or "_"


def zip_originals(db: Session, *, store: FileStore, meeting: Meeting, principal: Principal) -> bytes:
    """The original files of the items this reader may see, in folders "01 Titel/filename"."""
    lookup.load_agenda(db, meeting)
    items = access.visible_items(principal, meeting)
    extra = attachments.proposal_files(db, proposal_ids=[i.proposal_id for i in items if i.proposal_id])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in items:  # the meeting's own item numbers, as everywhere else
            folder = f"{item.position:02d} {_safe_part(item.title)}"
            used: set[str] = set()
            for attachment in [*item.attachments, *extra.get(item.proposal_id or 0, [])]:
                name = _safe_part(attachment.filename, 120)
                stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
                n = 1
                while name.lower() in used:
                    n += 1
                    name = f"{stem} ({n}){dot}{ext}"
                used.add(name.lower())
                info = zipfile.ZipInfo(f"{folder}/{name}", date_time=_zip_time(attachment.created_at))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, store.get(attachment.sha256))
    return buffer.getvalue()


def _zip_time(at: datetime) -> tuple[int, int, int, int, int, int]:
    local = at.astimezone(TZ)
    return (max(local.year, 1980), local.month, local.day, local.hour, local.minute, local.second)


__all__ = [
    "BUILD",
    "NOTE_MAX_CHARS",
    "PackDownload",
    "build_packs",
    "current_version",
    "get_notes",
    "list_versions",
    "make_handlers",
    "note_item",
    "offline_packs",
    "publish_pack",
    "queue_build",
    "read_status",
    "reader_pack",
    "record_read",
    "save_note",
    "unread_by",
    "variant_for",
    "versions_for",
    "zip_originals",
]
