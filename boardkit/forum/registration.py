"""The forum domain's part of the application: its pages, the stored files it refers to, and the
names of its objects in the audit log."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core import search, storage
from boardkit.core.audit import ObjectRef, register_object_names
from boardkit.core.i18n import _
from boardkit.core.registry import Registry
from boardkit.forum import files, notices, posting, search_docs, settings_views, views
from boardkit.forum.models import Post, PostFile, Thread


def _threads(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(select(Thread.id, Thread.title).where(Thread.id.in_(ids)))
    return {i: ObjectRef(title) for i, title in rows}


def _posts(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.scalars(select(Post.id).where(Post.id.in_(ids)))
    return {i: ObjectRef(_("Indlæg %(n)s", n=i)) for i in rows}


def register(reg: Registry) -> None:
    reg.routes(views.routes)
    reg.routes(settings_views.routes)
    search.register_provider(search_docs.PROVIDER, search_docs.thread_documents)
    storage.register_references("forum", PostFile.sha256, PostFile.preview_sha256)
    register_object_names("forum_thread", _threads)
    register_object_names("forum_post", _posts)
    notices.register_jobs(reg)
    posting.after_post("notices", notices.on_post)
    posting.on_files(
        "forum",
        lambda db, post_id, uploads, store: files.store_files(db, post_id, files.check_files(uploads), store),
    )
