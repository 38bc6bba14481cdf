"""Meetings of boards and departments."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from boardkit.core.db import Base, utcnow

if TYPE_CHECKING:
    from boardkit.org.service import Board

MEETING_KINDS = ("board", "ordinary_department", "extraordinary_department", "committee")
MEETING_STATUSES = ("planned", "invited", "held", "cancelled")


class Meeting(Base):
    __tablename__ = "meeting"
    __table_args__ = (Index("ix_meeting_board_start", "board_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id"))
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(200), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="planned")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    board: Mapped[Board] = relationship("Board")
