"""The forum at the scale of a busy board: a thread with 1,000 replies (budget p95 150 ms, the
page as a member gets it, paged), and a board's thread list with 10,000 threads (budget p95
50 ms), both through the whole app in-process."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select
from starlette.testclient import TestClient

from boardkit import migrate
from boardkit.app import compose, create_app
from boardkit.config import Settings
from boardkit.core import auth
from boardkit.core.db import Database
from boardkit.forum import markup
from boardkit.forum.models import Post, Space, Thread
from boardkit.org.models import Board, Membership, Organisation, Person

THREAD_BUDGET_MS, LIST_BUDGET_MS = 150.0, 50.0
REPLIES, THREADS, REQUESTS = 1_000, 10_000, 100


def seed(db: Database) -> tuple[str, int, int]:
    with db.transaction() as s:
        org = Organisation(name="Bench", short_name="bench")
        s.add(org)
        s.flush()
        board = Board(organisation_id=org.id, kind="committee", name="Byggeudvalget")
        people = [Person(name=f"Medlem {i} Ødegård", email=f"m{i}@example.dk") for i in range(5)]
        s.add_all([board, *people])
        s.flush()
        s.add_all(
            Membership(
                board_id=board.id,
                person_id=p.id,
                role="chair" if i == 0 else "member",
                start_date=datetime(2020, 1, 1).date(),
            )
            for i, p in enumerate(people)
        )
        space = Space(organisation_id=org.id, kind="board", board_id=board.id)
        s.add(space)
        s.flush()
        now = datetime.now(UTC)
        s.execute(
            insert(Thread),
            [
                {
                    "space_id": space.id,
                    "title": f"Tråd nummer {i}",
                    "created_by": people[i % 5].id,
                    "created_at": now - timedelta(minutes=i),
                    "last_post_at": now - timedelta(minutes=i),
                    "post_count": 1,
                    "announcement": False,
                }
                for i in range(THREADS)
            ],
        )
        big = s.scalar(select(Thread.id).where(Thread.title == "Tråd nummer 0"))
        assert big is not None
        body = "Et svar med **fed** tekst og et [link](https://example.dk) – " * 3
        html = markup.render(body)
        s.execute(
            insert(Post),
            [
                {
                    "thread_id": big,
                    "author_id": people[i % 5].id,
                    "body": body,
                    "html": html,
                    "created_at": now - timedelta(seconds=REPLIES - i),
                    "state": "visible",
                    "flag_count": 0,
                    "moderation_reason": "",
                }
                for i in range(REPLIES)
            ],
        )
        session = auth.create_session(s, person_id=people[0].id, days=1)
        return session, board.id, big


def timed(client: TestClient, url: str) -> list[float]:
    assert client.get(url).status_code == 200
    found = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        found.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return found


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        migrate.upgrade(url)
        db = Database(url)
        settings = Settings(data_dir=Path(tmp), database_url=url, secret_key="bench")
        compose(db, settings)
        session, board_id, thread_id = seed(db)
        app = create_app(settings, db=db, start_worker=False)
        with TestClient(app) as client:
            client.cookies.set("bk_session", session)
            thread = timed(client, f"/forum/threads/{thread_id}?page=10")
            listing = timed(client, f"/boards/{board_id}/forum")
        db.dispose()
    p_thread = statistics.quantiles(thread, n=20)[-1]
    p_list = statistics.quantiles(listing, n=20)[-1]
    print(
        f"a thread of {REPLIES:,} replies, a page of 50: p50 {statistics.median(thread):.1f} ms, "
        f"p95 {p_thread:.1f} ms (budget {THREAD_BUDGET_MS:.0f} ms)"
    )
    print(
        f"a board's list of {THREADS:,} threads: p50 {statistics.median(listing):.1f} ms, "
        f"p95 {p_list:.1f} ms (budget {LIST_BUDGET_MS:.0f} ms)"
    )
    ok = p_thread < THREAD_BUDGET_MS and p_list < LIST_BUDGET_MS
    print("OK" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
