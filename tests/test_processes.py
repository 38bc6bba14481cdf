"""Issue 19, point 2: several app and worker processes on one PostgreSQL.

Real processes: ``boardkit serve`` twice (two ports, no in-process worker) and ``boardkit worker``
three times, against one database and a real SMTP server (aiosmtpd) in the test. The chair
schedules a department meeting through one app and sends the invitations through the other; one
worker is killed (SIGKILL) while the mails are going out; every invitee gets exactly one mail.
Then a page cached by one app shows a change made through the other at once (within
milliseconds: see the test). Last, ``serve --workers 2`` runs two app processes on one port.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import html
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from email.header import decode_header, make_header
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, update

from boardkit.app import build_runner
from boardkit.config import Settings
from boardkit.core import auth
from boardkit.core.db import Database, utcnow
from boardkit.core.models import Job, OutboxEmail
from boardkit.core.web.context import SESSION_COOKIE
from boardkit.meetings.models import Invitation, Meeting
from tests.helpers import api_token, person_id
from tests.meetings.meeting_env import CHAIR, at_local, board_id, local_day
from tests.smtp import free_port

pytestmark = pytest.mark.postgres  # see tests/conftest.py

LEASE_SECONDS = 3  # a killed worker's job is another's after this (BOARDKIT_JOB_LEASE_SECONDS)
TITLE = "Ordinært afdelingsmøde (flere processer)"


class GatedServer:
    """Keeps every message; once ``close_after`` messages have arrived it holds every answer to
    RCPT TO (the worker is then mid-send: it has a job and a connection, the server has not taken
    the message) until ``gate`` is set again."""

    def __init__(self, close_after: int) -> None:
        self.received: list[tuple[str, str, str]] = []  # (To, Subject, Message-ID)
        self.close_after = close_after
        self.gate = threading.Event()
        self.gate.set()
        self.waiting = 0  # RCPT answers held back right now

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        self.waiting += 1
        try:
            while not self.gate.is_set():
                await asyncio.sleep(0.01)
        finally:
            self.waiting -= 1
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.original_content)
        subject = str(make_header(decode_header(msg["Subject"])))
        self.received.append((msg["To"], subject, msg["Message-ID"]))
        if len(self.received) == self.close_after:
            self.gate.clear()
        return "250 OK"


def _env(db: Database, data_dir: Path, smtp_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "BOARDKIT_DATABASE_URL": db.url,
        "BOARDKIT_DATA_DIR": str(data_dir),
        "BOARDKIT_SECRET_KEY": "test-secret-key",
        "BOARDKIT_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "BOARDKIT_INPROCESS_WORKER": "0",
        "BOARDKIT_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
        "BOARDKIT_DB_POOL_SIZE": "4",
    }


class Fleet:
    """Real boardkit processes; stopped (SIGTERM, then SIGKILL) at the end."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd = env, cwd
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: list[Any] = []

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        log = (self.cwd / f"{args[0]}-{len(self.processes)}.log").open("wb")
        self.logs.append(log)
        process = subprocess.Popen(
            [sys.executable, "-m", "boardkit", *args],
            env=self.env,
            cwd=self.cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def serve(self) -> str:
        port = free_port()
        process = self.start("serve", "--port", str(port))
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, "boardkit serve stopped"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    return url
            time.sleep(0.1)
        raise AssertionError("boardkit serve did not answer")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        stopped = []
        for process in self.processes:
            try:
                stopped.append(process.wait(20))
            except subprocess.TimeoutExpired:
                process.kill()
                stopped.append(process.wait())
        for log in self.logs:
            log.close()
        # uvicorn ends by raising the signal it was stopped with again, once it has shut down
        assert set(stopped) <= {0, -signal.SIGTERM, -signal.SIGKILL}, stopped


def _wait(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.mark.postgres_only
def test_two_apps_three_workers_one_killed_mid_send_every_invitee_gets_one_mail(
    demo: Database, tmp_path: Path
) -> None:
    headers = api_token(demo, CHAIR)
    starts = at_local(local_day(60))
    body = {
        "board_id": board_id(demo),
        "kind": "ordinary_department",
        "title": TITLE,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "location": "Fælleshuset, Engparken 2",
        "room": "Store sal",
    }
    server = GatedServer(close_after=40)
    smtp = Controller(server, hostname="127.0.0.1", port=free_port())
    smtp.start()
    fleet = Fleet(_env(demo, tmp_path, smtp.port), tmp_path)
    try:
        workers = [fleet.start("worker") for _ in range(3)]
        app_a, app_b = fleet.serve(), fleet.serve()
        made = httpx.post(f"{app_a}/api/v1/meetings", json=body, headers=headers, timeout=30)
        assert made.status_code == 201, made.text
        meeting_id = made.json()["id"]
        sent = httpx.post(f"{app_b}/api/v1/meetings/{meeting_id}/invitations", headers=headers, timeout=60)
        assert sent.status_code == 200, sent.text
        queued = sent.json()["queued"]
        assert queued > 3 * server.close_after  # most of the mail is still to go when the kill lands

        # 40 messages have arrived; now every worker waits for the server's answer to RCPT TO.
        _wait(lambda: server.waiting == 3, 30, "the three workers never all reached RCPT TO")
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(10)
        server.gate.set()

        def finished() -> bool:
            with demo.transaction(readonly=True) as s:
                return not s.scalar(
                    select(func.count(Job.id)).where(
                        Job.kind == "mail.deliver", Job.status.in_(("queued", "running"))
                    )
                )

        _wait(finished, 60, "the mail was not all delivered")
    finally:
        fleet.stop()
        smtp.stop()

    periodic_kinds = build_runner(demo, Settings(data_dir=tmp_path / "kinds")).periodic  # kind → seconds
    with demo.transaction(readonly=True) as s:
        invitees = set(
            s.scalars(
                select(OutboxEmail.to_address)
                .join(Invitation, Invitation.email_id == OutboxEmail.id)
                .where(Invitation.meeting_id == meeting_id)
            )
        )
        outbox = Counter(
            s.scalars(select(OutboxEmail.status).where(OutboxEmail.template == "meeting_invitation"))
        )
        deliveries = Counter(s.scalars(select(Job.status).where(Job.kind == "mail.deliver")))
        retried = s.scalar(select(func.count(Job.id)).where(Job.kind == "mail.deliver", Job.attempts > 1))
        periodic = s.execute(
            select(Job.kind, Job.created_at).where(Job.kind.in_(periodic_kinds)).order_by(Job.id)
        ).all()
    got = Counter(parseaddr(to)[1] for to, subject, _id in server.received if TITLE in subject)
    assert len(invitees) == queued
    assert got == Counter({address: 1 for address in invitees})  # every invitee exactly once
    assert outbox == {"sent": queued} and set(deliveries) == {"done"}
    assert retried == 1  # the killed worker's message, taken over after its lease ran out
    # The periodic jobs (reminders, digests, sweeps) were queued once per period by the three workers.
    assert {kind for kind, _at in periodic} == set(periodic_kinds)
    for kind, seconds in periodic_kinds.items():
        made = [at for k, at in periodic if k == kind]
        assert all((b - a).total_seconds() >= seconds for a, b in itertools.pairwise(made)), (kind, made)


@pytest.mark.postgres_only
def test_a_change_through_one_app_shows_at_once_on_a_page_the_other_app_cached(
    demo: Database, tmp_path: Path
) -> None:
    """The chair's dashboard, cached by app B; the next meeting renamed through app A, ten times:
    B's next answer has the new name (nearly always the very next; PostgreSQL notifies each
    listening process on its own, so B may hear of it a few milliseconds after A has answered).
    A change written behind the apps' back (no notification) is not seen: B answers from its cache."""
    with demo.transaction() as s:
        session = auth.create_session(s, person_id=person_id(demo, CHAIR), days=1)
        meeting_id = s.scalars(
            select(Meeting.id)
            .where(Meeting.board_id == board_id(demo), Meeting.starts_at > utcnow() + timedelta(days=1))
            .order_by(Meeting.starts_at)
        ).first()
    fleet = Fleet(_env(demo, tmp_path, free_port()), tmp_path)
    try:
        app_a, app_b = fleet.serve(), fleet.serve()
        with (
            httpx.Client(base_url=app_a, headers=api_token(demo, CHAIR), timeout=30) as a,
            httpx.Client(base_url=app_b, cookies={SESSION_COOKIE: session}, timeout=30) as b,
        ):
            # A's token noted as used (bookkeeping after the answer: a change too); B's cookies (the
            # CSRF token's) set, as they are part of the cache key.
            assert a.get("/api/v1/me").status_code == 200 and b.get("/").status_code == 200
            time.sleep(0.5)
            stale = []  # per round: B's answers still without the change
            for n in range(10):
                title = html.escape(f"Bestyrelsesmøde, runde {n}")
                renamed = a.patch(
                    f"/api/v1/meetings/{meeting_id}", json={"title": f"Bestyrelsesmøde, runde {n}"}
                )
                assert renamed.status_code == 200, renamed.text
                answered, stale_answers = time.monotonic(), 0
                while title not in (seen := b.get("/")).text:  # B's next answers, until one has it
                    assert seen.status_code == 200 and time.monotonic() - answered < 1.0, n
                    stale_answers += 1
                stale.append(stale_answers)
                time.sleep(0.2)  # what the change queued after its answer, if anything, is done
                assert title in b.get("/").text  # B keeps this copy
                with demo.engine.begin() as conn:  # a change behind the apps' back: no notification
                    conn.execute(update(Meeting).where(Meeting.id == meeting_id).values(title="Skjult"))
                assert title in b.get("/").text  # answered from B's cache
            # PostgreSQL tells each listening process on its own: now and then B hears a few ms
            # after A has answered, and one answer of B's is the old page.
            assert stale.count(0) >= 8, stale
    finally:
        fleet.stop()


def test_serve_with_two_workers_runs_two_app_processes_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "BOARDKIT_DATA_DIR": str(tmp_path), "BOARDKIT_SECRET_KEY": "test-secret-key"}
    with (tmp_path / "serve.log").open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "boardkit", "serve", "--workers", "2", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"

            def ready() -> bool:
                with contextlib.suppress(httpx.HTTPError):
                    return httpx.get(f"{url}/readyz", timeout=2).status_code == 200  # a worker reported
                return False

            _wait(ready, 60, "boardkit serve --workers 2 did not get ready")
            children = subprocess.run(
                ["ps", "-o", "args=", "--ppid", str(server.pid)], capture_output=True, text=True, check=True
            ).stdout
            assert children.count("multiprocessing.spawn") == 2, children  # the two app processes
        finally:
            server.terminate()
            assert server.wait(30) in (0, -signal.SIGTERM)
    assert (tmp_path / "serve.log").read_text().count("Application shutdown complete") == 2
