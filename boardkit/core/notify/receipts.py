"""Read receipts, the in-app list and each person's digest choice.

Every digital delivery's link carries a token, derived from the notice and the person (an HMAC,
so a reminder or a fallback e-mail can carry the same link again); only its sha256 is stored.
Opening the link (``/n/{token}``), opening the notice from the in-app list, or opening what it
is about in the web (``mark_object_read``) marks it read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, distinct, func, select, update
from sqlalchemy.orm import Session

from boardkit.core.db import utcnow
from boardkit.core.errors import NotFound
from boardkit.core.notify.models import DIGITAL, Notice, NoticeDelivery, NoticePreference


def link_token(secret_key: str, *, notice_id: int, person_id: int) -> str:
    mac = hmac.new(secret_key.encode(), f"notice:{notice_id}:person:{person_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:18]).decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def read_by_token(db: Session, *, token: str, now: datetime | None = None) -> Notice | None:
    """The notice a link token belongs to, marked read for its person; None for an unknown token."""
    if not token or len(token) > 64:
        return None
    row = db.scalar(select(NoticeDelivery).where(NoticeDelivery.token_hash == token_hash(token)))
    if row is None:
        return None
    if row.person_id is not None:
        mark_read(db, notice_id=row.notice_id, person_id=row.person_id, now=now)
    return db.get(Notice, row.notice_id)


def delivery_for_token(db: Session, *, token: str) -> NoticeDelivery | None:
    """The delivery a link token belongs to (reading only: the view notes the read mark later)."""
    if not token or len(token) > 64:
        return None
    return db.scalar(select(NoticeDelivery).where(NoticeDelivery.token_hash == token_hash(token)))


def is_unread(db: Session, *, notice_id: int, person_id: int) -> bool:
    """Whether the person has not read the notice yet (so opening it has a read mark to note)."""
    unread = select(NoticeDelivery.id).where(
        NoticeDelivery.notice_id == notice_id,
        NoticeDelivery.person_id == person_id,
        NoticeDelivery.read_at.is_(None),
    )
    return db.scalar(unread.limit(1)) is not None


def has_unread_about(db: Session, *, person_id: int, object_type: str, object_id: int) -> bool:
    """Whether the person has an unread notice about ``object_type`` ``object_id``."""
    about = select(Notice.id).where(Notice.object_type == object_type, Notice.object_id == object_id)
    unread = select(NoticeDelivery.id).where(
        NoticeDelivery.person_id == person_id,
        NoticeDelivery.notice_id.in_(about.scalar_subquery()),
        NoticeDelivery.read_at.is_(None),
    )
    return db.scalar(unread.limit(1)) is not None


def mark_read(db: Session, *, notice_id: int, person_id: int, now: datetime | None = None) -> None:
    """The person has read the notice (idempotent: the first time counts)."""
    db.execute(
        update(NoticeDelivery)
        .where(
            NoticeDelivery.notice_id == notice_id,
            NoticeDelivery.person_id == person_id,
            NoticeDelivery.read_at.is_(None),
        )
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )


def mark_object_read(
    db: Session, *, person_id: int, object_type: str, object_id: int, now: datetime | None = None
) -> None:
    """The person opened ``object_type`` ``object_id`` in the web: every notice about it is read."""
    about = select(Notice.id).where(Notice.object_type == object_type, Notice.object_id == object_id)
    db.execute(
        update(NoticeDelivery)
        .where(
            NoticeDelivery.person_id == person_id,
            NoticeDelivery.notice_id.in_(about.scalar_subquery()),
            NoticeDelivery.read_at.is_(None),
        )
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class ReadStats:
    households_read: int
    households_total: int
    persons_read: int
    persons_total: int
    by_channel: dict[str, int] = field(default_factory=dict)  # person deliveries by channel, + "letters"
    failed: int = 0  # deliveries that failed on a channel (whether or not a fallback reached them)


def read_stats(db: Session, *, notice_id: int, reading: int | None = None) -> ReadStats:
    """Who has read the notice: households (tenancies addressed) and persons. ``reading``: a
    person who is reading it now (their read mark is noted after the response) counts as read."""
    of_notice = NoticeDelivery.notice_id == notice_id
    person = NoticeDelivery.person_id.is_not(None)
    read: ColumnElement[bool] = NoticeDelivery.read_at.is_not(None)
    if reading is not None:
        read = read | (NoticeDelivery.person_id == reading)
    households_total = db.scalar(
        select(func.count(distinct(NoticeDelivery.tenancy_id))).where(
            of_notice, NoticeDelivery.tenancy_id.is_not(None)
        )
    )
    households_read = db.scalar(
        select(func.count(distinct(NoticeDelivery.tenancy_id))).where(
            of_notice, person, NoticeDelivery.tenancy_id.is_not(None), read
        )
    )
    persons_total = db.scalar(select(func.count()).where(of_notice, person))
    persons_read = db.scalar(select(func.count()).where(of_notice, person, read))
    by_channel: dict[str, int] = {}
    for channel, is_person, count in db.execute(
        select(NoticeDelivery.channel, person, func.count())
        .where(of_notice)
        .group_by(NoticeDelivery.channel, person)
    ):
        key = channel if is_person else "letters"
        by_channel[key] = by_channel.get(key, 0) + count
    failed = db.scalar(select(func.count()).where(of_notice, NoticeDelivery.failed_at.is_not(None)))
    return ReadStats(
        households_read=households_read or 0,
        households_total=households_total or 0,
        persons_read=persons_read or 0,
        persons_total=persons_total or 0,
        by_channel=by_channel,
        failed=failed or 0,
    )


@dataclass(frozen=True)
class NoticeItem:
    """One notice in a person's in-app list."""

    id: int
    kind: str
    subject: str
    body: str
    link_path: str
    important: bool
    statutory: bool
    object_type: str
    object_id: int | None
    created_at: datetime
    read_at: datetime | None
    channel: str


