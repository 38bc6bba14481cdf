"""The handover pack: who hands over to whom, a frozen snapshot of the board's material (no
resident named), the PDF made from it, the departing member's checklist and the successor's receipt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from boardkit.core.db import Base, utcnow

PERSON_FK = "person.id"
REASONS = ("change", "on_demand")
# open; confirmed (the departing member's checklist); acknowledged (the successor's receipt);
# closed (both, or the receipt of a pack that has no departing member)
STATUSES = ("open", "confirmed", "acknowledged", "closed")


class HandoverPack(Base):
    __tablename__ = "handover_pack"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    departing_membership_id: Mapped[int | None] = mapped_column(
        ForeignKey("membership.id", ondelete="SET NULL"), index=True
    )
    departing_person_id: Mapped[int | None] = mapped_column(
        ForeignKey(PERSON_FK, ondelete="SET NULL"), index=True
    )
    departing_role: Mapped[str] = mapped_column(String(20), default="")
    successor_person_id: Mapped[int | None] = mapped_column(
        ForeignKey(PERSON_FK, ondelete="SET NULL"), index=True
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The sections as they were when the pack was made (see ``snapshot``): the page and the PDF
    # show what was handed over then, whatever changed since.
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="open")
    # {"items": [what the departing member held], "lines": {key: ticked}, "remark": str}
    checklist: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    remark: Mapped[str] = mapped_column(Text, default="")
    confirmed_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
