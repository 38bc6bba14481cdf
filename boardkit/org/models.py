"""Organisation → departments → tenancies → residents; boards, memberships and staff."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from boardkit.core.db import Base, utcnow

CHANNELS = ("email", "sms", "digital_post", "paper")
LANGUAGES = ("da", "en")
BOARD_KINDS = ("department_board", "organisation_board", "committee")
ROLES = ("chair", "vice_chair", "treasurer", "member", "substitute")
STAFF_ROLES = ("account_manager", "bookkeeper", "admin")
RESIDENCY_ROLES = ("tenant", "household_member")


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(40), unique=True)
    # Statutory rules that local statutes may change (DOMAIN.md defaults apply when absent).
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    departments: Mapped[list[Department]] = relationship(back_populates="organisation")


class Department(Base):
    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("organisation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    number: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="departments")


class Tenancy(Base):
    """One home (lejemål) — the household that gets one notice and two votes."""

    __tablename__ = "tenancy"
    __table_args__ = (UniqueConstraint("department_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    paper: Mapped[bool] = mapped_column(default=False)

    department: Mapped[Department] = relationship()

    @property
    def address_line(self) -> str:
        return f"{self.address}, {self.unit}" if self.unit else self.address


class Person(Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(60), unique=True)
    # The organisation that registered the person (residents and members are found through their
    # residencies and memberships too).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    phone: Mapped[str] = mapped_column(String(30), default="")
    preferred_channel: Mapped[str] = mapped_column(String(20), default="email")
    paper: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(String(5), default="da")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    residencies: Mapped[list[Residency]] = relationship(back_populates="person")
    memberships: Mapped[list[Membership]] = relationship(back_populates="person")
    staff_roles: Mapped[list[StaffRole]] = relationship(back_populates="person")

    @property
    def has_digital_channel(self) -> bool:
        if self.paper:
            return False
        if self.preferred_channel == "sms":
            return bool(self.phone)
        return bool(self.email)


class Residency(Base):
    __tablename__ = "residency"
    __table_args__ = (UniqueConstraint("person_id", "tenancy_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    tenancy_id: Mapped[int] = mapped_column(ForeignKey("tenancy.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="tenant")
    adult: Mapped[bool] = mapped_column(default=True)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]

    person: Mapped[Person] = relationship(back_populates="residencies")
    tenancy: Mapped[Tenancy] = relationship()


class Board(Base):
    __tablename__ = "board"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    department: Mapped[Department | None] = relationship()
    memberships: Mapped[list[Membership]] = relationship(back_populates="board")


OPEN_CHAIR = text("role = 'chair' AND end_date IS NULL")
OPEN_MEMBERSHIP = text("end_date IS NULL")


class Membership(Base):
    """A person's role on a board for a period (end date inclusive; None: open-ended).

    One chair at a time and one role per person and board at a time: the service compares periods
    (``org.service.check_membership``); the database backs it up where an index can — at most one
    open-ended chair per board, one open-ended membership per person and board.
    """

    __tablename__ = "membership"
    __table_args__ = (
        Index("ix_membership_person_board", "person_id", "board_id"),
        Index(
            "uq_membership_open_chair",
            "board_id",
            unique=True,
            sqlite_where=OPEN_CHAIR,
            postgresql_where=OPEN_CHAIR,
        ),
        Index(
            "uq_membership_open_person",
            "board_id",
            "person_id",
            unique=True,
            sqlite_where=OPEN_MEMBERSHIP,
            postgresql_where=OPEN_MEMBERSHIP,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    # A substitute's place in line (1 moves up first), as the department meeting elected them.
    position: Mapped[int | None]

    board: Mapped[Board] = relationship(back_populates="memberships")
    person: Mapped[Person] = relationship(back_populates="memberships")

    def active_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


class StaffRole(Base):
    """Administration staff, scoped to a whole organisation or to one department."""

    __tablename__ = "staff_role"
    __table_args__ = (UniqueConstraint("person_id", "organisation_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    role: Mapped[str] = mapped_column(String(20), default="account_manager")

    person: Mapped[Person] = relationship(back_populates="staff_roles")
    organisation: Mapped[Organisation] = relationship()
    department: Mapped[Department | None] = relationship()


TRANSITION_KINDS = ("election", "substitute_up", "resignation", "move_out")
TRANSITION_STATUSES = ("proposed", "done", "dismissed")


class Transition(Base):
    """A change of a board's memberships: proposed (an election in approved minutes, a substitute
    moving up into a vacant seat) until the administration confirms it in one step, or done at once
    (a resignation, a move-out). ``changes`` lists what it does, each change a dict with an
    ``action`` (``start``, ``end``, ``extend``); ``key`` makes proposing idempotent per board."""

    __tablename__ = "membership_transition"
    __table_args__ = (UniqueConstraint("board_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    effective_at: Mapped[datetime]
    meeting_id: Mapped[int | None]  # the department meeting of an election (no FK: org sits below meetings)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))

    board: Mapped[Board] = relationship()
