"""Writing in the forum: a board thread and its replies, a post on a department's bulletin board
(or the board's announcement), editing with a visible history, deleting (the text goes, a marker
stays), and a board thread put on the next meeting's agenda with a link back.

Every post is rendered once to sanitised HTML (``markup``); board members @mentioned are recorded;
what people are told goes through the hooks registered with :func:`after_post` (the notices).
Posting is rate-limited per person.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from boardkit.config import Settings
from boardkit.core import audit, notify, uploads
from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict, NotFound, RateLimited, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.core.storage import FileStore
from boardkit.forum import access, markup, reading, search_docs
from boardkit.forum.models import CATEGORIES, Mention, Post, Revision, Space, Thread
from boardkit.meetings import service as meetings_service
from boardkit.org import service as org_service

PER_MINUTE, PER_HOUR = 10, 60
BULLETIN_DAYS = 30
MAX_BULLETIN_DAYS = 90
PostHook = Callable[[Session, int, Settings], object]
_AFTER_POST: dict[str, PostHook] = {}
FileHook = Callable[[Session, int, Sequence[uploads.UploadLike], FileStore], object]
_FILES: dict[str, FileHook] = {}


def after_post(owner: str, hook: PostHook) -> None:
    """``hook(db, post_id, settings)`` runs after every new post, in its transaction (notices)."""
    _AFTER_POST[owner] = hook


def on_files(owner: str, hook: FileHook) -> None:
    """``hook(db, post_id, uploads, store)`` checks and stores a post's files."""
    _FILES[owner] = hook


@dataclass(frozen=True)
class BulletinInput:
    title: str
    body: str
    category: str = "other"
    expires_on: date | None = None
    announcement: bool = False
    notify_residents: bool = False  # an announcement also sent as an important notice


def _limit(db: Session, person_id: int) -> None:
    now = utcnow()
    recent = (
        db.scalar(
            select(func.count())
            .select_from(Post)
            .where(Post.author_id == person_id, Post.created_at >= now - timedelta(hours=1))
        )
        or 0
    )
    minute = (
        db.scalar(
            select(func.count())
            .select_from(Post)
            .where(Post.author_id == person_id, Post.created_at >= now - timedelta(minutes=1))
        )
        or 0
    )
    if minute >= PER_MINUTE or recent >= PER_HOUR:
        raise RateLimited(_("Du har skrevet mange indlæg på kort tid. Vent lidt, og prøv igen."))


