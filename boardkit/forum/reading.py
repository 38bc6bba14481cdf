"""Reading the forum: a board's threads (newest activity first, a page at a time, unread marked),
a thread's posts (a page at a time), a department's bulletin board (announcements first, open
posts only; authors by first name and department, never the unit number), and the unread count.

Reading writes nothing: the page notes what was read after the response (``mark_read``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from boardkit.core import notify
from boardkit.core.db import utcnow
from boardkit.core.errors import NotFound
from boardkit.core.permissions import Principal
from boardkit.core.templating import TZ
from boardkit.forum import access, markup, poster
from boardkit.forum.models import Post, PostFile, Space, Thread, ThreadState
from boardkit.forum.moderation import shown_to
from boardkit.forum.poster import PosterPost
from boardkit.org import service as org_service

PAGE = 50


@dataclass(frozen=True)
class ThreadRow:
    thread: Thread
    unread: bool
    starter: str


@dataclass(frozen=True)
class PostView:
    post: Post
    author: str
    shown: bool  # the text is shown (not hidden by flags or a moderator from this reader)
    files: list[PostFile]


def _names(db: Session, ids: set[int | None]) -> dict[int, str]:
    return {i: p.name for i, p in org_service.get_people(db, ids=[i for i in ids if i]).items()}


def _author(db: Session, post: Post, name: str) -> str:
    """How a post's author is shown: by name in a board's forum; on a bulletin board by first name
    and department only, never more (the one place that rule lives)."""
    space = post.thread.space
    if space.kind != "bulletin" or not name:
        return name
    department = db.get(org_service.Department, space.department_id)
    first = name.split()[0]
    return f"{first}, {department.name}" if department else first


def board_threads(
    db: Session, *, principal: Principal, board_id: int, page: int = 1
) -> tuple[Space | None, list[ThreadRow], bool]:
    """A page of the board's threads; 404 for anyone who may not read the board's forum."""
    board = db.get(org_service.Board, board_id)
    if board is None:
        raise NotFound()
    space = access.find_board_space(db, board_id=board_id)
    probe = space or Space(organisation_id=board.organisation_id, kind="board", board_id=board_id)
    if not access.may_read(db, principal, probe):
        raise NotFound()
    if space is None:
        return None, [], False
    read = (
        select(ThreadState.thread_id, ThreadState.read_at)
        .where(ThreadState.person_id == principal.person_id)
        .subquery()
    )
    rows = db.execute(
        select(Thread, read.c.read_at)
        .outerjoin(read, read.c.thread_id == Thread.id)
        .where(Thread.space_id == space.id)
        .order_by(Thread.last_post_at.desc(), Thread.id.desc())
        .offset((page - 1) * PAGE)
        .limit(PAGE + 1)
    ).all()
    names = _names(db, {t.created_by for t, _r in rows})
    found = [
        ThreadRow(t, read_at is None or read_at < t.last_post_at, names.get(t.created_by or 0, ""))
        for t, read_at in rows[:PAGE]
    ]
    return space, found, len(rows) > PAGE


def thread_posts(
    db: Session, *, principal: Principal, thread_id: int, page: int = 1
) -> tuple[Thread, list[PostView], bool]:
    thread = access.readable_thread(db, principal, thread_id)
    posts = list(
        db.scalars(
            select(Post)
            .where(Post.thread_id == thread.id)
            .order_by(Post.created_at, Post.id)
            .offset((page - 1) * PAGE)
            .limit(PAGE + 1)
        )
    )
    return thread, views_of(db, principal, posts[:PAGE]), len(posts) > PAGE


def views_of(db: Session, principal: Principal, posts: list[Post]) -> list[PostView]:
    names = _names(db, {p.author_id for p in posts})
    files: dict[int, list[PostFile]] = {}
    ids = [p.id for p in posts]
    if ids:
        for f in db.scalars(select(PostFile).where(PostFile.post_id.in_(ids)).order_by(PostFile.id)):
            files.setdefault(f.post_id, []).append(f)
    return [
        PostView(
            p,
            _author(db, p, names.get(p.author_id or 0, "")),
            shown_to(db, principal, p),
            files.get(p.id, []),
        )
        for p in posts
    ]


def bulletin(
    db: Session, *, principal: Principal, department_id: int, today: date
) -> tuple[Space, list[tuple[Thread, PostView]]]:
    """The open posts of a department's bulletin board, announcements first, newest first."""
    department = db.get(org_service.Department, department_id)
    if department is None:
        raise NotFound()
    probe = Space(organisation_id=department.organisation_id, kind="bulletin", department_id=department_id)
    if not access.may_read(db, principal, probe):
        raise NotFound()
    space = access.find_bulletin_space(db, department_id=department_id)
    if space is None:  # nobody has posted yet (reading makes nothing)
        return probe, []
    rows = db.execute(
        select(Thread, Post)
        .join(Post, Post.thread_id == Thread.id)
        .where(Thread.space_id == space.id, or_(Thread.expires_on.is_(None), Thread.expires_on >= today))
        .where(Post.state != "deleted")
        .order_by(Thread.announcement.desc(), Thread.created_at.desc())
    ).all()
    views = views_of(db, principal, [p for _t, p in rows])
    shown = [(t, v) for (t, _p), v in zip(rows, views, strict=True) if v.shown]
    return space, shown