def list_notices(
    db: Session, *, person_id: int, limit: int = 50, before_id: int | None = None, unread_only: bool = False
) -> list[NoticeItem]:
    """The person's notices, newest first (``before_id`` pages on)."""
    q = (
        select(Notice, NoticeDelivery.read_at, NoticeDelivery.channel)
        .join(NoticeDelivery, NoticeDelivery.notice_id == Notice.id)
        .where(NoticeDelivery.person_id == person_id)
        .order_by(Notice.id.desc())
        .limit(max(1, min(limit, 200)))
    )
    if before_id is not None:
        q = q.where(Notice.id < before_id)
    if unread_only:
        q = q.where(NoticeDelivery.read_at.is_(None))
    return [
        NoticeItem(
            id=n.id,
            kind=n.kind,
            subject=n.subject,
            body=n.body,
            link_path=n.link_path,
            important=n.important,
            statutory=n.statutory,
            object_type=n.object_type,
            object_id=n.object_id,
            created_at=n.created_at,
            read_at=read_at,
            channel=channel,
        )
        for n, read_at, channel in db.execute(q)
    ]


def get_notice_for(db: Session, *, notice_id: int, person_id: int) -> Notice | None:
    """The notice if it was addressed to the person (else None: not theirs)."""
    addressed = select(NoticeDelivery.id).where(
        NoticeDelivery.notice_id == notice_id, NoticeDelivery.person_id == person_id
    )
    return db.get(Notice, notice_id) if db.scalar(addressed.limit(1)) is not None else None


def my_notice(db: Session, *, notice_id: int, person_id: int) -> Notice:
    """The one loader of a person's own notice (page and API): 404 when it was not addressed to them."""
    notice = get_notice_for(db, notice_id=notice_id, person_id=person_id)
    if notice is None:
        raise NotFound()
    return notice


def count_unread(db: Session, *, person_id: int) -> int:
    return (
        db.scalar(
            select(func.count()).where(
                NoticeDelivery.person_id == person_id, NoticeDelivery.read_at.is_(None)
            )
        )
        or 0
    )


def wants_digest(db: Session, *, person_id: int) -> bool:
    return bool(db.scalar(select(NoticePreference.digest).where(NoticePreference.person_id == person_id)))


def digest_people(db: Session, *, person_ids: list[int]) -> set[int]:
    if not person_ids:
        return set()
    return set(
        db.scalars(
            select(NoticePreference.person_id).where(
                NoticePreference.person_id.in_(person_ids), NoticePreference.digest.is_(True)
            )
        )
    )


def set_digest(db: Session, *, person_id: int, digest: bool) -> None:
    """Non-urgent notices at once (False) or in a weekly digest (True)."""
    pref = db.get(NoticePreference, person_id)
    if pref is None:
        db.add(NoticePreference(person_id=person_id, digest=digest))
    else:
        pref.digest, pref.updated_at = digest, utcnow()
    db.flush()


def is_digital(channel: str) -> bool:
    return channel in DIGITAL
