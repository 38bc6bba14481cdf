"""The administration's view of deliveries that failed on a channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.notify.models import Notice, NoticeDelivery

PAGE_SIZE = 100


@dataclass(frozen=True)
class FailedRow:
    id: int
    notice_id: int
    subject: str
    name: str
    failed_channel: str
    error: str
    failed_at: datetime
    channel: str  # what the person has now: email, paper, or none when nothing reached them
    status: str


def list_failed(
    db: Session, *, organisation_ids: frozenset[int], before_id: int | None = None, limit: int = PAGE_SIZE
) -> list[FailedRow]:
    """Failed deliveries of the organisations' notices, newest first."""
    q = (
        select(NoticeDelivery, Notice.subject)
        .join(Notice, Notice.id == NoticeDelivery.notice_id)
        .where(Notice.organisation_id.in_(organisation_ids), NoticeDelivery.failed_at.is_not(None))
        .order_by(NoticeDelivery.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        q = q.where(NoticeDelivery.id < before_id)
    return [
        FailedRow(
            id=row.id,
            notice_id=row.notice_id,
            subject=subject,
            name=row.name,
            failed_channel=row.failed_channel,
            error=row.error,
            failed_at=row.failed_at,
            channel=row.channel,
            status=row.status,
        )
        for row, subject in db.execute(q)
        if row.failed_at is not None
    ]
