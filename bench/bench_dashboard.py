"""Dashboard for a person on 5 boards with 200 meetings: p95 in-process on SQLite (budget 50 ms)."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from starlette.testclient import TestClient

from boardkit import migrate
from boardkit.app import create_app
from boardkit.config import Settings
from boardkit.core import auth
from boardkit.core.db import Database
from boardkit.core.web import SESSION_COOKIE
from boardkit.meetings.models import Meeting
from boardkit.org.models import Board, Department, Membership, Organisation, Person

BUDGET_MS = 50.0
REQUESTS = 300


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        migrate.upgrade(url)
        db = Database(url)
        with db.transaction() as s:
            org = Organisation(name="Bench", short_name="bench")
            s.add(org)
            s.flush()
            person = Person(name="Søren Ødegård", email="bench@example.dk")
            s.add(person)
            now = datetime.now(UTC)
            for i in range(40):  # 40 boards in the organisation; the person sits on 5
                dept = Department(organisation_id=org.id, number=str(100 + i), name=f"Afdeling {i}")
                s.add(dept)
                s.flush()
                board = Board(
                    organisation_id=org.id,
                    department_id=dept.id,
                    kind="department_board",
                    name=f"Afdelingsbestyrelsen {i}",
                )
                s.add(board)
                s.flush()
                if i < 5:
                    s.add(
                        Membership(
                            board_id=board.id, person_id=person.id, role="member", start_date=date(2024, 1, 1)
                        )
                    )
                for k in range(40):  # 5 × 40 = 200 meetings on the person's boards
                    start = now + timedelta(days=k * 9 - 100)
                    s.add(
                        Meeting(
                            board_id=board.id,
                            kind="board",
                            title=f"Bestyrelsesmøde {k}",
                            starts_at=start,
                            ends_at=start + timedelta(hours=2),
                            location="Fælleshuset",
                        )
                    )
            s.flush()
            secret = auth.create_session(s, person_id=person.id, days=1)
        settings = Settings(data_dir=Path(tmp), database_url=url, secret_key="bench", inprocess_worker=False)
        app = create_app(settings, db=db, start_worker=False)
        with TestClient(app) as client:
            client.cookies.set(SESSION_COOKIE, secret)
            for _ in range(20):
                assert client.get("/").status_code == 200
            times = []
            for _ in range(REQUESTS):
                t0 = time.perf_counter()
                r = client.get("/")
                times.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200 and "Bestyrelsesmøde" in r.text
        db.dispose()
    times.sort()
    p50 = statistics.median(times)
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"dashboard (5 boards, 200 meetings, {REQUESTS} requests): p50 {p50:.1f} ms, p95 {p95:.1f} ms "
        f"(budget p95 < {BUDGET_MS:.0f} ms)"
    )
    return 0 if p95 < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
