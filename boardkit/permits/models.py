"""Permit tables: the organisation's kinds, the cases (one per application, report or notice),
their history, files, invoice lines for compensation, and the dated compensation maxima."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from boardkit.core.db import Base, utcnow

PERSON_FK = "person.id"
PERMIT_FK = "permit.id"
GROUPS = ("pets", "installations", "antenna", "improvement", "alteration", "outdoor")
# waiting: submitted (or more_info: the resident was asked for more); active permits: acknowledged,
# no_objection (passed by silence), approved; closed: rejected, withdrawn, ended.
STATUSES = (
    "submitted",
    "more_info",
    "acknowledged",
    "no_objection",
    "approved",
    "rejected",
    "withdrawn",
    "ended",
)
WAITING = ("submitted", "more_info")
ACTIVE = ("acknowledged", "no_objection", "approved")


class PermitKind(Base):
    """A kind of case the organisation handles (seeded from ``catalogue``, editable)."""

    __tablename__ = "permit_kind"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    group: Mapped[str] = mapped_column(String(20))
    track: Mapped[str] = mapped_column(String(20))
    reestablish_on_move_out: Mapped[bool] = mapped_column(default=False)
    life_years: Mapped[int | None]  # improvements: written down over this many years (10–20)
    needs_building_permit: Mapped[bool] = mapped_column(default=False)
    delegated_to_board: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)


class Permit(Base):
    """One case: a resident's application, report or notice, and (once granted) the permit."""

    __tablename__ = "permit"
    __table_args__ = (
        Index("ix_permit_status_deadline", "status", "deadline"),
        Index("ix_permit_department_kind_status", "department_id", "kind_id", "status"),
        # An imported case is known by the administration system's number (several NULLs are fine).
        Index("uq_permit_organisation_external_ref", "organisation_id", "external_ref", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    tenancy_id: Mapped[int] = mapped_column(ForeignKey("tenancy.id"), index=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("permit_kind.id"))
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    route: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # e.g. the animal
    needs_building_permit: Mapped[bool] = mapped_column(default=False)
    received_on: Mapped[date]
    deadline: Mapped[date | None]  # a report's last day for an objection; an application's answer-by day
    reason: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    taken_into_use: Mapped[date | None]  # improvements: from when the write-down runs
    ended_on: Mapped[date | None]
    external_ref: Mapped[str | None] = mapped_column(String(60))  # the administration system's id (import)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    kind: Mapped[PermitKind] = relationship()


class PermitEvent(Base):
    """The case's history: submitted, asked for more, decided, passed by silence, withdrawn …"""

    __tablename__ = "permit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey(PERMIT_FK, ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class PermitFile(Base):
    """A drawing, quote or photo attached to a case (stored by content in the file store)."""

    __tablename__ = "permit_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey(PERMIT_FK, ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PermitInvoiceLine(Base):
    """An invoice line of an improvement, for the compensation on moving out."""

    __tablename__ = "permit_invoice_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey(PERMIT_FK, ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(String(200))
    amount_ore: Mapped[int]
    cvr: Mapped[str] = mapped_column(String(12), default="")
    vat_registered: Mapped[bool] = mapped_column(default=False)
    own_labour: Mapped[bool] = mapped_column(default=False)
    white_goods: Mapped[bool] = mapped_column(default=False)


class CompensationMaximum(Base):
    """The maximum compensation base in force from ``valid_from`` (indexed yearly: data, not code)."""

    __tablename__ = "permit_compensation_maximum"
    __table_args__ = (UniqueConstraint("organisation_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    valid_from: Mapped[date]
    amount_ore: Mapped[int]
