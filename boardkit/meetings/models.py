"""Meetings of boards and departments: agenda, attachments, invitations, RSVPs, proposals, letters."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from boardkit.core.db import Base, utcnow

if TYPE_CHECKING:
    from boardkit.org.service import Board

MEETING_KINDS = ("board", "ordinary_department", "extraordinary_department", "committee")
DEPARTMENT_KINDS = ("ordinary_department", "extraordinary_department")
MEETING_STATUSES = ("planned", "invited", "held", "cancelled")
ITEM_KINDS = ("information", "discussion", "decision")
RSVP_RESPONSES = ("accepted", "declined", "tentative")
PROPOSAL_STATUSES = ("received", "accepted", "rejected", "needs_clarification")
# Who a pack is for: "full" shows closed items, "open" leaves them out (board readers not
# allowed to see them), "public" is the residents' pack (closed items as title only, or left out).
PACK_VARIANTS = ("full", "open", "public")


class Meeting(Base):
    __tablename__ = "meeting"
    __table_args__ = (Index("ix_meeting_board_start", "board_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id"))
    # Set for department meetings: whose households are invited and may propose.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(200), default="")
    room: Mapped[str] = mapped_column(String(100), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="planned")
    # iCalendar: a stable UID and a SEQUENCE raised by every change of time or place.
    uid: Mapped[str] = mapped_column(String(120), default="")
    sequence: Mapped[int] = mapped_column(default=0)
    notice_override_reason: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    invite_substitutes: Mapped[bool] = mapped_column(default=False)
    invited_at: Mapped[datetime | None]
    # Set when the meeting pack is published; every later change of agenda or material
    # builds a new pack version.
    pack_published_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    board: Mapped[Board] = relationship("Board")
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting",
        order_by="AgendaItem.position",
        cascade="all, delete-orphan",
        foreign_keys="AgendaItem.meeting_id",
    )
    # Read only where it matters: whether published minutes made a never-announced meeting public.
    minutes: Mapped[Minutes | None] = relationship("Minutes", uselist=False, viewonly=True, lazy="select")

    @property
    def is_department_meeting(self) -> bool:
        return self.kind in DEPARTMENT_KINDS


class AgendaItem(Base):
    __tablename__ = "agenda_item"
    __table_args__ = (Index("ix_agenda_item_meeting_position", "meeting_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default="information")
    closed: Mapped[bool] = mapped_column(default=False)
    # A closed item about a person or a complaint (personalesag, klagesag): residents do not even
    # see that it exists — it is left out of everything they get, not shown as "Lukket punkt".
    person_case: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Set when retention deleted a person case's material (description, files, notes): the item
    # then says so wherever it is shown; its title and the minutes stay.
    material_deleted_at: Mapped[datetime | None]
    presenter: Mapped[str] = mapped_column(String(200), default="")
    minutes_allotted: Mapped[int | None]
    # "proposals" marks the item that collects residents' proposals at a department meeting.
    role: Mapped[str] = mapped_column(String(30), default="")
    previous_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="items", foreign_keys=[meeting_id])
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="agenda_item", order_by="Attachment.id", cascade="all, delete-orphan"
    )


class Attachment(Base):
    """A file on an agenda item or a proposal; the bytes live in content-addressed storage."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True
    )
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    pages: Mapped[int | None]
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    agenda_item: Mapped[AgendaItem | None] = relationship(back_populates="attachments")


class Invitation(Base):
    """One notice of one meeting to one person (e-mail) or one household (paper letter)."""

    __tablename__ = "invitation"
    __table_args__ = (
        UniqueConstraint("meeting_id", "person_id", name="uq_invitation_meeting_person"),
        UniqueConstraint("meeting_id", "tenancy_id", name="uq_invitation_meeting_tenancy"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    tenancy_id: Mapped[int | None] = mapped_column(ForeignKey("tenancy.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))  # email, paper
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued sent failed printed
    # The SEQUENCE last sent to this invitee; an update goes to everyone with a lower one.
    sequence_sent: Mapped[int] = mapped_column(default=-1)
    cancelled_sent: Mapped[bool] = mapped_column(default=False)
    email_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_email.id", ondelete="SET NULL"))
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class Rsvp(Base):
    __tablename__ = "rsvp"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    response: Mapped[str] = mapped_column(String(20))
    responded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Proposal(Base):
    """A resident's proposal for a department meeting, phrased so it can be answered yes or no."""

    __tablename__ = "proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    proposer_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(30), default="received")
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalendarFeed(Base):
    """The secret token of a person's calendar feed; regenerating it replaces the row's hash."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PrintBatch(Base):
    """Letters for households without a digital channel, printed and posted by the administration."""

    __tablename__ = "print_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, printed
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    printed_at: Mapped[datetime | None]
    printed_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))

    letters: Mapped[list[Letter]] = relationship(back_populates="batch", order_by="Letter.id")


class Letter(Base):
    """One paper letter to one household: what it says is frozen when it is made."""

    __tablename__ = "letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("print_batch.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    tenancy_id: Mapped[int] = mapped_column(ForeignKey("tenancy.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))  # invitation, update, cancellation
    recipient: Mapped[str] = mapped_column(String(300))
    address_lines: Mapped[list[str]] = mapped_column(JSON, default=list)
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    batch: Mapped[PrintBatch] = relationship(back_populates="letters")


class ReminderLog(Base):
    """What reminders a person got on a day, so several become one message (at most one a day)."""

    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("person_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    day: Mapped[date]
    keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PackVersion(Base):
    """One published version of a meeting's pack for one variant: what went in and what changed."""

    __tablename__ = "pack_version"
    __table_args__ = (UniqueConstraint("meeting_id", "variant", "number", name="uq_pack_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    variant: Mapped[str] = mapped_column(String(10))
    number: Mapped[int]
    # sha256 over the manifest: the same inputs never make a new version.
    inputs_hash: Mapped[str] = mapped_column(String(64))
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    pages: Mapped[int] = mapped_column(default=0)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)


class PackFile(Base):
    """A rendered pack (for a variant, a reader and their notes), cached under its inputs' hash."""

    __tablename__ = "pack_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    cache_key: Mapped[str] = mapped_column(String(64), unique=True)
    pack_version_id: Mapped[int] = mapped_column(
        ForeignKey("pack_version.id", ondelete="CASCADE"), index=True
    )
    sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int]
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PackRead(Base):
    """The first time a person opened a pack version."""

    __tablename__ = "pack_read"
    __table_args__ = (UniqueConstraint("pack_version_id", "person_id", name="uq_pack_read_version_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_version_id: Mapped[int] = mapped_column(ForeignKey("pack_version.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)


class PrivateNote(Base):
    """A member's own note on an agenda item: seen by nobody else, kept across pack versions."""

    __tablename__ = "private_note"
    __table_args__ = (UniqueConstraint("person_id", "agenda_item_id", name="uq_private_note_person_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


# The minutes' tables live in their own module; importing them here registers them with every
# user of the meeting models (the schema, the migrations, the tests).
from boardkit.meetings.minutes_models import (  # noqa: E402
    Decision as Decision,
)
from boardkit.meetings.minutes_models import (  # noqa: E402
    Minutes as Minutes,
)
from boardkit.meetings.minutes_models import (  # noqa: E402
    MinutesApproval as MinutesApproval,
)
from boardkit.meetings.minutes_models import (  # noqa: E402
    MinutesComment as MinutesComment,
)
from boardkit.meetings.minutes_models import (  # noqa: E402
    MinutesVersion as MinutesVersion,
)
