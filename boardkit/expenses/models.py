"""Expense claims: budget accounts, the mileage rate table, claims, lines, history and duplicate flags."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from boardkit.core.db import Base, utcnow

PERSON_FK = "person.id"
CLAIM_FK = "expense_claim.id"
STATUSES = ("draft", "submitted", "attested", "approved", "rejected", "exported", "paid")
APPROVED = ("approved", "exported", "paid")  # approved by the administration, whatever came after
LINE_KINDS = ("receipt", "mileage")
VEHICLES = ("car", "bicycle")
FLAG_KINDS = ("same_file", "similar_photo", "same_amount_date", "same_route")
FLAG_DECISIONS = ("duplicate", "not_duplicate")


class ExpenseAccount(Base):
    """A budget account of the organisation's chart (e.g. 119 "Bestyrelsens udgifter")."""

    __tablename__ = "expense_account"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    yearly_budget_ore: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class MileageRate(Base):
    """Skattestyrelsen's tax-free rate for a year: øre per km up to ``threshold_km``, then above.

    Data, not code: a new year is a new row (the migration seeds 2025 and 2026).
    """

    __tablename__ = "mileage_rate"
    __table_args__ = (UniqueConstraint("year", "vehicle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    vehicle: Mapped[str] = mapped_column(String(20))
    rate_ore: Mapped[int]
    rate_above_ore: Mapped[int | None]  # None: one rate whatever the distance (bicycle)
    threshold_km: Mapped[int] = mapped_column(default=20_000)


class ExpenseExport(Base):
    """A batch of approved claims handed to the bookkeeping: a CSV and one PDF of the receipts."""

    __tablename__ = "expense_export"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    claims: Mapped[list[ExpenseClaim]] = relationship(order_by="ExpenseClaim.id")


class ExpenseClaim(Base):
    __tablename__ = "expense_claim"
    __table_args__ = (
        Index("ix_expense_claim_org_status", "organisation_id", "status"),
        Index("ix_expense_claim_claimant", "claimant_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    claimant_id: Mapped[int] = mapped_column(ForeignKey(PERSON_FK))
    account_id: Mapped[int] = mapped_column(ForeignKey("expense_account.id"))
    purpose: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # Registration and account number, Fernet-encrypted at rest (core.crypto); shown only to the
    # claimant and the administration.
    bank_encrypted: Mapped[str] = mapped_column(Text, default="")
    total_ore: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    attested_at: Mapped[datetime | None]
    attested_by: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    first_approved_at: Mapped[datetime | None]
    first_approved_by: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    rejected_at: Mapped[datetime | None]
    rejected_by: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    exported_at: Mapped[datetime | None]
    # the export batch the claim went out in (``export.py``); None until exported
    export_id: Mapped[int | None] = mapped_column(ForeignKey("expense_export.id"), index=True)
    paid_at: Mapped[datetime | None]

    account: Mapped[ExpenseAccount] = relationship()
    lines: Mapped[list[ExpenseLine]] = relationship(
        back_populates="claim", order_by="ExpenseLine.id", cascade="all, delete-orphan"
    )


class ExpenseLine(Base):
    __tablename__ = "expense_line"
    __table_args__ = (
        Index("ix_expense_line_original", "original_sha256"),
        Index("ix_expense_line_day", "spent_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey(CLAIM_FK, ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    amount_ore: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    # receipt lines: the day bought (mileage lines: the day travelled, so one column serves both)
    spent_on: Mapped[date | None]
    vat_ore: Mapped[int] = mapped_column(default=0)
    filename: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="")
    original_sha256: Mapped[str | None] = mapped_column(String(64))
    clean_sha256: Mapped[str | None] = mapped_column(String(64))
    clean_type: Mapped[str] = mapped_column(String(100), default="")
    preview_sha256: Mapped[str | None] = mapped_column(String(64))
    phash: Mapped[str | None] = mapped_column(String(16))
    # mileage lines
    from_place: Mapped[str] = mapped_column(String(200), default="")
    to_place: Mapped[str] = mapped_column(String(200), default="")
    stops: Mapped[list[str]] = mapped_column(JSON, default=list)
    km_tenths: Mapped[int] = mapped_column(default=0)
    vehicle: Mapped[str] = mapped_column(String(20), default="")
    # The calculation shown on the line: {"year", "km_before", "parts": [{"km", "rate_ore", "amount_ore"}]}
    calculation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    claim: Mapped[ExpenseClaim] = relationship(back_populates="lines")


class ExpenseEvent(Base):
    """The claim's history: every step and every correction, with the values before and after."""

    __tablename__ = "expense_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey(CLAIM_FK, ondelete="CASCADE"), index=True)
    line_id: Mapped[int | None]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ExpenseFlag(Base):
    """A possible duplicate found on submit, with a link to the other claim; the approver decides."""

    __tablename__ = "expense_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey(CLAIM_FK, ondelete="CASCADE"), index=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("expense_line.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    other_claim_id: Mapped[int] = mapped_column(ForeignKey(CLAIM_FK, ondelete="CASCADE"))
    other_line_id: Mapped[int | None]
    decision: Mapped[str] = mapped_column(String(20), default="")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
