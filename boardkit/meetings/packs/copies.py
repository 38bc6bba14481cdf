"""Readers' copies of a pack version: files prepared once, copies drawn once and cached.

Every file goes through the ``PreparedFile`` cache once per content and ``pdfprep.RECIPE``, so an
unchanged attachment is never processed twice (a file that cannot be used gets a placeholder page,
never an error). A copy is cached in ``PackFile`` under a key of everything that makes it — the
version, the reader's name (the watermark), language, notes and both recipes — and its bytes live
in the file store.

Drawing is slow (0.2 s and more) and needs only reading: :func:`draw_copy` draws in a read
transaction and puts the bytes in the store, and :func:`save_copy` records the drawing (and any
file prepared on the way) in a short write transaction afterwards, so nobody waits for the
drawing to get the write lock. :func:`render_copy` does both, for callers already writing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from boardkit.core import i18n, storage
from boardkit.core.i18n import _
from boardkit.core.models import PreparedFile
from boardkit.core.pdf import prep as pdfprep
from boardkit.core.storage import FileStore
from boardkit.meetings.models import PackFile, PackVersion
from boardkit.meetings.packs import pdf as pack_pdf
from boardkit.meetings.packs.manifest import file_refs
from boardkit.meetings.packs.notes import digest as notes_digest

log = logging.getLogger("boardkit.pack")

# Bump when the drawing of packs changes, so cached copies are drawn again.
RENDER_RECIPE = 1
BOARD_VARIANTS = ("full", "open")  # the packs that carry the reader's name


# --- prepared files -----------------------------------------------------------------------


def prepared_files(
    db: Session, *, store: FileStore, files: list[dict[str, Any]], save: bool = True
) -> dict[str, PreparedFile]:
    """Each file (``{"sha256", "content_type"}``) made ready for packs, by sha256: looked up in
    one query, prepared now only if that content was never prepared with this recipe (``save``:
    recorded now; else the new rows are left unsaved, for :func:`save_prepared`)."""
    wanted = {f["sha256"]: f["content_type"] for f in files}
    if not wanted:
        return {}
    rows = db.scalars(
        select(PreparedFile).where(
            PreparedFile.source_sha256.in_(list(wanted)), PreparedFile.recipe == pdfprep.RECIPE
        )
    )
    found = {row.source_sha256: row for row in rows}
    for sha, content_type in wanted.items():
        if sha not in found:
            found[sha] = prepared_file(db, store=store, sha256=sha, content_type=content_type, save=save)
    return found


def prepared_file(
    db: Session, *, store: FileStore, sha256: str, content_type: str, save: bool = True
) -> PreparedFile:
    """One file made ready for packs, prepared now only if this content was never prepared
    (``save=False``: the new row is returned unsaved)."""
    found = db.scalar(
        select(PreparedFile).where(
            PreparedFile.source_sha256 == sha256, PreparedFile.recipe == pdfprep.RECIPE
        )
    )
    if found is not None:
        return found
    try:
        result = pdfprep.prepare(store.get(sha256), content_type)
    except Exception:  # prepare promises not to raise; one bad file must never break a pack
        log.exception("preparing %s failed", sha256)
        result = pdfprep.Prepared(None, 1, _("Filen kunne ikke læses."))
    row = PreparedFile(
        source_sha256=sha256,
        recipe=pdfprep.RECIPE,
        prepared_sha256=store.put(result.pdf) if result.pdf is not None else None,
        pages=result.pages,
        problem=result.problem,
    )
    return save_prepared(db, row) if save else row


def save_prepared(db: Session, row: PreparedFile) -> PreparedFile:
    """Record a prepared file, unless another worker recorded the same content meanwhile."""
    found = db.scalar(
        select(PreparedFile).where(
            PreparedFile.source_sha256 == row.source_sha256, PreparedFile.recipe == row.recipe
        )
    )
    if found is not None:
        return found
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError:
        found = db.scalar(
            select(PreparedFile).where(
                PreparedFile.source_sha256 == row.source_sha256, PreparedFile.recipe == row.recipe
            )
        )
        assert found is not None
        return found
    return row


# --- drawing a copy -----------------------------------------------------------------------


def cache_key(version: PackVersion, *, reader: str, language: str, notes_digest: str) -> str:
    parts = [RENDER_RECIPE, pdfprep.RECIPE, version.id, version.inputs_hash, reader, language, notes_digest]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


def _spec(
    *,
    store: FileStore,
    version: PackVersion,
    prepared: dict[str, PreparedFile],
    reader: str,
    language: str,
    notes: dict[int, str],
) -> pack_pdf.PackSpec:
    manifest = version.manifest
    facts = manifest["meeting"]
    pdfs = {sha: store.get(p.prepared_sha256) for sha, p in prepared.items() if p.prepared_sha256}
    items = []
    for item in manifest["items"]:
        files = tuple(
            pack_pdf.PackFile(
                filename=f["filename"],
                pdf=pdfs.get(f["sha256"]),
                pages=prepared[f["sha256"]].pages if f["sha256"] in pdfs else 1,
                problem=prepared[f["sha256"]].problem,
            )
            for f in item["files"]
        )
        items.append(
            pack_pdf.PackItem(
                number=item["number"],
                title=item["title"],
                kind=item["kind"] or "information",
                description=item["description"],
                presenter=item["presenter"],
                closed=item["closed"],
                redacted=item["redacted"],
                files=files,
                note=notes.get(item["id"], ""),
                material_deleted=bool(item.get("material_deleted")),
            )
        )
    return pack_pdf.PackSpec(
        organisation=facts["organisation"],
        board=facts["board"],
        title=facts["title"],
        meeting_kind=facts["kind"],
        starts_at=datetime.fromisoformat(facts["starts_at"]),
        ends_at=datetime.fromisoformat(facts["ends_at"]),
        location=facts["location"],
        room=facts["room"],
        online_url=facts["online_url"],
        version=version.number,
        built_at=version.built_at,
        items=tuple(items),
        watermark=reader if version.variant in BOARD_VARIANTS else "",
        language=language,
    )


@dataclass(frozen=True)
class Drawing:
    """A copy drawn (its bytes already in the store) and not yet recorded: see :func:`save_copy`."""

    cache_key: str
    version_id: int
    sha256: str
    pages: int
    size: int
    sets_pages: bool  # drawn without notes: its page count is the version's
    prepared: tuple[dict[str, Any], ...]  # files prepared on the way, to record too


def draw_copy(
    db: Session,
    *,
    store: FileStore,
    version: PackVersion,
    reader: str = "",
    language: str = "da",
    notes: dict[int, str] | None = None,
) -> PackFile | Drawing:
    """A reader's copy of a version (watermarked with ``reader`` in board packs): the cached one,
    or a new :class:`Drawing`. Writes nothing to the database (a read transaction will do)."""
    notes = notes or {}
    language = i18n.normalise(language)
    key = cache_key(version, reader=reader, language=language, notes_digest=notes_digest(notes))
    cached = db.scalar(select(PackFile).where(PackFile.cache_key == key))
    if cached is not None and store.exists(cached.sha256):
        return cached
    prepared = prepared_files(db, store=store, files=file_refs(version.manifest), save=False)
    spec = _spec(
        store=store, version=version, prepared=prepared, reader=reader, language=language, notes=notes
    )
    data, pages = pack_pdf.render_pack(spec)
    new_files = tuple(
        {
            "source_sha256": p.source_sha256,
            "recipe": p.recipe,
            "prepared_sha256": p.prepared_sha256,
            "pages": p.pages,
            "problem": p.problem,
        }
        for p in prepared.values()
        if p.id is None
    )
    return Drawing(key, version.id, store.put(data), pages, len(data), not notes, new_files)


def save_copy(db: Session, drawing: Drawing) -> PackFile:
    """Record a drawing (idempotent: the first record of a copy wins, as the bytes are the same)."""
    for values in drawing.prepared:
        save_prepared(db, PreparedFile(**values))
    version = db.get(PackVersion, drawing.version_id)
    if version is None:  # the meeting went away meanwhile; the bytes are only a derived copy
        return PackFile(cache_key=drawing.cache_key, sha256=drawing.sha256, pages=drawing.pages)
    if drawing.sets_pages and version.pages != drawing.pages:
        version.pages = drawing.pages
    cached = db.scalar(select(PackFile).where(PackFile.cache_key == drawing.cache_key))
    if cached is not None:  # drawn again because the row outlived its file (a store restored from backup)
        cached.sha256, cached.pages, cached.size = drawing.sha256, drawing.pages, drawing.size
        return cached
    row = PackFile(
        cache_key=drawing.cache_key,
        pack_version_id=drawing.version_id,
        sha256=drawing.sha256,
        pages=drawing.pages,
        size=drawing.size,
    )
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError:  # drawn by two at once: the same bytes, keep the first row
        found = db.scalar(select(PackFile).where(PackFile.cache_key == drawing.cache_key))
        assert found is not None
        return found
    return row


def render_copy(
    db: Session,
    *,
    store: FileStore,
    version: PackVersion,
    reader: str = "",
    language: str = "da",
    notes: dict[int, str] | None = None,
) -> PackFile:
    """A reader's copy of a version, drawn and recorded now if it is not cached yet."""
    found = draw_copy(db, store=store, version=version, reader=reader, language=language, notes=notes)
    return found if isinstance(found, PackFile) else save_copy(db, found)


def prune_copies(db: Session, *, store: FileStore, meeting_id: int, variant: str, keep_from: int) -> int:
    """Delete the drawn copies of a variant's versions numbered below ``keep_from`` (the versions
    themselves and their lists of changes stay); returns how many. The previous version's
    copies are kept by the caller, so a download that has just begun still finds its file."""
    old = db.execute(
        select(PackFile.id, PackFile.sha256)
        .join(PackVersion)
        .where(
            PackVersion.meeting_id == meeting_id,
            PackVersion.variant == variant,
            PackVersion.number < keep_from,
        )
    ).all()
    if not old:
        return 0
    db.execute(delete(PackFile).where(PackFile.id.in_([row.id for row in old])))
    shas = {row.sha256 for row in old}
    for sha in storage.unreferenced(db, shas):
        store.delete(sha)
    return len(old)
