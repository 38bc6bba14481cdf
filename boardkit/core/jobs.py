"""Background jobs: queued in the transaction that causes them, claimed safely, retried with backoff.

Any number of workers may run (threads or processes on other machines): a job is claimed
with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and, on every backend, by a conditional update
that only one claimant can win. A claimed job has a lease (``lease_seconds``,
``BOARDKIT_JOB_LEASE_SECONDS``), renewed by the runner while the job runs, so a slow job is never
taken from a live worker; a worker that dies (even by SIGKILL) stops renewing it, and another
claims the job again once the lease has run out.

A handler runs in one transaction, or — registered with ``own_transactions=True`` — is handed
the ``Database`` and opens its own: slow work (SMTP, HTTP, PDFs, the search index) then runs
outside any write transaction, so it never holds SQLite's write lock, and the job is marked done
in a short transaction after (with the writes the handler returns, if any). Such a handler must
be safe to run again after a crash.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from boardkit.core.db import Database, problem, utcnow
from boardkit.core.models import Job, WorkerHeartbeat

log = logging.getLogger("boardkit.jobs")

LEASE_SECONDS = 60.0
MAX_BACKOFF = timedelta(hours=1)


class RetryLater(Exception):
    """A handler's way to say: this can succeed later (the SMTP server is down, say)."""


Handler = Callable[[Session, dict[str, Any]], None]
# Opens its own transactions; may return its last writes, done with marking the job done.
OwnHandler = Callable[[Database, dict[str, Any]], Callable[[Session], None] | None]


# Built once: a worker runs these for every job, and building them costs more than running them.
_NEXT = select(Job.id, Job.status, Job.attempts).order_by(Job.run_after, Job.id).limit(1)
_NEXT_QUEUED = _NEXT.where(Job.status == "queued", Job.run_after <= bindparam("now"))
_NEXT_EXPIRED = _NEXT.where(Job.status == "running", Job.locked_until < bindparam("now"))
_CLAIM = (
    update(Job)
    .where(Job.id == bindparam("job"), Job.status == bindparam("was"), Job.attempts == bindparam("tries"))
    .values(status="running", locked_until=bindparam("until"), attempts=Job.attempts + 1)
    .returning(Job)
    .execution_options(synchronize_session=False)
)
_JOB_TABLE = cast(Table, Job.__table__)
_JOB = _JOB_TABLE.c
_RENEW = (  # a Core statement: executed for many jobs at once
    update(_JOB_TABLE)
    .where(_JOB.id == bindparam("job"), _JOB.status == "running", _JOB.attempts == bindparam("tries"))
    .values(locked_until=bindparam("until"))
)
# PostgreSQL: a claim, and the "done" of a job that keeps its own transactions, need not wait for
# the disk at their commit: lost in a crash of the database server, they are lost as if the worker
# had stopped there, which a job survives anyway. The statement itself says so for its transaction
# (``set_config(…, true)``), which costs no round trip of its own as a ``SET LOCAL`` would.
_NO_DISK_WAIT = func.set_config("synchronous_commit", "off", True)
# PostgreSQL: the claim in one statement (one round trip), the row found and locked by its subquery.
_PG_CLAIMS = [
    update(Job)
    .where(Job.id == q.with_only_columns(Job.id).with_for_update(skip_locked=True).scalar_subquery())
    .values(status="running", locked_until=bindparam("until"), attempts=Job.attempts + 1)
    .returning(Job, _NO_DISK_WAIT)
    .execution_options(synchronize_session=False)
    for q in (_NEXT_QUEUED, _NEXT_EXPIRED)
]
_DONE = (
    update(Job)
    .where(Job.id == bindparam("job"))
    .values(status="done", finished_at=bindparam("at"), locked_until=None)
    .execution_options(synchronize_session=False)
)
_PG_DONE_OWN = _DONE.returning(_NO_DISK_WAIT)


