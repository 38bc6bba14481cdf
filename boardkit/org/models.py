"""Organisation → departments → tenancies → residents; boards, memberships and staff."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, event, inspect, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from boardkit.core.db import Base, utcnow
from boardkit.core.templating import TZ

CHANNELS = ("email", "sms", "digital_post", "paper")
LANGUAGES = ("da", "en")
BOARD_KINDS = ("department_board", "organisation_board", "committee")
ROLES = ("chair", "vice_chair", "treasurer", "member", "substitute")
STAFF_ROLES = ("account_manager", "bookkeeper", "admin")
RESIDENCY_ROLES = ("tenant", "household_member", "subtenant")


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


def day_start(day: date) -> datetime:
    """The moment (UTC) a local day in Copenhagen begins: its local midnight."""
    return datetime.combine(day, time(), tzinfo=TZ).astimezone(UTC)


def day_end(day: date) -> datetime:
    """The moment (UTC) a local day ends: the local midnight after it (an inclusive end date's end)."""
    return day_start(day + timedelta(days=1))


def last_day(ends_at: datetime) -> date:
    """The inclusive end date of a term that ends at ``ends_at`` (a term ending at midnight ended
    the day before; one ending at 21:30 ends on that day)."""
    return (ends_at - timedelta(microseconds=1)).astimezone(TZ).date()


class Membership(Base):
    """A person's role on a board for a period.

    The dates are local (Europe/Copenhagen), the end date inclusive (None: open-ended). The moments
    are exact (UTC): ``starts_at`` is by default the local midnight starting the start date and
    ``ends_at`` the local midnight after the end date, but either may be set exactly — a seat that
    ends with the meeting that elected a successor ends at 21:30, and its end date is that day.
    Setting a date fills its moment and setting a moment fills its date (``_fill_moments``).
    ``ended_effects_at``: when what happens as a membership ends (access, hooks) was done.

    One chair at a time and one role per person and board at a time: the service compares terms
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
        Index("ix_membership_ends_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    ended_effects_at: Mapped[datetime | None]
    # A substitute's place in line (1 moves up first), as the department meeting elected them.
    position: Mapped[int | None]

    board: Mapped[Board] = relationship(back_populates="memberships")
    person: Mapped[Person] = relationship(back_populates="memberships")

    @property
    def start_moment(self) -> datetime:
        """``starts_at``, or what the start date stands for before the row is flushed."""
        return self.starts_at if self.starts_at is not None else day_start(self.start_date)

    @property
    def end_moment(self) -> datetime | None:
        """``ends_at``, or what the end date stands for before the row is flushed."""
        if self.ends_at is not None:
            return self.ends_at
        return None if self.end_date is None else day_end(self.end_date)

    def active_at(self, moment: datetime) -> bool:
        """In office at ``moment``: started, and not yet ended (the end moment is exclusive)."""
        end = self.end_moment
        return self.start_moment <= moment and (end is None or moment < end)


def _changed(target: Membership, name: str) -> bool:
    return bool(inspect(target).attrs[name].history.has_changes())


@event.listens_for(Membership, "before_insert")
def _fill_new_moments(_mapper: Any, _conn: Any, target: Membership) -> None:
    if target.starts_at is None and target.start_date is not None:
        target.starts_at = day_start(target.start_date)
    elif target.start_date is None and target.starts_at is not None:
        target.start_date = target.starts_at.astimezone(TZ).date()
    if target.ends_at is None and target.end_date is not None:
        target.ends_at = day_end(target.end_date)
    elif target.end_date is None and target.ends_at is not None:
        target.end_date = last_day(target.ends_at)
    # A term that had ended before it was recorded (history, an import) had nothing to take away.
    if target.ends_at is not None and target.ended_effects_at is None and target.ends_at <= utcnow():
        target.ended_effects_at = utcnow()


@event.listens_for(Membership, "before_update")
def _fill_changed_moments(_mapper: Any, _conn: Any, target: Membership) -> None:
    if _changed(target, "start_date") and not _changed(target, "starts_at"):
        target.starts_at = day_start(target.start_date)
    elif _changed(target, "starts_at") and not _changed(target, "start_date"):
        target.start_date = target.starts_at.astimezone(TZ).date()
    if _changed(target, "end_date") and not _changed(target, "ends_at"):
        target.ends_at = None if target.end_date is None else day_end(target.end_date)
    elif _changed(target, "ends_at") and not _changed(target, "end_date"):
        target.end_date = None if target.ends_at is None else last_day(target.ends_at)
    # A term moved to end later (or not at all) ends again, with its effects, when it does.
    if _changed(target, "ends_at") and (target.ends_at is None or target.ends_at > utcnow()):
        target.ended_effects_at = None


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
