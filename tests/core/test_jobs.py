"""The job queue: claimed once across concurrent workers, retried with backoff, leases recovered."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
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


def test_a_long_job_keeps_its_lease_and_a_dead_workers_job_is_taken_after_it(db: Database) -> None:
    """The lease is renewed while a job runs (a slow job is never run twice), and only then."""
    started, release, ran = threading.Event(), threading.Event(), Counter[str]()

    def slow(_s: Session, payload: dict[str, Any]) -> None:
        ran[payload["name"]] += 1
        started.set()
        release.wait(10)

    first = jobs.JobRunner(db, handlers={"slow": slow}, lease_seconds=0.6)
    second = jobs.JobRunner(db, handlers={"slow": slow}, lease_seconds=0.6)
    with db.transaction() as s:
        jobs.enqueue(s, "slow", {"name": "long"})
    running = threading.Thread(target=first.run_one)
    running.start()
    assert started.wait(10)
    deadline = time.monotonic() + 2.0  # three leases long
    while time.monotonic() < deadline:
        assert second.run_one() is False  # still the first runner's
        time.sleep(0.05)
    release.set()
    running.join(10)
    assert ran == {"long": 1}

    with db.transaction() as s:
        jobs.enqueue(s, "slow", {"name": "orphan"})
    assert first.claim() is not None  # claimed, then its worker dies: nobody renews the lease
    assert second.run_one() is False
    time.sleep(0.7)
    assert second.run_one() is True
    assert ran == {"long": 1, "orphan": 1}


def test_a_periodic_job_runs_once_per_period_across_workers(db: Database) -> None:
    """Three workers, each with a database (connection pool) of its own as separate processes
    have, look for due periodic jobs; a one-second job runs once a second, not three times."""
    ticks: list[float] = []
    databases = [Database(db.url) for _ in range(3)]
    workers = []
    for database in databases:
        runner = jobs.JobRunner(database)
        runner.every("tick", lambda _s, _p: ticks.append(time.monotonic()), seconds=1.0)
        workers.append(jobs.Worker(runner, poll_seconds=0.02))
    try:
        for worker in workers:
            worker.start()
        time.sleep(3.6)
    finally:
        for worker in workers:
            worker.stop()
        for database in databases:
            database.dispose()
    with db.transaction() as s:
        made = sorted(s.scalars(select(Job.created_at).where(Job.kind == "tick")))
    assert 3 <= len(made) <= 4 and len(ticks) == len(made), (made, ticks)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(made)]
    assert min(gaps) >= 1.0, gaps  # never two in one period, whichever worker queued it


@pytest.mark.postgres_only
def test_a_claim_and_an_own_transaction_jobs_done_do_not_wait_for_the_disk_on_postgresql(
    db: Database,
) -> None:
    """Their statements turn synchronous_commit off for their own transaction only (no SET LOCAL
    round trip); every other transaction of the connection waits for the disk as before."""
    with db.transaction() as s:
        jobs.enqueue(s, "x", {})
    with db.transaction() as s:
        job = s.scalars(
            jobs._PG_CLAIMS[0], {"now": utcnow(), "until": utcnow() + timedelta(minutes=1)}
        ).first()
        assert job is not None and job.status == "running"
        assert s.scalar(select(func.current_setting("synchronous_commit"))) == "off"
    with db.transaction() as s:
        assert s.scalar(select(func.current_setting("synchronous_commit"))) == "on"
        s.execute(jobs._PG_DONE_OWN, {"job": job.id, "at": utcnow()})
        assert s.scalar(select(func.current_setting("synchronous_commit"))) == "off"
    with db.transaction() as s:
        assert s.get(Job, job.id).status == "done"  # type: ignore[union-attr]
        assert s.scalar(select(func.current_setting("synchronous_commit"))) == "on"


@pytest.mark.postgres_only
def test_the_next_job_is_claimed_with_the_last_ones_done_and_given_back_when_the_thread_stops(
    db: Database,
) -> None:
    ran: list[int] = []
    runner = jobs.JobRunner(db)
    runner.register("own", lambda _db, payload: ran.append(payload["n"]), own_transactions=True)
    with db.transaction() as s:
        for n in range(3):
            jobs.enqueue(s, "own", {"n": n})

    def statuses() -> list[tuple[str, int]]:
        with db.transaction() as s:
            return [(j.status, j.attempts) for j in s.scalars(select(Job).order_by(Job.id))]

    assert runner.run_one()
    assert statuses() == [("done", 1), ("running", 1), ("queued", 0)]  # the second claimed ahead
    assert runner.run_one()
    assert ran == [0, 1] and statuses() == [("done", 1), ("done", 1), ("running", 1)]
    runner.release_claimed()  # a worker that stops gives it back at once
    assert statuses() == [("done", 1), ("done", 1), ("queued", 0)]
    assert runner.run_until_idle() == 1 and ran == [0, 1, 2]
    assert statuses() == [("done", 1)] * 3
