"""Paper letters for households without a digital channel, collected in print batches.

A batch's life: **open** (letters are added as notices go out) → **closed** by the
administration's "Afslut og print" (new letters go to a new batch; its PDF is built once and
kept by sha256) → **printed** ("Markér som printet", audited). Marking a batch printed marks
the households' paper invitations printed: the letter is the household's notice.

The text of the letters is in ``letter_text.py``; what a letter says is frozen in
``Letter.content`` when it is queued.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session, selectinload

from boardkit.core import audit, pdf
from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict, NotFound
from boardkit.core.i18n import _
from boardkit.core.permissions import Action, Principal, Resource, can
from boardkit.core.storage import FileStore
from boardkit.meetings.invitations.letter_text import letter_spec
from boardkit.meetings.models import Invitation, Letter, PrintBatch

BATCH_STATUSES = ("open", "closed", "printed")
LETTER_KINDS = ("invitation", "update", "cancellation", "notice")  # notice: from core.notify


def open_batch(db: Session, *, organisation_id: int) -> PrintBatch:
    """The organisation's batch that is still being filled (made when there is none)."""
    # The row lock makes closing wait for a transaction that is adding letters (PostgreSQL), and
    # a letter added after a close re-reads the row, sees it closed and starts a new batch.
    batch = db.scalar(
        select(PrintBatch)
        .where(PrintBatch.organisation_id == organisation_id, PrintBatch.status == "open")
        .order_by(PrintBatch.id)
        .limit(1)
        .with_for_update()
    )
    if batch is None:
        batch = PrintBatch(organisation_id=organisation_id)
        db.add(batch)
        db.flush()
    return batch


def queue_letter(
    db: Session,
    *,
    organisation_id: int,
    meeting_id: int | None,
    tenancy_id: int,
    kind: str,
    recipient: str,
    address_lines: list[str],
    content: dict[str, Any],
) -> Letter:
    """Put one letter in the organisation's open print batch; its content is frozen now."""
    if kind not in LETTER_KINDS:
        raise ValueError(f"unknown letter kind {kind!r}")
    batch = open_batch(db, organisation_id=organisation_id)
    letter = Letter(
        batch_id=batch.id,
        meeting_id=meeting_id,
        tenancy_id=tenancy_id,
        kind=kind,
        recipient=recipient,
        address_lines=address_lines,
        content=content,
    )
    db.add(letter)
    db.flush()
    return letter


# --- rendering ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedBatch:
    pdf: bytes
    pages: list[int]  # pages per letter, in the batch's order


def render_batch(letters: list[Letter], *, fonts_dir: Path = pdf.FONTS_DIR, title: str = "") -> RenderedBatch:
    """Every letter from a new page on, in one PDF; pure (no database), safe off the event loop."""
    created = max((letter.created_at for letter in letters), default=None)
    organisation = next((str(lt.content.get("organisation") or "") for lt in letters), "")
    doc = pdf.new_document(
        title=title or "Breve til print",
        author=organisation,
        subject="Indkaldelser og meddelelser til husstande uden digital post",
        fonts_dir=fonts_dir,
        created=created,
    )
    pages = [
        pdf.draw_letter(doc, letter_spec(letter), label=str(n)) for n, letter in enumerate(letters, start=1)
    ]
    if not letters:
        doc.add_page()
        doc.put(pdf.MARGIN_LEFT, 30, pdf.TEXT_W, "Der er ingen breve i denne batch.")
    return RenderedBatch(pdf.finish(doc), pages)


def render_batch_pdf(letters: list[Letter], *, fonts_dir: Path = pdf.FONTS_DIR) -> bytes:
    """The batch's letters as one PDF (see :func:`render_batch` for the page counts too)."""
    return render_batch(letters, fonts_dir=fonts_dir).pdf


# --- services ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchSummary:
    batch: PrintBatch
    letters: int


def list_batches(
    db: Session,
    *,
    principal: Principal,
    limit: int = 50,
    before_id: int | None = None,
) -> list[BatchSummary]:
    """The print batches of the organisations this staff member administers, newest first, with how
    many letters each holds; 404 for anyone who is no organisation's staff."""
    organisation_ids = principal.staff_organisation_ids
    if not organisation_ids:
        raise NotFound()
    count = (
        select(func.count(Letter.id)).where(Letter.batch_id == PrintBatch.id).correlate(PrintBatch)
    ).scalar_subquery()
    q = (
        select(PrintBatch, count)
        .where(PrintBatch.organisation_id.in_(sorted(organisation_ids)))
        .order_by(PrintBatch.id.desc())
        .limit(limit)
    )
    if before_id:
        q = q.where(PrintBatch.id < before_id)
    return [BatchSummary(batch, n) for batch, n in db.execute(q).all()]


def get_batch(db: Session, *, principal: Principal, batch_id: int) -> PrintBatch:
    """The one loader of a print batch (pages and API): a batch of an organisation the principal
    administers; 404 for anything else, and for anyone who is no organisation's staff."""
    batch = db.get(PrintBatch, batch_id)
    if batch is None or not can(
        principal, Action.ADMINISTER, Resource(organisation_id=batch.organisation_id)
    ):
        raise NotFound()
    return batch


def batch_letters(db: Session, *, batch: PrintBatch) -> list[Letter]:
    return list(db.scalars(select(Letter).where(Letter.batch_id == batch.id).order_by(Letter.id)))


