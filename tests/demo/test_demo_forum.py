"""The demo's forum: a dozen threads in Engparken's board forum (one on the agenda, one mentioning
the chair) and about fifteen bulletin posts, one hidden by flags waiting for review."""

from __future__ import annotations

from sqlalchemy import func, select

from boardkit.core.db import Database
from boardkit.forum.models import Mention, Post, Space, Thread
from boardkit.org.models import Person


def test_the_demo_forum(demo: Database) -> None:
    with demo.transaction(readonly=True) as s:
        board = s.scalar(select(Space).where(Space.kind == "board"))
        bulletin = s.scalar(select(Space).where(Space.kind == "bulletin"))
        assert board is not None and bulletin is not None
        threads = s.scalars(select(Thread).where(Thread.space_id == board.id)).all()
        assert len(threads) == 12 and sum(1 for t in threads if t.agenda_item_id) == 1
        mentioned = s.scalars(select(Person.email).join(Mention, Mention.person_id == Person.id)).all()
        assert mentioned == ["formand@demo.boardkit.dk"]
        posts = s.scalar(select(func.count()).select_from(Thread).where(Thread.space_id == bulletin.id))
        assert 14 <= (posts or 0) <= 16
        flagged = s.scalars(
            select(Post).join(Thread).where(Thread.space_id == bulletin.id, Post.state == "flagged")
        ).all()
        assert len(flagged) == 1 and flagged[0].flag_count == 3
        assert s.scalar(select(func.count()).select_from(Thread).where(Thread.announcement)) == 1
