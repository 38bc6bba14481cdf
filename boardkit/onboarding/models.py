"""Onboarding tables: programmes and their modules, videos with caption tracks, declarations with
versions and signatures, a member's assignment and progress, and the administration's contacts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from boardkit.core.db import Base, utcnow

PERSON_FK = "person.id"
ORGANISATION_FK = "organisation.id"
# The programme for a membership: the organisation board's members have their own, otherwise the
# role on the board (a vice chair follows the members' programme).
ROLES = ("member", "chair", "treasurer", "substitute", "organisation_board")
MODULE_KINDS = ("video", "document", "declaration", "task", "link")


class Programme(Base):
    """What a new board member in one role goes through, in order."""

    __tablename__ = "onboarding_programme"
    __table_args__ = (UniqueConstraint("organisation_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORGANISATION_FK), index=True)
    role: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    modules: Mapped[list[Module]] = relationship(order_by="Module.position", back_populates="programme")


class Video(Base):
    """An uploaded video (checked by content, measured, with a poster frame), stored by content."""

    __tablename__ = "onboarding_video"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORGANISATION_FK), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    duration: Mapped[float]
    width: Mapped[int]
    height: Mapped[int]
    poster_sha256: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    captions: Mapped[list[Caption]] = relationship(order_by="Caption.language", back_populates="video")


class Caption(Base):
    """A WebVTT caption track of a video, one per language (Danish is required to publish)."""

    __tablename__ = "onboarding_caption"
    __table_args__ = (UniqueConstraint("video_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("onboarding_video.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(50))
    sha256: Mapped[str] = mapped_column(String(64))
    transcript: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    video: Mapped[Video] = relationship(back_populates="captions")


class Declaration(Base):
    """A text board members sign (e.g. tavshedserklæring); each change is a new version."""

    __tablename__ = "onboarding_declaration"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORGANISATION_FK), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # "Kræver underskrevet erklæring": closed agenda items stay locked until the current version is signed.
    gates_closed_items: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[DeclarationVersion]] = relationship(
        order_by="DeclarationVersion.number", back_populates="declaration"
    )


class DeclarationVersion(Base):
    __tablename__ = "onboarding_declaration_version"
    __table_args__ = (UniqueConstraint("declaration_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding_declaration.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))  # of the exact text signed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    declaration: Mapped[Declaration] = relationship(back_populates="versions")


class Signature(Base):
    """Who signed which exact version, and when (signing again changes nothing)."""

    __tablename__ = "onboarding_signature"
    __table_args__ = (UniqueConstraint("version_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("onboarding_declaration_version.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey(PERSON_FK), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Module(Base):
    """One step of a programme. ``revision`` grows when its content changes, so a re-elected member
    is given again only what changed since they did it."""

    __tablename__ = "onboarding_module"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding_programme.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    due_days: Mapped[int] = mapped_column(default=14)
    url: Mapped[str] = mapped_column(String(500), default="")
    video_id: Mapped[int | None] = mapped_column(ForeignKey("onboarding_video.id"))
    declaration_id: Mapped[int | None] = mapped_column(ForeignKey("onboarding_declaration.id"))
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    document_name: Mapped[str] = mapped_column(String(255), default="")
    document_type: Mapped[str] = mapped_column(String(100), default="")
    tick_by: Mapped[str] = mapped_column(String(10), default="member")  # tasks: member or chair
    published: Mapped[bool] = mapped_column(default=False)
    revision: Mapped[int] = mapped_column(default=1)

    programme: Mapped[Programme] = relationship(back_populates="modules")
    video: Mapped[Video | None] = relationship()
    declaration: Mapped[Declaration | None] = relationship()


class Assignment(Base):
    """A programme given to a member when a membership started."""

    __tablename__ = "onboarding_assignment"
    __table_args__ = (UniqueConstraint("membership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey(PERSON_FK), index=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("onboarding_programme.id", ondelete="CASCADE"))
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id"), index=True)
    started_on: Mapped[date]
    completed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    programme: Mapped[Programme] = relationship()
    steps: Mapped[list[Progress]] = relationship(back_populates="assignment")


class Progress(Base):
    """One module of an assignment: when it is due, how far the member got, and when it was done."""

    __tablename__ = "onboarding_progress"
    __table_args__ = (UniqueConstraint("assignment_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding_assignment.id", ondelete="CASCADE"), index=True
    )
    module_id: Mapped[int] = mapped_column(ForeignKey("onboarding_module.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int]
    due_on: Mapped[date]
    seconds_watched: Mapped[float] = mapped_column(default=0)
    done_at: Mapped[datetime | None]
    done_by: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    reminders_sent: Mapped[int] = mapped_column(default=0)

    assignment: Mapped[Assignment] = relationship(back_populates="steps")
    module: Mapped[Module] = relationship()


class Contact(Base):
    """Who in the administration helps a department with what (or the whole organisation's)."""

    __tablename__ = "onboarding_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORGANISATION_FK), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    role: Mapped[str] = mapped_column(String(100))  # kundechef, driftschef, bogholderi, IT …
    helps_with: Mapped[str] = mapped_column(Text, default="")
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    hours: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(default=0)
