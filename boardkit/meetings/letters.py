"""Paper letters for households without a digital channel, collected in print batches."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.meetings.models import Letter, PrintBatch


def open_batch(db: Session, *, organisation_id: int) -> PrintBatch:
    """The organisation's batch that is still being filled (made when there is none)."""
    batch = db.scalar(
        select(PrintBatch)
        .where(PrintBatch.organisation_id == organisation_id, PrintBatch.status == "open")
        .order_by(PrintBatch.id)
        .limit(1)
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
