"""Tables of the notification service: notices, their deliveries (one per person or paper
household) and each person's choice of a weekly digest.

People and households live in the ``org`` domain and letters in ``meetings``; these tables refer
to them by foreign key only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from boardkit.core.db import Base, utcnow

DIGITAL = ("email", "sms", "digital_post")


class Notice(Base):
    """One message to many: what was said, about what, and whether it may wait for a digest."""

    __tablename__ = "notice"
    __table_args__ = (Index("ix_notice_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link_path: Mapped[str] = mapped_column(String(500))
    important: Mapped[bool] = mapped_column(default=False)
    statutory: Mapped[bool] = mapped_column(default=False)
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[int | None]
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    reminder_days: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NoticeDelivery(Base):
    """How one person (or one paper household: ``person_id`` None) gets one notice.

    ``channel`` is the current one (email, sms, digital_post; paper when the household's letter
    covers the person; none when nobody can be reached). ``status``: queued, digest (waiting for
    the weekly digest), sent, failed, paper, unreachable. A channel that failed for good is kept
    in ``failed_channel``/``error`` after the person fell back to the next one.
    """

    __tablename__ = "notice_delivery"
    __table_args__ = (
        Index("ix_notice_delivery_notice", "notice_id", "person_id"),
        Index("ix_notice_delivery_person", "person_id", "notice_id"),
        Index("ix_notice_delivery_remind", "remind_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    tenancy_id: Mapped[int | None] = mapped_column(ForeignKey("tenancy.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    name: Mapped[str] = mapped_column(String(300), default="")  # as addressed, for the admin pages
    address: Mapped[str] = mapped_column(String(320), default="")  # e-mail address or phone number
    language: Mapped[str] = mapped_column(String(5), default="da")
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # sha256 of the link token
    email_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_email.id", ondelete="SET NULL"), index=True
    )
    letter_id: Mapped[int | None]  # the household's letter (meetings.Letter), when on paper
    failed_channel: Mapped[str] = mapped_column(String(20), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    failed_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    remind_after: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]


class NoticePreference(Base):
    """A person's choice for non-urgent notices: at once (no row) or a weekly digest."""

    __tablename__ = "notice_preference"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    digest: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
