"""Flags and moderation. Anyone who may read a post may flag it, once (again changes nothing);
three flags hide it from everyone but its author and the moderators until one of them reviews it.
Moderators hide, restore or delete with a reason; each step is in the audit log and the author
is told."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from boardkit.config import Settings
from boardkit.core import audit, notify
from boardkit.core.db import utcnow
from boardkit.core.errors import NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.forum import access, search_docs
from boardkit.forum.models import Flag, Post

FLAGS_TO_HIDE = 3
ACTIONS = ("hide", "restore", "delete")


def _readable_post(db: Session, principal: Principal, post_id: int, *, lock: bool = False) -> Post:
    post = db.get(Post, post_id, with_for_update=lock)
    if post is None or not access.may_read(db, principal, post.thread.space):
        raise NotFound()
    return post


def flag(db: Session, *, principal: Principal, post_id: int) -> Post:
    post = _readable_post(db, principal, post_id, lock=True)
    assert principal.person_id is not None
    try:
        with db.begin_nested():
            db.add(Flag(post_id=post.id, person_id=principal.person_id))
    except IntegrityError:
        return post  # flagged before: once is enough
    post.flag_count += 1
    if post.state == "visible" and post.flag_count >= FLAGS_TO_HIDE:
        post.state = "flagged"
        audit.record(
            db,
            actor_id=None,
            action="forum.flagged",
            obj=post,
            organisation_id=post.thread.space.organisation_id,
            summary=f"{post.flag_count} flags",
        )
    return post


def moderate(
    db: Session, *, principal: Principal, post_id: int, action: str, reason: str, settings: Settings
) -> Post:
    post = _readable_post(db, principal, post_id, lock=True)
    space = post.thread.space
    if not access.may_moderate(db, principal, space):
        raise NotFound()
    reason = reason.strip()
    errors = {}
    if action not in ACTIONS:
        errors["action"] = _("Vælg skjul, gendan eller slet.")
    if not reason or len(reason) > 1000:
        errors["reason"] = _("Skriv en begrundelse (højst 1.000 tegn).")
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    before = post.state
    if action == "hide":
        post.state = "hidden"
    elif action == "restore":
        post.state = "visible"
        post.flag_count = 0
        for old in db.scalars(select(Flag).where(Flag.post_id == post.id)):
            db.delete(old)
    else:
        post.state, post.body, post.html, post.deleted_at = "deleted", "", "", utcnow()
    post.moderation_reason = reason
    search_docs.changed(db, post.thread)
    audit.record(
        db,
        actor_id=principal.person_id,
        action=f"forum.{action}",
        obj=post,
        organisation_id=space.organisation_id,
        summary=f"{before} → {post.state}: {reason}",
    )
    if post.author_id is not None and post.author_id != principal.person_id:
        subjects = {
            "hide": _("Dit indlæg er skjult"),
            "restore": _("Dit indlæg er synligt igen"),
            "delete": _("Dit indlæg er slettet"),
        }
        notify.send_notice(
            db,
            organisation_id=space.organisation_id,
            addressees=[notify.Addressee(post.author_id)],
            kind="forum_moderation",
            subject=f"{subjects[action]}: {post.thread.title}"[:300],
            body=_("Begrundelse: %(reason)s", reason=reason),
            link_path=f"/forum/threads/{post.thread_id}"
            if space.kind == "board"
            else f"/departments/{space.department_id}/bulletin",
            object_type="forum_post",
            object_id=post.id,
            sender_id=principal.person_id,
            reminder_days=None,
            settings=settings,
        )
    return post


def shown_to(db: Session, principal: Principal, post: Post) -> bool:
    """Whether the reader sees the post's text (a flagged or hidden post: its author and the moderators)."""
    if post.state in ("visible", "deleted"):
        return True
    return post.author_id == principal.person_id or access.may_moderate(db, principal, post.thread.space)