def count_letters(db: Session, *, batch: PrintBatch) -> int:
    return db.scalar(select(func.count(Letter.id)).where(Letter.batch_id == batch.id)) or 0


def batch_filename(batch: PrintBatch) -> str:
    return f"breve-batch-{batch.id}.pdf"


def build_batch_pdf(
    db: Session,
    batch: PrintBatch,
    store: FileStore,
    *,
    fonts_dir: Path = pdf.FONTS_DIR,
    later: Callable[[Hashable, Callable[[Session], Any]], None] | None = None,
) -> bytes:
    """The batch's PDF. An open batch is rendered afresh (letters may still come); a closed one
    is rendered once, stored by sha256 and served from the store after that.

    ``later`` (``Ctx.bookkeep``): a download writes nothing itself, so rendering never holds the
    write lock; the stored PDF of a closed batch is noted by it after the response."""
    if batch.status != "open" and batch.pdf_sha256 and store.exists(batch.pdf_sha256):
        return store.get(batch.pdf_sha256)
    data = render_batch(batch_letters(db, batch=batch), fonts_dir=fonts_dir, title=_title(batch)).pdf
    if batch.status != "open":
        sha = store.put(data)
        if later is None:
            batch.pdf_sha256 = sha
            db.flush()
        else:
            later(("print_batch_pdf", batch.id), partial(_remember_pdf, batch_id=batch.id, sha256=sha))
    return data


def _remember_pdf(db: Session, *, batch_id: int, sha256: str) -> None:
    db.execute(
        update(PrintBatch)
        .where(PrintBatch.id == batch_id, PrintBatch.status != "open")
        .values(pdf_sha256=sha256)
        .execution_options(synchronize_session=False)
    )


def _title(batch: PrintBatch) -> str:
    return f"Breve til print, batch {batch.id}"


def _locked(db: Session, batch: PrintBatch) -> PrintBatch:
    """Re-read the batch under a row lock, so two clicks (or a click and a new letter) queue up."""
    db.refresh(batch, with_for_update=True)
    return batch


def close_batch(
    db: Session, batch: PrintBatch, *, actor_id: int, store: FileStore, fonts_dir: Path = pdf.FONTS_DIR
) -> PrintBatch:
    """Afslut og print: no more letters join the batch; its PDF is built and kept."""
    batch = _locked(db, batch)
    if batch.status != "open":
        raise Conflict(_("Batchen er allerede afsluttet."), code="batch_closed")
    letters = count_letters(db, batch=batch)
    if not letters:
        raise Conflict(_("Batchen har ingen breve."), code="batch_empty")
    batch.status = "closed"
    build_batch_pdf(db, batch, store, fonts_dir=fonts_dir)
    audit.record(
        db,
        actor_id=actor_id,
        action="print_batch.close",
        obj=batch,
        organisation_id=batch.organisation_id,
        summary=f"Batch {batch.id} afsluttet med {letters} breve",
        diff={"status": ["open", "closed"]},
    )
    return batch


def mark_printed(db: Session, batch: PrintBatch, *, actor_id: int, now: datetime | None = None) -> int:
    """Markér som printet: the letters count as the households' notices; returns how many
    paper invitations that marked printed."""
    batch = _locked(db, batch)
    if batch.status == "open":
        raise Conflict(_("Afslut batchen, før den markeres som printet."), code="batch_open")
    if batch.status == "printed":
        raise Conflict(_("Batchen er allerede markeret som printet."), code="already_printed")
    when = now or utcnow()
    batch.status, batch.printed_at, batch.printed_by = "printed", when, actor_id
    letter_ids = select(Letter.id).where(Letter.batch_id == batch.id).scalar_subquery()
    result = db.execute(
        update(Invitation)
        .where(Invitation.letter_id.in_(letter_ids), Invitation.channel == "paper")
        .values(status="printed", sent_at=when)
        .execution_options(synchronize_session=False)
    )
    marked = cast(CursorResult[Any], result).rowcount
    audit.record(
        db,
        actor_id=actor_id,
        action="print_batch.printed",
        obj=batch,
        organisation_id=batch.organisation_id,
        summary=f"Batch {batch.id} markeret som printet; {marked} papirindkaldelser regnes som sendt",
        diff={"status": ["closed", "printed"]},
    )
    db.flush()
    return int(marked or 0)


def meeting_letters(db: Session, *, meeting_id: int) -> list[Letter]:
    """A meeting's letters with their batches (for "who got paper, and is it printed")."""
    return list(
        db.scalars(
            select(Letter)
            .where(Letter.meeting_id == meeting_id)
            .options(selectinload(Letter.batch))
            .order_by(Letter.id)
        )
    )


@dataclass(frozen=True)
class LetterRow:
    """One letter as the batch page lists it."""

    id: int
    recipient: str
    address: str
    kind: str
    meeting_id: int | None
    meeting_title: str
    starts_at: datetime | None


def letter_rows(letters: list[Letter]) -> list[LetterRow]:
    rows = []
    for letter in letters:
        content = letter.content or {}
        try:
            starts_at = datetime.fromisoformat(str(content.get("starts_at") or ""))
        except ValueError:
            starts_at = None
        rows.append(
            LetterRow(
                id=letter.id,
                recipient=letter.recipient,
                address=", ".join(letter.address_lines or []),
                kind=letter.kind,
                meeting_id=letter.meeting_id,
                meeting_title=str(content.get("title") or ""),
                starts_at=starts_at if starts_at and starts_at.tzinfo else None,
            )
        )
    return rows
