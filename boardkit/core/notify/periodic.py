"""Periodic work: the reminder to those who have not read a notice, and the weekly digest.

**Reminder** (``notify.reminders``): once a digital delivery has been sent ``reminder_days``
days ago (the notice's; None: no reminder) and is still unread, its person gets one reminder by
the same channel. Never to readers, never to paper, never twice: ``reminded_at`` is claimed by a
conditional update before the reminder is queued, so a second run (or a second worker) finds
nothing.

**Digest** (``notify.digest``): those who chose the weekly digest get, from Monday 08:00
Copenhagen time, one e-mail with every non-urgent notice that waited for it from before that
Monday. Each waiting delivery is sent once (its status moves from ``digest`` to ``sent``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from boardkit.config import Settings
from boardkit.core import mail
from boardkit.core.db import utcnow
from boardkit.core.notify import channels, registry
from boardkit.core.notify.models import DIGITAL, Notice, NoticeDelivery
from boardkit.core.templating import TZ

REMINDERS = "notify.reminders"
DIGEST = "notify.digest"
REMINDER_EVERY_SECONDS = 15 * 60
DIGEST_EVERY_SECONDS = 60 * 60
DIGEST_HOUR = 8
BATCH = 500


def _claim(db: Session, row_id: int, now: datetime) -> bool:
    result = db.execute(
        update(NoticeDelivery)
        .where(
            NoticeDelivery.id == row_id,
            NoticeDelivery.reminded_at.is_(None),
            NoticeDelivery.read_at.is_(None),
        )
        .values(reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1) if isinstance(result, CursorResult) else False


def run_reminders(db: Session, *, settings: Settings, now: datetime | None = None) -> int:
    """Queue the reminders that are due; returns how many."""
    now = now or utcnow()
    sent = 0
    last_id = 0
    while True:
        rows = db.execute(
            select(NoticeDelivery, Notice)
            .join(Notice, Notice.id == NoticeDelivery.notice_id)
            .where(
                NoticeDelivery.remind_after <= now,
                NoticeDelivery.reminded_at.is_(None),
                NoticeDelivery.read_at.is_(None),
                NoticeDelivery.status == "sent",
                NoticeDelivery.channel.in_(DIGITAL),
                NoticeDelivery.person_id.is_not(None),
                NoticeDelivery.id > last_id,
            )
            .order_by(NoticeDelivery.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return sent
        emails = []
        for row, notice in rows:
            last_id = row.id
            if not _claim(db, row.id, now):
                continue
            if row.channel == "email":
                emails.append(channels.render_email(row, notice, settings, template="notice_reminder"))
            else:
                channels.queue_http(db, [row], reminder=True)
            sent += 1
        mail.queue_rendered(db, emails)


def _digest_cutoff(now: datetime) -> datetime | None:
    """This week's Monday 00:00 (Copenhagen) once it is Monday 08:00 or later; else None."""
    local = now.astimezone(TZ)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday if local >= monday + timedelta(hours=DIGEST_HOUR) else None


def run_digest(db: Session, *, settings: Settings, now: datetime | None = None) -> int:
    """Send the weekly digests that are due; returns how many e-mails were queued."""
    now = now or utcnow()
    cutoff = _digest_cutoff(now)
    if cutoff is None:
        return 0
    waiting = db.execute(
        select(NoticeDelivery, Notice)
        .join(Notice, Notice.id == NoticeDelivery.notice_id)
        .where(NoticeDelivery.status == "digest", Notice.created_at < cutoff)
        .order_by(NoticeDelivery.person_id, Notice.id)
        .with_for_update(of=NoticeDelivery)
    ).all()
    by_person: dict[int, list[tuple[NoticeDelivery, Notice]]] = defaultdict(list)
    for row, notice in waiting:
        if row.person_id is not None:
            by_person[row.person_id].append((row, notice))
    contacts = registry.contacts(db, list(by_person))
    queued = 0
    for person_id, items in by_person.items():
        contact = contacts.get(person_id)
        if contact is None or not contact.email or not contact.active:
            for row, _notice in items:
                row.status = "failed"
                row.failed_channel, row.error, row.failed_at = (
                    "email",
                    "no e-mail address for the digest",
                    now,
                )
            continue
        entries = [
            {
                "subject": n.subject,
                "body": n.body,
                "created_at": n.created_at,
                "link": channels.receipt_url(settings, n, person_id),
            }
            for _row, n in items
        ]
        email = mail.queue_mail(
            db,
            to=mail.Recipient(contact.email, contact.name, contact.language, person_id),
            template="notice_digest",
            context={"name": contact.name, "items": entries},
            domain=channels._domain(settings),
            organisation_id=_only({n.organisation_id for _row, n in items}),
            secret_key=settings.secret_key,  # seals the read-receipt links
        )
        for row, n in items:
            row.email_id, row.address = email.id, contact.email
            channels.mark_sent(row, n, now)
        queued += 1
    return queued


def _only(organisation_ids: set[int]) -> int | None:
    """The one organisation a digest is about; None (personal) when it gathers several."""
    return next(iter(organisation_ids)) if len(organisation_ids) == 1 else None
