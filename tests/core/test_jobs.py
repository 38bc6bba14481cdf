"""The job queue: claimed once across concurrent workers, retried with backoff, leases recovered."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from boardkit.core import jobs
from boardkit.core.db import Database, utcnow
from boardkit.core.models import Job

pytestmark = pytest.mark.postgres  # see tests/conftest.py


def test_concurrent_workers_run_each_job_exactly_once(db: Database) -> None:
    seen: Counter[int] = Counter()
    lock = threading.Lock()

    def handler(_s: Session, payload: dict[str, Any]) -> None:
        with lock:
            seen[payload["n"]] += 1

    with db.transaction() as s:
        for n in range(60):
            jobs.enqueue(s, "count", {"n": n})
    runners = [jobs.JobRunner(db, handlers={"count": handler}) for _ in range(4)]
    threads = [threading.Thread(target=r.run_until_idle) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert seen == Counter(range(60))
    with db.transaction() as s:
        assert set(s.scalars(select(Job.status))) == {"done"}


def test_a_job_queued_in_a_rolled_back_transaction_never_runs(db: Database) -> None:
    ran: list[int] = []
    try:
        with db.transaction() as s:
            jobs.enqueue(s, "x", {"n": 1})
            raise RuntimeError("the cause failed")
    except RuntimeError:
        pass
    runner = jobs.JobRunner(db, handlers={"x": lambda _s, p: ran.append(p["n"])})
    assert runner.run_until_idle() == 0
    assert ran == []


def test_failures_back_off_exponentially_then_give_up(db: Database) -> None:
    def flaky(_s: Session, _p: dict[str, Any]) -> None:
        raise jobs.RetryLater("server away")

    runner = jobs.JobRunner(db, handlers={"flaky": flaky}, retry_base_seconds=10, max_attempts=3)
    with db.transaction() as s:
        jobs.enqueue(s, "flaky")
    before = utcnow()
    runner.run_one()
    with db.transaction() as s:
        job = s.scalars(select(Job)).one()
        assert job.status == "queued" and job.attempts == 1
        assert timedelta(seconds=9) < job.run_after - before < timedelta(seconds=12)
    runner.run_one(now=utcnow() + timedelta(seconds=11))
    with db.transaction() as s:
        job = s.scalars(select(Job)).one()
        assert job.attempts == 2
        assert timedelta(seconds=19) < job.run_after - utcnow() < timedelta(seconds=22)
    runner.run_one(now=utcnow() + timedelta(minutes=5))
    with db.transaction() as s:
        job = s.scalars(select(Job)).one()
        assert job.status == "failed" and "server away" in job.last_error


def test_a_bug_in_a_handler_fails_the_job_at_once(db: Database) -> None:
    def broken(_s: Session, _p: dict[str, Any]) -> None:
        raise KeyError("oops")

    runner = jobs.JobRunner(db, handlers={"broken": broken})
    with db.transaction() as s:
        jobs.enqueue(s, "broken")
    runner.run_one()
    with db.transaction() as s:
        job = s.scalars(select(Job)).one()
        assert job.status == "failed" and "KeyError" in job.last_error


def test_a_crashed_workers_lease_runs_out_and_the_job_runs_again(db: Database) -> None:
    ran: list[int] = []
    runner = jobs.JobRunner(db, handlers={"x": lambda _s, p: ran.append(1)})
    with db.transaction() as s:
        jobs.enqueue(s, "x")
    assert runner.claim() is not None  # claimed, then the worker "dies"
    assert runner.run_one() is False
    with db.transaction() as s:
        s.execute(update(Job).values(locked_until=utcnow() - timedelta(seconds=1)))
    assert runner.run_one() is True
    assert ran == [1]


class WakeCounter:
    def __init__(self) -> None:
        self.wakes = 0

    def wake(self) -> None:
        self.wakes += 1


def test_a_request_that_queued_jobs_wakes_the_worker_after_its_commit(client: Any, demo: Database) -> None:
    """No view wakes the worker by hand: the request's transaction knows it queued jobs."""
    from tests.helpers import api_token, csrf_from

    counter = WakeCounter()
    client.app.state.worker = counter
    client.get("/login")  # a read: nothing queued
    assert counter.wakes == 0
    token = csrf_from(client.get("/login").text)
    r = client.post("/login", data={"email": "formand@demo.boardkit.dk", "csrf_token": token})
    assert r.status_code == 200 and counter.wakes == 1  # the login mail was queued
    bad = client.post("/login", data={"email": "ikke en adresse", "csrf_token": token})
    assert bad.status_code == 422 and counter.wakes == 1  # refused: nothing queued, no wake
    headers = api_token(demo, "formand@demo.boardkit.dk")
    assert client.get("/api/v1/me", headers=headers).status_code == 200 and counter.wakes == 1
