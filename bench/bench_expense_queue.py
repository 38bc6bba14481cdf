"""The administration's approval queue over 10,000 claims: one page rendered in-process (budget 100 ms).

40 boards, 2,000 claimants, 10,000 claims in every status (2,500 waiting for approval), some flagged;
timed on SQLite through the whole app (session, permission, query, template), p50 and p95 of 200
requests over the first page and filtered pages.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from starlette.testclient import TestClient

from boardkit import migrate
from boardkit.app import create_app
from boardkit.config import Settings
from boardkit.core import auth
from boardkit.core.db import Database
from boardkit.expenses import service
from boardkit.expenses.models import ExpenseClaim, ExpenseFlag, ExpenseLine
from boardkit.org.models import Board, Department, Organisation, Person, StaffRole

BUDGET_MS = 100.0
CLAIMS = 10_000
REQUESTS = 200
STATUSES = ("attested", "submitted", "approved", "paid")


def seed(db: Database) -> str:
    with db.transaction() as s:
        org = Organisation(name="Bench", short_name="bench")
        s.add(org)
        s.flush()
        account = service.seed_accounts(s, organisation_id=org.id)[0]
        keeper = Person(name="Bogholder Ødegård", email="keeper@example.dk")
        s.add(keeper)
        s.flush()
        s.add(StaffRole(person_id=keeper.id, organisation_id=org.id, role="bookkeeper"))
        boards = []
        for i in range(40):
            dept = Department(organisation_id=org.id, number=str(100 + i), name=f"Afdeling {i}")
            s.add(dept)
            s.flush()
            board = Board(
                organisation_id=org.id, department_id=dept.id, kind="department_board", name=f"Bestyrelse {i}"
            )
            s.add(board)
            s.flush()
            boards.append(board)
        people = [{"name": f"Udlægger {i} Ærø", "email": f"u{i}@example.dk"} for i in range(2_000)]
        s.execute(insert(Person), people)
        first = keeper.id + 1
        now = datetime.now(UTC)
        claims = [
            {
                "id": n + 1,
                "organisation_id": org.id,
                "board_id": boards[n % 40].id,
                "department_id": boards[n % 40].department_id,
                "claimant_id": first + n % 2_000,
                "account_id": account.id,
                "purpose": f"Kaffe og kage til møde {n}",
                "status": STATUSES[n % 4],
                "total_ore": 10_000 + n,
                "submitted_at": now - timedelta(minutes=n),
            }
            for n in range(CLAIMS)
        ]
        s.execute(insert(ExpenseClaim), claims)
        s.execute(
            insert(ExpenseLine),
            [
                {"claim_id": n + 1, "kind": "receipt", "amount_ore": 10_000 + n, "spent_on": date(2026, 3, 1)}
                for n in range(CLAIMS)
            ],
        )
        s.execute(
            insert(ExpenseFlag),
            [
                {"claim_id": n + 1, "kind": "same_amount_date", "other_claim_id": n + 5}
                for n in range(0, CLAIMS - 10, 40)
            ],
        )
        return auth.create_session(s, person_id=keeper.id, days=1)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        migrate.upgrade(url)
        db = Database(url)
        t0 = time.perf_counter()
        secret = seed(db)
        setup = time.perf_counter() - t0
        settings = Settings(data_dir=Path(tmp), database_url=url, secret_key="bench", inprocess_worker=False)
        app = create_app(settings, db=db, start_worker=False)
        pages = [
            "/expenses/queue",
            "/expenses/queue?status=submitted",
            "/expenses/queue?flagged=1",
            "/expenses/queue?status=attested&board_id=7",
            "/expenses/queue?before=5000",
        ]
        with TestClient(app) as client:
            client.cookies.set("bk_session", secret)
            for page in pages:
                r = client.get(page)
                assert r.status_code == 200 and "Godkendelse af udlæg" in r.text, page
            times = []
            for i in range(REQUESTS):
                t0 = time.perf_counter()
                r = client.get(pages[i % len(pages)])
                times.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200
        db.dispose()
    times.sort()
    p50, p95 = statistics.median(times), times[int(len(times) * 0.95) - 1]
    print(
        f"approval queue ({CLAIMS:,} claims, 25 a page, {REQUESTS} requests; setup {setup:.1f} s): "
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms (budget < {BUDGET_MS:.0f} ms)"
    )
    return 0 if p95 < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
