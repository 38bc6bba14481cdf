"""The board forum in the search: one document per thread (its title and its visible posts'
text), seen by the board and the administration only — never by residents. The bulletin board
is not searched: its posts expire."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core import search
from boardkit.core.search import Document
from boardkit.forum import markup
from boardkit.forum.models import Post, Space, Thread
from boardkit.org import service as org_service

PROVIDER = "forum"
KIND = "forum_thread"


def changed(db: Session, thread: Thread) -> None:
    if thread.space.kind == "board":
        search.queue_index(db, PROVIDER, [thread.id])


def thread_documents(db: Session, ids: Sequence[int] | None) -> Iterator[Document]:
    query = select(Thread, Space).join(Space, Space.id == Thread.space_id).where(Space.kind == "board")
    if ids is not None:
        query = query.where(Thread.id.in_(list(ids)))
    for thread, space in db.execute(query):
        board = db.get(org_service.Board, space.board_id) if space.board_id else None
        if board is None:
            continue
        posts = db.scalars(
            select(Post.body).where(Post.thread_id == thread.id, Post.state == "visible").order_by(Post.id)
        ).all()
        scopes = {
            search.board_scope(board.id),
            *search.staff_scopes(board.organisation_id, board.department_id),
        }
        yield Document(
            kind=KIND,
            id=thread.id,
            group=search.group(PROVIDER, thread.id),
            title=thread.title,
            text="\n".join(markup.plain(body, limit=5000) for body in posts),
            scopes=frozenset(scopes),
            route="forum_thread",
            params={"thread_id": thread.id},
            date=thread.last_post_at,
        )