@dataclass
class JobRunner:
    db: Database
    handlers: dict[str, Handler | OwnHandler] = field(default_factory=dict)
    own_transactions: set[str] = field(default_factory=set)
    retry_base_seconds: float = 30.0
    max_attempts: int = 12
    # kind → what runs (in one transaction) once a job of that kind has failed for good
    failure_hooks: dict[str, list[Callable[[Session, Job], None]]] = field(default_factory=dict)
    periodic: dict[str, float] = field(default_factory=dict)  # kind → seconds between runs
    # Called when the queue runs dry (e.g. to close a kept SMTP connection).
    idle_hooks: list[Callable[[], None]] = field(default_factory=list)
    # How long a claimed job is the claimant's; renewed every third of it while the job runs.
    lease_seconds: float = LEASE_SECONDS
    _running: dict[int, int] = field(default_factory=dict, init=False, repr=False)  # job id → attempts
    _renewer: threading.Thread | None = field(default=None, init=False, repr=False)
    _renew_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    # PostgreSQL: each thread's next job, claimed in the transaction that marked its last one done.
    _next: threading.local = field(default_factory=threading.local, init=False, repr=False)

    def register(self, kind: str, handler: Handler | OwnHandler, *, own_transactions: bool = False) -> None:
        """``own_transactions``: ``handler(db: Database, payload)`` opens its own transactions."""
        self.handlers[kind] = handler
        if own_transactions:
            self.own_transactions.add(kind)
        else:
            self.own_transactions.discard(kind)

    def every(
        self, kind: str, handler: Handler | OwnHandler, *, seconds: float, own_transactions: bool = False
    ) -> None:
        """Run ``kind`` about every ``seconds`` (queued by whichever worker looks first)."""
        self.register(kind, handler, own_transactions=own_transactions)
        self.periodic[kind] = seconds

    def schedule_periodic(self, now: datetime | None = None) -> list[str]:
        """Queue each periodic job that is due: none of its kind waiting, running or made lately.

        Safe with many workers: PostgreSQL serialises the check under an advisory lock per kind,
        SQLite under its write lock (BEGIN IMMEDIATE).
        """
        now = now or utcnow()
        queued = []
        for kind, seconds in self.periodic.items():
            with self.db.transaction() as s:
                if not self.db.is_sqlite:
                    key = int.from_bytes(hashlib.sha256(kind.encode()).digest()[:8], "big", signed=True)
                    s.execute(select(func.pg_advisory_xact_lock(key)))
                # The newest job of the kind tells it all (only one is ever waiting at a time).
                newest = select(Job.status, Job.created_at).where(Job.kind == kind).order_by(Job.id.desc())
                last = s.execute(newest.limit(1)).first()
                if last is not None and (
                    last.status in ("queued", "running") or last.created_at > now - timedelta(seconds=seconds)
                ):
                    continue
                enqueue(s, kind)
                queued.append(kind)
        return queued

    def claim(self, now: datetime | None = None) -> Job | None:
        """Claim the next due job in its own short transaction (or take the one this thread
        claimed ahead, with its last job's "done").

        Queued jobs are looked up first and leases that ran out after, each by the (status,
        run_after) index: one query over an ``OR`` of both would sort the whole queue per claim.
        On PostgreSQL each is one statement (the row found, locked and claimed); on SQLite, whose
        write lock keeps claimants apart, a lookup and a conditional update.
        """
        ahead: Job | None = getattr(self._next, "job", None)
        if ahead is not None:
            self._next.job = None
            return ahead
        now = now or utcnow()
        with self.db.transaction() as s:
            if not self.db.is_sqlite:
                return self._claim_pg(s, now)
            until = now + timedelta(seconds=self.lease_seconds)
            row = None
            for q in (_NEXT_QUEUED, _NEXT_EXPIRED):
                row = s.execute(q, {"now": now}).first()
                if row is not None:
                    break
            if row is None:
                return None
            values = {"job": row.id, "was": row.status, "tries": row.attempts, "until": until}
            return s.scalars(_CLAIM, values).first()

    def _claim_pg(self, s: Session, now: datetime) -> Job | None:
        until = now + timedelta(seconds=self.lease_seconds)
        for claim in _PG_CLAIMS:
            if (job := s.scalars(claim, {"now": now, "until": until}).first()) is not None:
                return job
        return None

    def release_claimed(self) -> None:
        """Give back this thread's job claimed ahead (a worker that stops), so another takes it at
        once rather than after its lease."""
        ahead: Job | None = getattr(self._next, "job", None)
        if ahead is None:
            return
        self._next.job = None
        with self.db.transaction() as s:
            s.execute(
                update(Job)
                .where(Job.id == ahead.id, Job.status == "running", Job.attempts == ahead.attempts)
                .values(status="queued", locked_until=None, attempts=Job.attempts - 1)
                .execution_options(synchronize_session=False)
            )

    def run_one(self, now: datetime | None = None) -> bool:
        """Run one due job; False when there was none."""
        job = self.claim(now)
        if job is None:
            return False
        handler = self.handlers.get(job.kind)
        self._holding(job.id, job.attempts)
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            if job.kind in self.own_transactions:
                last = cast(OwnHandler, handler)(self.db, dict(job.payload))
                with self.db.transaction() as s:
                    if last is not None:
                        last(s)
                    if self.db.is_sqlite:
                        s.execute(_DONE, {"job": job.id, "at": utcnow()})
                        ahead = None
                    else:  # and the next job in the same transaction: a mass mailing's every message
                        s.execute(_PG_DONE_OWN, {"job": job.id, "at": utcnow()})
                        ahead = self._claim_pg(s, now or utcnow())
                self._next.job = ahead
            else:
                with self.db.transaction() as s:
                    cast(Handler, handler)(s, dict(job.payload))
                    s.execute(_DONE, {"job": job.id, "at": utcnow()})
        except Exception as exc:
            self._reschedule(job, exc)
        finally:
            self._holding(job.id, None)
        return True

    def _holding(self, job_id: int, attempts: int | None) -> None:
        """Note (or forget) a job this runner runs, whose lease the renewer keeps alive."""
        with self._renew_lock:
            if attempts is None:
                self._running.pop(job_id, None)
                return
            self._running[job_id] = attempts
            if self._renewer is None:
                self._renewer = threading.Thread(target=self._renew, name="boardkit-lease", daemon=True)
                self._renewer.start()

    def _renew(self) -> None:
        """Extend the leases of the jobs running now, every third of a lease (a daemon thread:
        it dies with the process, and so do the leases it kept; it ends when no job is running,
        and the next job starts another)."""
        while True:
            time.sleep(self.lease_seconds / 3)
            with self._renew_lock:
                held = list(self._running.items())
                if not held:
                    self._renewer = None
                    return
            until = utcnow() + timedelta(seconds=self.lease_seconds)
            try:
                with self.db.transaction() as s:
                    s.execute(_RENEW, [{"job": j, "tries": t, "until": until} for j, t in held])
            except Exception as exc:  # the database away for a moment: try again next round
                log.warning("could not renew the leases of jobs %s: %s", [j for j, _ in held], exc)

    def _reschedule(self, job: Job, exc: Exception) -> None:
        # A busy or unwritable database is not the job's fault: it is tried again later.
        permanent = not isinstance(exc, RetryLater | OSError) and problem(exc) is None
        give_up = permanent or job.attempts >= self.max_attempts
        delay = min(timedelta(seconds=self.retry_base_seconds * 2 ** (job.attempts - 1)), MAX_BACKOFF)
        detail = str(exc) if isinstance(exc, RetryLater | OSError) else traceback.format_exc(limit=5)
        log.warning("job %s (%s) attempt %s failed: %s", job.id, job.kind, job.attempts, exc)
        with self.db.transaction() as s:
            s.execute(
                update(Job)
                .where(Job.id == job.id)
                .values(
                    status="failed" if give_up else "queued",
                    run_after=utcnow() + delay,
                    locked_until=None,
                    last_error=detail[-4000:],
                    finished_at=utcnow() if give_up else None,
                )
            )
        if give_up and (hooks := self.failure_hooks.get(job.kind)):
            job.status = "failed"
            job.last_error = detail
            with self.db.transaction() as s:
                for hook in hooks:
                    hook(s, job)

    def run_until_idle(self, now: datetime | None = None, limit: int = 10_000) -> int:
        count = 0
        while count < limit and self.run_one(now):
            count += 1
        self.release_claimed()
        self.idle()
        return count

    def idle(self) -> None:
        for hook in self.idle_hooks:
            try:
                hook()
            except Exception:
                log.exception("idle hook failed")


