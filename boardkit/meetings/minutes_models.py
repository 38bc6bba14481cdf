"""Minutes of a meeting: the current text, its versions, approvals, comments and the decision register.

A minutes' text is one JSON document (see ``minutes.py`` for its shape) so a version is a copy of
it and two versions can be compared field by field. Drafts are edited in place; from submission on
every change makes a new ``MinutesVersion`` and approvals belong to one version, so an edit resets
them without deleting who approved what before.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from boardkit.core.db import Base, utcnow

MINUTES_STATUSES = ("draft", "submitted", "approved", "published")
# Whether a decision has been carried out (the chair, the vice chair and the administration say so).
DECISION_STATUSES = ("open", "in_progress", "done")


class Minutes(Base):
    __tablename__ = "minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    version: Mapped[int] = mapped_column(default=1)  # the number the current text has (or will get)
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime | None]
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    published_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    published_version: Mapped[int | None]
    # The notice sent to residents when published (core.notify), for "read by n of N households".
    notice_id: Mapped[int | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MinutesVersion(Base):
    """The text of the minutes as submitted (version 1) or as changed after submission (2, 3 …)."""

    __tablename__ = "minutes_version"
    __table_args__ = (UniqueConstraint("minutes_id", "number", name="uq_minutes_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MinutesApproval(Base):
    """One board member's approval of one version (a person approves a version once)."""

    __tablename__ = "minutes_approval"
    __table_args__ = (
        UniqueConstraint("minutes_id", "version", "person_id", name="uq_minutes_approval_person"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)


class MinutesComment(Base):
    """A board member's remark on a version instead of (or before) approving it."""

    __tablename__ = "minutes_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Decision(Base):
    """One decision of approved minutes, for the register: brought up to date each time the minutes are
    approved (and hidden while a later edit waits for approval)."""

    __tablename__ = "decision"
    __table_args__ = (Index("ix_decision_department_day", "department_id", "decided_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="SET NULL"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    decided_on: Mapped[date]
    item_number: Mapped[int] = mapped_column(default=0)
    item_title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    closed: Mapped[bool] = mapped_column(default=False)
    votes: Mapped[dict[str, int] | None] = mapped_column(JSON)
    # Carried out? Kept when the minutes are approved again (matched by agenda item).
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    status_changed_at: Mapped[datetime | None]
    status_note: Mapped[str] = mapped_column(Text, default="", server_default="")
