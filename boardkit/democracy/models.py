"""Resident democracy's tables: the electoral roll of a department meeting (households and the
people entitled to vote, a snapshot), check-ins at the door, questions put to the vote, the units
each household has used, the participation register and the secret ballots.

Secrecy by schema (issue 18): ``democracy_ballot`` holds only a random id, the question and the
choice. It has no foreign key to a household, person or participation row, no timestamp and no
insertion order (a ``WITHOUT ROWID`` table on SQLite; the close rewrites the ballots in a random
order in one transaction, so no system column such as PostgreSQL's ``xmin`` joins them either).
The participation register (``democracy_participation``) says who voted, when and by which
channel, never how.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from boardkit.core.db import Base, utcnow

PERSON_FK = "person.id"
UNITS_PER_HOUSEHOLD = 2

QUESTION_KINDS = ("proposal", "election", "urafstemning")
METHODS = ("show_of_hands", "written")
# recorded: counted at the meeting only; open: digital (or urafstemning) voting runs;
# closed: the result is final and published; cancelled.
QUESTION_STATUSES = ("recorded", "open", "closed", "cancelled")
CHANNELS = ("meeting", "online", "letter")
YES_NO = ("yes", "no", "blank")  # the stored choices of a yes/no question


class Roll(Base):
    """The electoral roll of one department meeting: a snapshot on a reference date, plus what
    the meeting itself records (its end, whether it decided to vote digitally afterwards)."""

    __tablename__ = "democracy_roll"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The meeting whose roll this is; None for an urafstemning's roll of all households.
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), unique=True)
    purpose: Mapped[str] = mapped_column(String(20), default="meeting")  # meeting | urafstemning
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    reference_date: Mapped[date]
    # The organisation's setting when the roll was made: may one person use both units?
    one_person_both_units: Mapped[bool] = mapped_column(default=False)
    # The physical meeting's recorded end: digital voting opens then and closes within 7 × 24 h.
    ended_at: Mapped[datetime | None]
    # The meeting's decision to vote digitally afterwards (the agenda item where it was decided).
    digital_decided_at: Mapped[datetime | None]
    digital_decision_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL")
    )
    digital_decision_text: Mapped[str] = mapped_column(Text, default="")
    # People (on the roll or not) who count: the dirigent and the counting committee.
    counters: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    households: Mapped[list[RollHousehold]] = relationship(
        back_populates="roll", order_by="RollHousehold.id", cascade="all, delete-orphan"
    )


class RollHousehold(Base):
    """A household (tenancy) on the roll, as it was on the reference date."""

    __tablename__ = "democracy_roll_household"
    __table_args__ = (UniqueConstraint("roll_id", "tenancy_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roll_id: Mapped[int] = mapped_column(ForeignKey("democracy_roll.id", ondelete="CASCADE"), index=True)
    tenancy_id: Mapped[int | None] = mapped_column(ForeignKey("tenancy.id", ondelete="SET NULL"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(260))
    # No voter of the household has a digital channel: they are told by letter.
    paper: Mapped[bool] = mapped_column(default=False)
    units: Mapped[int] = mapped_column(default=UNITS_PER_HOUSEHOLD)

    roll: Mapped[Roll] = relationship(back_populates="households")
    voters: Mapped[list[RollVoter]] = relationship(
        back_populates="household", order_by="RollVoter.id", cascade="all, delete-orphan"
    )


class RollVoter(Base):
    """A person entitled to attend and vote: a tenant or adult household member (not a sub-tenant)."""

    __tablename__ = "democracy_roll_voter"
    __table_args__ = (UniqueConstraint("household_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("democracy_roll_household.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="tenant")

    household: Mapped[RollHousehold] = relationship(back_populates="voters")


class CheckIn(Base):
    """A voter registered at the door (a voter checks in once; checking out keeps the row)."""

    __tablename__ = "democracy_check_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    roll_id: Mapped[int] = mapped_column(ForeignKey("democracy_roll.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("democracy_roll_household.id", ondelete="CASCADE"))
    voter_id: Mapped[int] = mapped_column(
        ForeignKey("democracy_roll_voter.id", ondelete="CASCADE"), unique=True
    )
    checked_in_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_in_by: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    checked_out_at: Mapped[datetime | None]


class Question(Base):
    """A question put to the vote: a proposal or an election at the meeting (perhaps continued
    digitally for up to 7 days), or an urafstemning of all households."""

    __tablename__ = "democracy_question"
    __table_args__ = (Index("ix_democracy_question_status_close", "status", "closes_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    roll_id: Mapped[int] = mapped_column(ForeignKey("democracy_roll.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20), default="proposal")
    text: Mapped[str] = mapped_column(Text)  # as worded at the meeting
    method: Mapped[str] = mapped_column(String(20), default="show_of_hands")
    # The choices: [{"key": "yes", "label": "Ja"}, …]; an election's are its candidates
    # ({"key": "p12", "label": name, "person_id": 12}); "blank" is always possible.
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    seats: Mapped[int] = mapped_column(default=1)  # elections: how many are elected
    election: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # role, substitutes, term
    status: Mapped[str] = mapped_column(String(20), default="recorded")
    # Counted at the meeting: {option key: count}; the units of those checked in when counted.
    meeting_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    units_present: Mapped[int] = mapped_column(default=0)
    counted_at: Mapped[datetime | None]
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the published tally
    # Urafstemning: who called it and why, and the proposal it is about (one per proposal until
    # the next ordinary department meeting).
    called_by: Mapped[str] = mapped_column(String(20), default="")  # meeting | board
    demand: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"demanding", "present", "share"}
    source_question_id: Mapped[int | None] = mapped_column(
        ForeignKey("democracy_question.id", ondelete="SET NULL")
    )
    proposal_key: Mapped[str] = mapped_column(String(80), default="", index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HouseholdUnits(Base):
    """How many of its units a household has used on a question, across every channel. A vote
    raises ``used`` with one conditional UPDATE (``used + n <= units``), so two devices of one
    household voting at the same instant can never use more than two."""

    __tablename__ = "democracy_household_units"

    question_id: Mapped[int] = mapped_column(
        ForeignKey("democracy_question.id", ondelete="CASCADE"), primary_key=True
    )
    household_id: Mapped[int] = mapped_column(
        ForeignKey("democracy_roll_household.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    used: Mapped[int] = mapped_column(default=0)
    units: Mapped[int] = mapped_column(default=UNITS_PER_HOUSEHOLD)


class Participation(Base):
    """Who voted: a household's use of units on a question (channel and time), never the choice."""

    __tablename__ = "democracy_participation"
    __table_args__ = (Index("ix_democracy_participation_question_household", "question_id", "household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("democracy_question.id", ondelete="CASCADE"))
    household_id: Mapped[int] = mapped_column(ForeignKey("democracy_roll_household.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    units: Mapped[int] = mapped_column(default=1)
    channel: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    registered_by: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))


class Ballot(Base):
    """One unit's secret vote: a random id, the question and the choice, and nothing else."""

    __tablename__ = "democracy_ballot"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # secrets.token_hex(16)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("democracy_question.id", ondelete="CASCADE"), index=True
    )
    choice: Mapped[str] = mapped_column(String(40))


class BallotCode(Base):
    """An urafstemning's one-time code on a household's paper ballot letter (stored hashed)."""

    __tablename__ = "democracy_ballot_code"
    __table_args__ = (UniqueConstraint("question_id", "household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("democracy_question.id", ondelete="CASCADE"), index=True
    )
    household_id: Mapped[int] = mapped_column(ForeignKey("democracy_roll_household.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None]