def enqueue(
    db: Session, kind: str, payload: dict[str, Any] | None = None, *, delay: timedelta | None = None
) -> Job:
    """Queue a job in the caller's transaction; it runs only if that transaction commits. A web
    request that queued one wakes the in-process worker after its commit (``queued_jobs``)."""
    job = Job(kind=kind, payload=payload or {}, run_after=utcnow() + (delay or timedelta()))
    db.add(job)
    db.info[QUEUED] = True
    return job


QUEUED = "boardkit.jobs_queued"


def queued_jobs(db: Session) -> bool:
    """Whether this session queued a job (and forget it: asked once, after the commit)."""
    return bool(db.info.pop(QUEUED, False))


HEARTBEAT_SECONDS = 15.0  # how often a worker says it is alive (``/readyz`` wants one within 60 s)
_workers = itertools.count(1)


class Worker:
    """A loop over a JobRunner in a thread; ``wake()`` makes it look at once (after a commit)."""

    def __init__(self, runner: JobRunner, poll_seconds: float = 2.0) -> None:
        self.runner = runner
        self.poll_seconds = poll_seconds
        self.name = f"{socket.gethostname()}:{os.getpid()}:{next(_workers)}"
        self._next_heartbeat = 0.0
        self._next_periodic = 0.0
        self._was_busy = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        self._wake.set()

    def loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._tick()
                busy = self.runner.run_one()
            except Exception as exc:  # the database may be away for a moment; never let the worker die
                if (kind := problem(exc)) is not None:  # busy, or a read-only or full data directory
                    log.warning("worker waits: the database is %s: %s", kind, exc)
                else:
                    log.exception("worker iteration failed")
                busy = False
            if busy:
                self._was_busy = True
            elif self._was_busy:
                self._was_busy = False
                self.runner.idle()
            if not busy:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
        try:
            self.runner.release_claimed()
        except Exception as exc:  # the database away: the job's lease runs out instead
            log.warning("could not give back a job claimed ahead: %s", exc)

    def heartbeat(self) -> None:
        """Note that this worker is alive now (bookkeeping: it moves no page cache)."""
        now = utcnow()
        with self.runner.db.transaction() as s:
            row = s.get(WorkerHeartbeat, self.name)
            if row is None:
                s.add(WorkerHeartbeat(id=self.name, started_at=now, seen_at=now))
            else:
                row.seen_at = now

    def _tick(self) -> None:
        """Say it is alive every HEARTBEAT_SECONDS; look for due periodic jobs at most once a
        minute (or as often as the shortest period)."""
        if time.monotonic() >= self._next_heartbeat:
            self._next_heartbeat = time.monotonic() + HEARTBEAT_SECONDS
            self.heartbeat()
        if self.runner.periodic and time.monotonic() >= self._next_periodic:
            self._next_periodic = time.monotonic() + min(60.0, *self.runner.periodic.values())
            self.runner.schedule_periodic()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.loop, name="boardkit-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
