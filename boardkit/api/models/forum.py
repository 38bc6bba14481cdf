"""The forum: threads, posts, the bulletin board, flags, moderation and preferences."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from boardkit.api.models.common import Date, Out, Time, Url
from boardkit.api.schema import Body, Day, Flag, Text, one_of


class ThreadSummary(Out):
    id: int
    title: str
    starter: str
    post_count: int
    last_post_at: Time
    unread: bool
    agenda_item_id: int | None
    url: Url


class ThreadList(Out):
    items: list[ThreadSummary]
    next: Url | None


class PostFileOut(Out):
    id: int
    filename: str
    content_type: str
    size: int
    url: Url
    preview_url: Url | None


class PostOut(Out):
    id: int
    thread_id: int
    author: str = Field(description="A bulletin post's author by first name and department only")
    state: Literal["visible", "flagged", "hidden", "deleted"]
    html: str | None = Field(description="Sanitised HTML; null when deleted or hidden from this reader")
    body: str | None = Field(description="The Markdown, for its author; null otherwise")
    created_at: Time
    edited_at: Time | None
    files: list[PostFileOut]


class ThreadOut(Out):
    id: int
    title: str
    space: Literal["board", "bulletin"]
    board_id: int | None
    department_id: int | None
    category: str | None
    expires_on: Date | None
    announcement: bool
    agenda_item_id: int | None
    posts: list[PostOut]
    next: Url | None


class BulletinList(Out):
    department_id: int
    items: list[ThreadOut]


class ThreadBody(Body):
    title: Text
    body: Text


class ReplyBody(Body):
    body: Text


class BulletinBody(Body):
    title: Text
    body: Text
    category: str = one_of(("lend", "events", "found", "other"), "other")
    expires_on: Day = None
    announcement: Flag = False
    notify_residents: Flag = Field(False, description="An announcement also sent as an important notice")


class ModerationBody(Body):
    action: str = one_of(("hide", "restore", "delete"))
    reason: Text


class PreferenceBody(Body):
    """What I hear from one space: a board's forum (``board_id``) or a bulletin board (``department_id``)."""

    board_id: int | None = None
    department_id: int | None = None
    level: str = one_of(("all", "mentions", "digest", "off"))
    hide_content: Flag = Field(True, description="Mails carry only a link, never the post's text")


class PreferenceOut(Out):
    board_id: int | None
    department_id: int | None
    level: Literal["all", "mentions", "digest", "off"]
    hide_content: bool
