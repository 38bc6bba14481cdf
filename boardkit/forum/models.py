"""Forum tables: spaces (a board's forum, a department's bulletin board), threads and their posts
(with edit history, files, flags and mentions), and what each person chose to hear."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from boardkit.core.db import Base, utcnow

PERSON_FK = "person.id"
POST_FK = "forum_post.id"
THREAD_FK = "forum_thread.id"
SPACE_KINDS = ("board", "bulletin")
CATEGORIES = ("lend", "events", "found", "other")  # låne/udlåne, arrangementer, fundet/mistet, andet
LEVELS = ("all", "mentions", "digest", "off")
# visible; hidden (three flags, waiting for review, or a moderator's decision); deleted (the text
# went, a marker stays)
POST_STATES = ("visible", "flagged", "hidden", "deleted")


class Space(Base):
    """Where people talk: a board's forum (the board and the administration) or a department's
    bulletin board (its residents, its board and the administration)."""

    __tablename__ = "forum_space"
    __table_args__ = (
        # Named: the naming convention's "uq_<table>_<first column>" would give both the same name.
        UniqueConstraint("kind", "board_id", name="uq_forum_space_kind_board_id"),
        UniqueConstraint("kind", "department_id", name="uq_forum_space_kind_department_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    board_id: Mapped[int | None] = mapped_column(ForeignKey("board.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Thread(Base):
    """A board thread, or a post on the bulletin board (a thread of one post, with a category and
    an expiry day; an announcement is the board's)."""

    __tablename__ = "forum_thread"
    __table_args__ = (Index("ix_forum_thread_space_last", "space_id", "last_post_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("forum_space.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(default=utcnow)
    post_count: Mapped[int] = mapped_column(default=0)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="SET NULL"))
    category: Mapped[str | None] = mapped_column(String(20))
    expires_on: Mapped[date | None]
    announcement: Mapped[bool] = mapped_column(default=False)

    space: Mapped[Space] = relationship()


class Post(Base):
    """A post: its Markdown and the sanitised HTML made from it once, when it is written."""

    __tablename__ = "forum_post"
    __table_args__ = (Index("ix_forum_post_thread_created", "thread_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey(THREAD_FK, ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey(PERSON_FK, ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="visible")
    flag_count: Mapped[int] = mapped_column(default=0)
    moderation_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]

    thread: Mapped[Thread] = relationship()


class Revision(Base):
    """A post's earlier text, kept when it is edited (the history is visible)."""

    __tablename__ = "forum_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey(POST_FK, ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)


class PostFile(Base):
    """A file on a post (checked by content), with a preview for images."""

    __tablename__ = "forum_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey(POST_FK, ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    preview_sha256: Mapped[str | None] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]


class Flag(Base):
    """One person's flag on a post (flagging again changes nothing)."""

    __tablename__ = "forum_flag"
    __table_args__ = (UniqueConstraint("post_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey(POST_FK, ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey(PERSON_FK, ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Mention(Base):
    """A board member @mentioned in a post (told at once unless they muted the thread)."""

    __tablename__ = "forum_mention"
    __table_args__ = (UniqueConstraint("post_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey(POST_FK, ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey(PERSON_FK, ondelete="CASCADE"), index=True)


class Preference(Base):
    """What a person hears from a space: all, mentions only, a daily digest or nothing; and whether
    mails carry the post's text (the board forum hides it by default)."""

    __tablename__ = "forum_preference"
    __table_args__ = (UniqueConstraint("person_id", "space_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey(PERSON_FK, ondelete="CASCADE"), index=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("forum_space.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(20), default="all")
    hide_content: Mapped[bool] = mapped_column(default=True)


class ThreadState(Base):
    """A person's place in a thread: read up to when, muted, or left."""

    __tablename__ = "forum_thread_state"
    __table_args__ = (UniqueConstraint("person_id", "thread_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey(PERSON_FK, ondelete="CASCADE"), index=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey(THREAD_FK, ondelete="CASCADE"))
    read_at: Mapped[datetime | None]
    muted: Mapped[bool] = mapped_column(default=False)


class Digest(Base):
    """The one digest a person got on a day (a second run the same day sends nothing)."""

    __tablename__ = "forum_digest"
    __table_args__ = (UniqueConstraint("person_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey(PERSON_FK, ondelete="CASCADE"))
    day: Mapped[date]
    posts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
