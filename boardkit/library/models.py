"""Library tables: documents and their versions (each version a stored file), access items
(keys, fobs, accounts, codes), who holds or knows each, and the "to return" tasks of a departure.

Everything belongs to the board: rows that name a person keep working when that person is gone
(``SET NULL``), so the board's history stays.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from boardkit.core.db import Base, utcnow

PERSON_FK = "person.id"
DOCUMENT_KINDS = (
    "statutes",  # vedtægter
    "rules_of_procedure",  # forretningsorden
    "house_rules",  # husorden
    "maintenance_rules",  # vedligeholdelsesreglement
    "raaderet_catalogue",  # råderetskatalog
    "maintenance_plan",  # drifts-/vedligeholdelsesplan
    "inspection_report",  # seneste syn/gennemgang
    "contract",  # kontrakt
    "other",
)
ITEM_KINDS = ("key", "fob", "account", "code")
KNOWN = ("account", "code")  # known by people rather than held: never stored, only changed
TASK_KINDS = ("return", "change")  # give the item back; change the code/password


class LibraryDocument(Base):
    """A document of the board; its file is its newest version. Archived, never deleted."""

    __tablename__ = "library_document"
    __table_args__ = (Index("ix_library_document_board_kind", "board_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id"))
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # A contract's facts (the contract itself is the organisation's).
    supplier: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    term_start: Mapped[date | None]
    term_end: Mapped[date | None]
    notice_period: Mapped[str] = mapped_column(String(100), default="")
    admin_contact_id: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]

    versions: Mapped[list[DocumentVersion]] = relationship(
        order_by="DocumentVersion.number.desc()", back_populates="document"
    )

    @property
    def latest(self) -> DocumentVersion | None:
        return self.versions[0] if self.versions else None


class DocumentVersion(Base):
    """One uploaded file of a document (content-addressed in the file store)."""

    __tablename__ = "library_version"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("library_document.id", ondelete="CASCADE"))
    number: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    note: Mapped[str] = mapped_column(String(500), default="")
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[LibraryDocument] = relationship(back_populates="versions")


class AccessItem(Base):
    """A key, a fob, a system account or a code of the board. A code or a password is never
    stored: only who knows it (holdings) and when it was last changed."""

    __tablename__ = "library_item"
    __table_args__ = (Index("ix_library_item_board", "board_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id"))
    kind: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(200))
    opens: Mapped[str] = mapped_column(String(300), default="")  # what it opens, or what it is
    number: Mapped[str] = mapped_column(String(60), default="")  # "nøgle 3 af 4"
    changed_on: Mapped[date | None]  # codes and accounts: last changed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    holdings: Mapped[list[Holding]] = relationship(order_by="Holding.id", back_populates="item")


class Holding(Base):
    """A person holding a key or fob (or knowing a code or an account) from one day to another."""

    __tablename__ = "library_holding"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("library_item.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"), index=True)
    issued_on: Mapped[date]
    returned_on: Mapped[date | None]
    issued_by: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    returned_by: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))

    item: Mapped[AccessItem] = relationship(back_populates="holdings")


class ReturnTask(Base):
    """After a departure: give an item back, or have its code changed, by ``due_at``. Closed when
    that happens; escalated once to the chair and the administration when overdue."""

    __tablename__ = "library_task"
    __table_args__ = (
        UniqueConstraint("holding_id"),
        Index("ix_library_task_open", "closed_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("library_item.id", ondelete="CASCADE"), index=True)
    holding_id: Mapped[int] = mapped_column(ForeignKey("library_holding.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]

    item: Mapped[AccessItem] = relationship()
    holding: Mapped[Holding] = relationship()