def _check(title: str | None, body: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if title is not None and (not title.strip() or len(title.strip()) > 200):
        errors["title"] = _("Skriv en overskrift på højst 200 tegn.")
    if not body.strip():
        errors["body"] = _("Skriv dit indlæg.")
    elif len(body) > markup.MAX_BODY:
        errors["body"] = _(
            "Indlægget er for langt (højst %(max)s tegn).", max=f"{markup.MAX_BODY:,}".replace(",", ".")
        )
    return errors


def _members(db: Session, board_id: int | None) -> dict[int, str]:
    if board_id is None:
        return {}
    now = utcnow()
    return {
        m.person_id: m.person.name
        for m in org_service.list_board_members(db, board_id=board_id)
        if m.active_at(now)
    }


def _write(
    db: Session,
    thread: Thread,
    *,
    author_id: int,
    body: str,
    settings: Settings,
    files: Sequence[uploads.UploadLike] = (),
    store: FileStore | None = None,
) -> Post:
    now = utcnow()
    post = Post(
        thread_id=thread.id,
        author_id=author_id,
        body=body.strip(),
        html=markup.render(body.strip()),
        created_at=now,
    )
    db.add(post)
    thread.post_count += 1
    thread.last_post_at = now
    db.flush()
    if files:
        if store is None or not _FILES:
            raise ValidationFailed(_("Filer kan ikke gemmes her."), fields={"file": "unsupported"})
        for store_files in _FILES.values():
            store_files(db, post.id, files, store)
    mentioned = markup.find_mentions(body, _members(db, thread.space.board_id)) - {author_id}
    db.add_all(Mention(post_id=post.id, person_id=p) for p in sorted(mentioned))
    db.flush()
    search_docs.changed(db, thread)
    reading.mark_read(db, person_id=author_id, thread_id=thread.id, at=now)  # one's own post is no news
    for hook in _AFTER_POST.values():
        hook(db, post.id, settings)
    return post


def start_thread(
    db: Session,
    *,
    principal: Principal,
    board_id: int,
    title: str,
    body: str,
    settings: Settings,
    files: Sequence[uploads.UploadLike] = (),
    store: FileStore | None = None,
) -> Thread:
    """A new thread in a board's forum (its members and the administration)."""
    space = access.find_board_space(db, board_id=board_id)
    if space is None:
        board = db.get(org_service.Board, board_id)
        probe = Space(organisation_id=board.organisation_id if board else 0, kind="board", board_id=board_id)
        if board is None or not access.may_read(db, principal, probe):
            raise NotFound()
        space = access.board_space(db, board_id=board_id)
    elif not access.may_read(db, principal, space):
        raise NotFound()
    assert principal.person_id is not None
    if errors := _check(title, body):
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    _limit(db, principal.person_id)
    thread = Thread(space_id=space.id, title=" ".join(title.split()), created_by=principal.person_id)
    thread.space = space
    db.add(thread)
    db.flush()
    _write(db, thread, author_id=principal.person_id, body=body, settings=settings, files=files, store=store)
    return thread


def reply(
    db: Session,
    *,
    principal: Principal,
    thread_id: int,
    body: str,
    settings: Settings,
    files: Sequence[uploads.UploadLike] = (),
    store: FileStore | None = None,
) -> Post:
    thread = access.readable_thread(db, principal, thread_id)
    if thread.space.kind != "board":
        raise Conflict(_("Opslag på opslagstavlen har ingen svar."), code="no_replies")
    assert principal.person_id is not None
    if errors := _check(None, body):
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    _limit(db, principal.person_id)
    return _write(
        db, thread, author_id=principal.person_id, body=body, settings=settings, files=files, store=store
    )


def post_bulletin(
    db: Session,
    *,
    principal: Principal,
    department_id: int,
    data: BulletinInput,
    settings: Settings,
    today: date,
    files: Sequence[uploads.UploadLike] = (),
    store: FileStore | None = None,
) -> Thread:
    """A resident's post on their department's bulletin board, or the board's announcement."""
    department = db.get(org_service.Department, department_id)
    if department is None or principal.person_id is None:
        raise NotFound()
    probe = Space(organisation_id=department.organisation_id, kind="bulletin", department_id=department_id)
    if not access.may_read(db, principal, probe):
        raise NotFound()
    errors = _check(data.title, data.body)
    if data.category not in CATEGORIES:
        errors["category"] = _("Vælg en kategori.")
    expires = data.expires_on or today + timedelta(days=BULLETIN_DAYS)
    if not today <= expires <= today + timedelta(days=MAX_BULLETIN_DAYS):
        errors["expires_on"] = _("Opslaget kan gælde fra i dag og højst 90 dage frem.")
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    space = access.bulletin_space(db, department_id=department_id)
    if data.announcement and not access.may_announce(principal, space):
        raise NotFound()
    if not data.announcement and department_id not in principal.resident_department_ids:
        raise NotFound()  # the bulletin board is the residents'; the board posts announcements
    _limit(db, principal.person_id)
    thread = Thread(
        space_id=space.id,
        title=" ".join(data.title.split()),
        created_by=principal.person_id,
        category=data.category,
        expires_on=expires,
        announcement=data.announcement,
    )
    thread.space = space
    db.add(thread)
    db.flush()
    post = _write(
        db, thread, author_id=principal.person_id, body=data.body, settings=settings, files=files, store=store
    )
    if data.announcement and data.notify_residents:
        households = org_service.list_households(db, department_id=department_id)
        notify.send_notice(
            db,
            organisation_id=department.organisation_id,
            addressees=[notify.Addressee(p.id, h.tenancy.id) for h in households for p in h.residents]
            + [notify.Addressee(None, h.tenancy.id) for h in households if not h.residents],
            kind="bulletin",
            subject=thread.title,
            body=markup.plain(data.body, limit=2000),
            link_path=f"/departments/{department_id}/bulletin#post-{post.id}",
            important=True,
            object_type="forum_thread",
            object_id=thread.id,
            sender_id=principal.person_id,
            settings=settings,
        )
    return thread


def _own_post(db: Session, principal: Principal, post_id: int) -> Post:
    post = db.get(Post, post_id, with_for_update=True)
    if post is None or not access.may_read(db, principal, post.thread.space):
        raise NotFound()
    if post.author_id != principal.person_id:
        raise NotFound()
    if post.state == "deleted":
        raise Conflict(_("Indlægget er slettet."), code="deleted")
    return post


def edit(db: Session, *, principal: Principal, post_id: int, body: str) -> Post:
    """The author changes their post; the earlier text stays in its visible history."""
    post = _own_post(db, principal, post_id)
    if errors := _check(None, body):
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    if body.strip() == post.body:
        return post
    db.add(Revision(post_id=post.id, body=post.body, html=post.html))
    post.body, post.html, post.edited_at = body.strip(), markup.render(body.strip()), utcnow()
    search_docs.changed(db, post.thread)
    return post


def delete(db: Session, *, principal: Principal, post_id: int) -> Post:
    """The author deletes their post: the text and its history go, a marker stays."""
    post = _own_post(db, principal, post_id)
    post.body, post.html, post.state, post.deleted_at = "", "", "deleted", utcnow()
    for revision in db.scalars(select(Revision).where(Revision.post_id == post.id)):
        db.delete(revision)
    search_docs.changed(db, post.thread)
    return post


def history(db: Session, *, principal: Principal, post_id: int) -> list[Revision]:
    post = db.get(Post, post_id)
    if post is None or not access.may_read(db, principal, post.thread.space):
        raise NotFound()
    return list(
        db.scalars(select(Revision).where(Revision.post_id == post_id).order_by(Revision.replaced_at))
    )


def put_on_agenda(db: Session, *, principal: Principal, thread_id: int) -> int:
    """ "Sæt på dagsordenen": the thread becomes an item of the board's next meeting, linked both ways."""
    thread = access.readable_thread(db, principal, thread_id)
    board_id = thread.space.board_id
    if board_id is None or principal.person_id is None:
        raise NotFound()
    if thread.agenda_item_id is not None:
        raise Conflict(_("Tråden står allerede på en dagsorden."), code="on_agenda")
    upcoming = meetings_service.upcoming_by_board(db, board_ids=[board_id], per_board=1).get(board_id, [])
    if not upcoming:
        raise Conflict(_("Bestyrelsen har intet kommende møde at sætte tråden på."), code="no_meeting")
    meeting = upcoming[0]
    if not meetings_service.can_manage(principal, meeting):
        raise NotFound()
    item = meetings_service.add_item(
        db,
        meeting,
        actor_id=principal.person_id,
        data=meetings_service.ItemInput(
            title=thread.title,
            description=_("Fra forummet: %(path)s", path=f"/forum/threads/{thread.id}"),
            kind="discussion",
        ),
    )
    thread.agenda_item_id = item.id
    audit.record(
        db,
        actor_id=principal.person_id,
        action="forum.agenda",
        obj=thread,
        organisation_id=thread.space.organisation_id,
        summary=f"{meeting.title}: {thread.title}",
    )
    return meeting.id


def agenda_meeting(db: Session, thread: Thread) -> int | None:
    """The meeting whose agenda the thread is on (for the link back), if any."""
    if thread.agenda_item_id is None:
        return None
    return meetings_service.meeting_of_item(db, item_id=thread.agenda_item_id)