def mark_read(db: Session, *, person_id: int, thread_id: int, at: datetime | None = None) -> None:
    """Note that the person has read the thread up to now, and its notices with it (after the
    response: bookkeeping)."""
    notify.mark_object_read(db, person_id=person_id, object_type="forum_thread", object_id=thread_id)
    state = db.scalar(
        select(ThreadState).where(ThreadState.person_id == person_id, ThreadState.thread_id == thread_id)
    )
    if state is None:
        db.add(ThreadState(person_id=person_id, thread_id=thread_id, read_at=at or utcnow()))
    else:
        state.read_at = at or utcnow()


def unread(db: Session, *, principal: Principal) -> dict[int, int]:
    """Per board: the threads with news in its forum since the person last read them."""
    if not principal.board_roles or principal.person_id is None:
        return {}
    read = (
        select(ThreadState.thread_id, ThreadState.read_at)
        .where(ThreadState.person_id == principal.person_id)
        .subquery()
    )
    rows = db.execute(
        select(Space.board_id, func.count())
        .select_from(Thread)
        .join(Space, Space.id == Thread.space_id)
        .outerjoin(read, read.c.thread_id == Thread.id)
        .where(Space.kind == "board", Space.board_id.in_(list(principal.board_roles)))
        .where(or_(read.c.read_at.is_(None), and_(read.c.read_at < Thread.last_post_at)))
        .group_by(Space.board_id)
    )
    return {board_id: count for board_id, count in rows if board_id is not None}


def poster_pdf(
    db: Session, *, principal: Principal, department_id: int, today: date, url: str
) -> tuple[bytes, str]:
    """ "Udskriv opslagstavlen": the bulletin board as the stairwell sees it — open, visible posts
    only (never a flagged one, whoever prints it) — as an A4 poster with a QR code to ``url``;
    returns the PDF and its file name."""
    _space, rows = bulletin(db, principal=principal, department_id=department_id, today=today)
    department = db.get(org_service.Department, department_id)
    assert department is not None  # bulletin() answered 404 otherwise
    organisation = db.get(org_service.Organisation, department.organisation_id)
    posts = [
        PosterPost(
            title=thread.title,
            text=markup.plain(view.post.body, limit=2000),
            category=thread.category,
            author=view.author or department.name,
            posted_on=thread.created_at.astimezone(TZ).date(),
            expires_on=thread.expires_on,
            announcement=thread.announcement,
        )
        for thread, view in rows
        if view.post.state == "visible"
    ]
    data = poster.bulletin_poster(
        organisation=organisation.name if organisation else "",
        department=department.name,
        posts=posts,
        url=url,
        week_of=today,
    )
    return data, f"Opslagstavlen {department.name}.pdf"
