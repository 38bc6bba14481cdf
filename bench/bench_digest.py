"""The forum's daily digest for 10,000 residents of one organisation (< 60 s to queue).

One department of 10,000 adult residents in 6,000 homes (70 % with e-mail, the rest without a
digital channel or asked for paper), its board of seven, and its bulletin board with 50 posts by
residents in the day's window; a few residents chose otherwise (5 % hide content, 3 % "all",
2 % "off", some muted a post). In a fresh, migrated SQLite database — or PostgreSQL when
``BOARDKIT_BENCH_POSTGRES_URL`` is set. Times what the periodic job does at 17:00: plan the
digests in a read transaction, then claim and queue them 500 people per write transaction —
every e-mail rendered into the outbox with its delivery job. Then the same day again (a second
run through ``send_digests`` claims nobody and queues nothing) and the job once more (it sees
that the day is done).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from sqlalchemy import func, insert, select, text

from boardkit import migrate
from boardkit.app import compose
from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.core.models import Job, OutboxEmail
from boardkit.core.templating import TZ
from boardkit.forum import notices
from boardkit.forum.models import Digest, Post, Preference, Space, Thread, ThreadState
from boardkit.org.models import Board, Department, Membership, Organisation, Person, Residency, Tenancy

BUDGET_S = 60.0
RESIDENTS = 10_000
HOMES = 6_000
POSTS = 50


def database(tmp: Path) -> Database:
    url = os.environ.get("BOARDKIT_BENCH_POSTGRES_URL", "")
    if url:
        db = Database(url)
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.dispose()
    else:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    migrate.upgrade(url)
    return Database(url)


def populate(db: Database, rng: random.Random, day: date) -> None:
    start, _end = notices.window(day)
    with db.transaction() as s:
        org = Organisation(name="Storbo", short_name="storbo")
        s.add(org)
        s.flush()
        dept = Department(organisation_id=org.id, number="1", name="Storparken")
        s.add(dept)
        s.flush()
        s.execute(
            insert(Tenancy),
            [{"department_id": dept.id, "number": str(i), "address": f"Storvej {i}"} for i in range(HOMES)],
        )
        homes = list(s.scalars(select(Tenancy.id).order_by(Tenancy.id)))
        people = []
        for i in range(RESIDENTS):
            roll = rng.random()
            people.append(
                {
                    "organisation_id": org.id,
                    "name": f"Beboer{i} Ærøsen",
                    "email": f"b{i}@example.dk" if roll < 0.7 else None,
                    "paper": 0.7 <= roll < 0.75,
                    "language": "en" if rng.random() < 0.05 else "da",
                }
            )
        s.execute(insert(Person), people)
        person_ids = list(s.scalars(select(Person.id).order_by(Person.id)))
        s.execute(
            insert(Residency),
            [
                {
                    "person_id": p,
                    "tenancy_id": homes[i % HOMES],
                    "role": "tenant" if i < HOMES else "household_member",
                }
                for i, p in enumerate(person_ids)
            ],
        )
        board = Board(
            organisation_id=org.id, department_id=dept.id, kind="department_board", name="Bestyrelsen"
        )
        s.add(board)
        s.flush()
        s.execute(
            insert(Membership),
            [
                {"board_id": board.id, "person_id": p, "role": "member", "start_date": date(2020, 1, 1)}
                for p in person_ids[:7]
            ],
        )
        space = Space(organisation_id=org.id, kind="bulletin", department_id=dept.id)
        s.add(space)
        s.flush()
        authors = rng.sample(person_ids, POSTS)
        threads = []
        for n, author in enumerate(authors):
            at = start + timedelta(minutes=20 * n + 5)
            thread = Thread(
                space_id=space.id,
                title=f"Opslag {n}: boremaskine til udlån",
                created_by=author,
                created_at=at,
                last_post_at=at,
                post_count=1,
                category="lend",
                expires_on=day + timedelta(days=30),
            )
            s.add(thread)
            s.flush()
            s.add(
                Post(
                    thread_id=thread.id,
                    author_id=author,
                    created_at=at,
                    html="",
                    body=f"**Opslag {n}.** Jeg har en boremaskine, som [kan lånes](https://x.dk). " * 5,
                )
            )
            threads.append(thread.id)
        chosen = rng.sample(person_ids, RESIDENTS // 10)
        prefs = []
        for k, p in enumerate(chosen):
            level, hide = ("digest", True) if k % 10 < 5 else ("all", False) if k % 10 < 8 else ("off", False)
            prefs.append({"person_id": p, "space_id": space.id, "level": level, "hide_content": hide})
        s.execute(insert(Preference), prefs)
        s.execute(
            insert(ThreadState),
            [
                {"person_id": p, "thread_id": rng.choice(threads), "muted": True}
                for p in rng.sample(person_ids, 200)
            ],
        )


def main() -> int:
    day = date.today() + timedelta(days=1)
    with tempfile.TemporaryDirectory() as tmp:
        db = database(Path(tmp))
        populate(db, random.Random(17), day)
        settings = Settings(data_dir=Path(tmp), secret_key="bench", base_url="https://boardkit.example.dk")
        compose(db, settings)  # core.notify's directory
        after_close = datetime.combine(day, clock(notices.DIGEST_HOUR, 5), tzinfo=TZ)

        started = time.perf_counter()
        with db.transaction(readonly=True) as s:
            due = len(notices.plan_digests(s, day=day).due)
        planning = time.perf_counter() - started

        started = time.perf_counter()
        queued = notices.run_digest_job(db, settings=settings, now=after_close)
        elapsed = time.perf_counter() - started

        started = time.perf_counter()
        with db.transaction() as s:
            again = notices.send_digests(s, day=day, settings=settings)
        second = time.perf_counter() - started
        started = time.perf_counter()
        job_again = notices.run_digest_job(db, settings=settings, now=after_close + timedelta(minutes=15))
        third = time.perf_counter() - started

        with db.transaction(readonly=True) as s:
            digests = s.scalar(select(func.count()).select_from(Digest).where(Digest.day == day))
            emails = s.scalar(select(func.count()).select_from(OutboxEmail))
            deliveries = s.scalar(select(func.count()).select_from(Job).where(Job.kind == "mail.deliver"))
        db.dispose()
    backend = "postgresql" if os.environ.get("BOARDKIT_BENCH_POSTGRES_URL") else "sqlite"
    print(
        f"daily digest of {POSTS} posts to the bulletin board of {RESIDENTS:,} residents: "
        f"{queued:,} digests queued in {elapsed:.1f} s [{backend}; budget {BUDGET_S:.0f} s] "
        f"({digests:,} digest rows, {emails:,} e-mails in the outbox, {deliveries:,} delivery jobs); "
        f"the plan alone ({due:,} people, those without a digital channel included) {planning:.1f} s"
    )
    print(
        f"the same day again: send_digests queued {again} in {second:.1f} s; "
        f"the job {job_again} in {third:.2f} s"
    )
    ok = elapsed < BUDGET_S and queued == digests == emails and again == 0 and job_again == 0
    print("OK" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
