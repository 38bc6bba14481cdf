"""Permits at the scale of a large organisation: 100,000 open cases and 20,000 decided ones in
1,000 departments.

* The board's overview of one department (counts by kind and status, deadlines, handling time),
  through the whole app in-process as a chair sees it: p95 of 200 requests over 50 departments
  (budget 100 ms).
* The daily pass of unanswered reports over 100,000 open cases, 2,000 of them due (yesterday's
  deadlines, about a fifty-sixth of the open reports): the whole job, notices included (budget
  10 s), and a second run that changes nothing.
* Importing 10,000 existing permits from a Windows-1252 file into that organisation, and the same
  file again (which changes nothing): the budgets of the residents import, 20 s and 10 s.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select
from starlette.testclient import TestClient

from boardkit import migrate
from boardkit.app import build_runner, compose, create_app
from boardkit.config import Settings
from boardkit.core import auth
from boardkit.core.db import Database
from boardkit.org.importing.service import import_csv
from boardkit.org.models import Board, Department, Membership, Organisation, Person, Residency, Tenancy
from boardkit.org.periods import today
from boardkit.permits import catalogue
from boardkit.permits.decisions import LAPSE_KIND
from boardkit.permits.models import Permit

OVERVIEW_BUDGET_MS = 100.0
LAPSE_BUDGET_S = 10.0
IMPORT_BUDGET_S, REIMPORT_BUDGET_S = 20.0, 10.0
IMPORTED = 10_000
CASES = 100_000  # open
DECIDED = 20_000
DEPARTMENTS = 1_000
DUE = 2_000
REQUESTS = 200
STATUSES = ["approved"] * 5 + ["acknowledged"] * 2 + ["no_objection", "rejected", "withdrawn"]


def seed(db: Database) -> tuple[str, list[int]]:
    rng = random.Random(19)
    with db.transaction() as s:
        org = Organisation(name="Bench", short_name="bench")
        s.add(org)
        s.flush()
        kinds = catalogue.seed_kinds(s, organisation_id=org.id)
        s.execute(
            insert(Department),
            [{"organisation_id": org.id, "number": str(i), "name": f"Afd. {i}"} for i in range(DEPARTMENTS)],
        )
        departments = list(s.scalars(select(Department.id).order_by(Department.id)))
        s.execute(
            insert(Person),
            [
                {"name": f"Lejer {i} Ærø", "email": f"l{i}@example.dk", "external_id": f"P{i}"}
                for i in range(DEPARTMENTS)
            ],
        )
        people = list(s.scalars(select(Person.id).order_by(Person.id)))
        s.execute(
            insert(Tenancy), [{"department_id": d, "number": "1", "address": f"Vej {d}"} for d in departments]
        )
        homes = dict(s.execute(select(Tenancy.department_id, Tenancy.id)).all())
        s.execute(
            insert(Residency),
            [
                {"person_id": p, "tenancy_id": homes[d], "role": "tenant", "adult": True}
                for p, d in zip(people, departments, strict=True)
            ],
        )
        board = Board(
            organisation_id=org.id, department_id=departments[0], kind="department_board", name="Bestyrelse 0"
        )
        s.add(board)
        s.flush()
        s.add(Membership(board_id=board.id, person_id=people[0], role="chair", start_date=date(2020, 1, 1)))
        now, day = datetime.now(UTC), today()
        reports = [k for k in kinds if k.track == "report" and not k.needs_building_permit]
        rows = []
        for i in range(CASES + DECIDED):
            d = departments[i % DEPARTMENTS]
            due, open_case = i < DUE, i < CASES
            kind = reports[i % len(reports)] if due or i % 3 == 0 else kinds[i % len(kinds)]
            if open_case and kind.track == "notice":
                kind = reports[i % len(reports)]
            status = ("submitted" if due or i % 5 else "more_info") if open_case else rng.choice(STATUSES)
            received = day - timedelta(
                days=57 if due else rng.randint(1, 50) if open_case else rng.randint(60, 700)
            )
            silence = kind.track == "report"
            rows.append(
                {
                    "organisation_id": org.id,
                    "department_id": d,
                    "tenancy_id": homes[d],
                    "kind_id": kind.id,
                    "applicant_id": people[i % DEPARTMENTS],
                    "status": status,
                    "route": "silence"
                    if silence
                    else ("acknowledge" if kind.track == "notice" else "decision"),
                    "title": kind.name,
                    "details": {},
                    "received_on": received,
                    # due cases: yesterday was their last day; the rest later, or long decided
                    "deadline": day - timedelta(days=1) if due else received + timedelta(days=60),
                    "decided_at": None if open_case else now - timedelta(days=rng.randint(0, 600)),
                    "created_at": now,
                    "updated_at": now,
                }
            )
        for start in range(0, len(rows), 10_000):
            s.execute(insert(Permit), rows[start : start + 10_000])
        _token, secret = auth.create_api_token(s, person_id=people[0], name="bench")
    return secret, departments


def overview(settings: Settings, db: Database, secret: str, departments: list[int]) -> list[float]:
    app = create_app(settings, db=db, start_worker=False)
    headers = {"Authorization": f"Bearer {secret}"}
    timings = []
    with TestClient(app) as client:
        url = f"/api/v1/departments/{departments[0]}/permit-overview"
        assert client.get(url, headers=headers).json()["total"] == (CASES + DECIDED) // DEPARTMENTS
        for _ in range(REQUESTS):
            # the chair's own department (the figures are not cached: each request counts afresh)
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
    return timings


def permits_file() -> bytes:
    """10,000 decided cases as the administration system exports them (one home per department)."""
    header = "sag_nr;afdeling_nr;lejemaal_nr;person_nr;type;status;modtaget;afgjort;dyr_navn;race;ibrugtaget"
    lines = [header]
    for i in range(IMPORTED):
        d = i % DEPARTMENTS
        kind, status, animal, used = [
            ("Hund", "godkendt", "Bølle;Labrador", ""),
            ("dishwasher", "kvitteret", ";", ""),
            ("kitchen", "ingen_indsigelse", ";", "01-06-2020"),
        ][i % 3]
        lines.append(f"S{i};{d};1;P{d};{kind};{status};03-02-2020;10-02-2020;{animal};{used}")
    return "\r\n".join(lines).encode("cp1252")


def import_twice(db: Database) -> tuple[float, float, dict[str, int]]:
    data = permits_file()
    with db.transaction() as s:
        organisation_id = s.scalar(select(Organisation.id))
        assert organisation_id is not None
    took = []
    for _ in range(2):
        started = time.perf_counter()
        with db.transaction() as s:
            report = import_csv(s, data=data, organisation_id=organisation_id, actor_id=None, dry_run=False)
            assert report.ok, report.errors[:3]
        took.append(time.perf_counter() - started)
    return took[0], took[1], report.counts["permits"]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        migrate.upgrade(url)
        db = Database(url)
        settings = Settings(data_dir=Path(tmp), database_url=url, secret_key="bench")
        compose(db, settings)
        started = time.perf_counter()
        secret, departments = seed(db)
        took = time.perf_counter() - started
        print(
            f"{CASES:,} open and {DECIDED:,} decided cases in {DEPARTMENTS:,} departments "
            f"(set up in {took:.0f} s)"
        )
        timings = overview(settings, db, secret, departments)
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(
            f"board overview of a department: p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms "
            f"(budget {OVERVIEW_BUDGET_MS:.0f} ms)"
        )
        runner = build_runner(db, settings)
        handler = runner.handlers[LAPSE_KIND]
        started = time.perf_counter()
        handler(db, {})  # type: ignore[call-arg, arg-type]
        first = time.perf_counter() - started
        with db.transaction() as s:
            passed = s.scalar(select(func.count()).select_from(Permit).where(Permit.status == "no_objection"))
            open_cases = s.scalar(
                select(func.count()).select_from(Permit).where(Permit.status.in_(("submitted", "more_info")))
            )
        started = time.perf_counter()
        handler(db, {})  # type: ignore[call-arg, arg-type]
        second = time.perf_counter() - started
        with db.transaction() as s:
            again = s.scalar(select(func.count()).select_from(Permit).where(Permit.status == "no_objection"))
        print(
            f"deadline pass: {DUE:,} due of {open_cases + DUE:,} open cases passed by silence, "
            f"notices included, in {first:.2f} s (budget {LAPSE_BUDGET_S:.0f} s); "
            f"a second run {second:.2f} s, changed {again - passed} (no_objection in all: {again:,})"
        )
        imported, reimported, counts = import_twice(db)
        print(
            f"import of {IMPORTED:,} permits (Windows-1252): {imported:.1f} s "
            f"(budget {IMPORT_BUDGET_S:.0f} s); "
            f"the same file again {reimported:.1f} s (budget {REIMPORT_BUDGET_S:.0f} s), "
            f"unchanged {counts['unchanged']:,}"
        )
        db.dispose()
    ok = p95 < OVERVIEW_BUDGET_MS and first < LAPSE_BUDGET_S and again == passed
    ok = (
        ok
        and imported < IMPORT_BUDGET_S
        and reimported < REIMPORT_BUDGET_S
        and counts["unchanged"] == IMPORTED
    )
    print("OK" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
