"""Issue 12, point 7: a message is never sent twice, even when the worker is killed mid-send.

A real ``boardkit worker`` process delivers to a real SMTP server (aiosmtpd) that holds its answer
to one message while the test kills the worker (SIGKILL) — twice, as in the outside check. After
the lease runs out, a new worker finishes the queue. Every message reached the server exactly
once; the two in flight are "uncertain" (they may have arrived, so they are not sent again: the
administration sees them), every other one "sent".
"""

from __future__ import annotations

import asyncio
import email
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from boardkit.core import mail
from boardkit.core.db import Database, utcnow
from boardkit.core.models import Job, OutboxEmail
from tests.smtp import free_port

pytestmark = pytest.mark.postgres  # see tests/conftest.py

MESSAGES = 40


class HoldingServer:
    """Keeps every message; holds its answer to the message numbered in ``hold`` until released."""

    def __init__(self) -> None:
        self.received: list[str] = []  # Message-IDs, in order of arrival
        self.hold: set[int] = set()
        self.held: list[str] = []  # Message-IDs of the messages held, in order
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message_id = email.message_from_bytes(envelope.original_content)["Message-ID"]
        self.received.append(message_id)
        if len(self.received) in self.hold:
            # A release left over from the last hold (its handler may have been cancelled when the
            # killed worker's connection dropped, before it saw the release) must not count here.
            self.release.clear()
            self.held.append(message_id)
            self.holding.set()  # the server has the whole message; the worker waits for "250"
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        return "250 OK"


def _queue(db: Database, n: int) -> None:
    with db.transaction() as s:
        mail.queue_rendered(
            s,
            [
                mail.compose_mail(
                    to=mail.Recipient(f"beboer{i}@example.dk", f"Beboer {i}"),
                    template="meeting_invitation",
                    subject=f"Indkaldelse {i}",
                    text="Der er møde.",
                    html="<p>Der er møde.</p>",
                )
                for i in range(n)
            ],
        )


def _worker(db: Database, smtp_port: int, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BOARDKIT_DATABASE_URL": db.url,
        "BOARDKIT_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "BOARDKIT_DATA_DIR": str(data_dir),
        "BOARDKIT_SECRET_KEY": "test-secret-key",
    }
    command = [sys.executable, "-m", "boardkit", "worker"]
    return subprocess.Popen(
        command, env=env, cwd=data_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _leases_run_out(db: Database) -> None:
    """What five minutes do to the jobs a killed worker held: their leases run out."""
    with db.transaction() as s:
        s.execute(update(Job).where(Job.status == "running").values(locked_until=utcnow()))


def test_killing_the_worker_mid_send_twice_sends_no_message_twice(db: Database, tmp_path: Path) -> None:
    server = HoldingServer()
    server.hold = {7, 23}  # the worker is killed while these two are being handed over
    controller = Controller(server, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        _queue(db, MESSAGES)
        for kill in (1, 2):
            worker = _worker(db, controller.port, tmp_path)
            assert server.holding.wait(60), "the worker never reached the held message"
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
            server.holding.clear()
            server.release.set()
            _leases_run_out(db)
            with db.transaction() as s:
                held = s.scalar(select(OutboxEmail.status).where(OutboxEmail.message_id == server.held[-1]))
            assert held == "sending", f"kill {kill}: the held message was being handed over"
        # The rest is sent by a worker that is not killed: in-process (what ``boardkit worker --once``
        # runs, without another process start).
        from boardkit.app import build_runner
        from boardkit.config import Settings

        settings = Settings(
            data_dir=tmp_path,
            database_url=db.url,
            smtp_url=f"smtp://127.0.0.1:{controller.port}",
            secret_key="test-secret-key",
        )
        build_runner(db, settings).run_until_idle()
    finally:
        controller.stop()

    with db.transaction() as s:
        rows = s.execute(select(OutboxEmail.message_id, OutboxEmail.status)).all()
        jobs = Counter(s.scalars(select(Job.status).where(Job.kind == mail.DELIVER)).all())
    status = dict(rows)
    arrived = Counter(server.received)
    assert len(status) == MESSAGES and jobs == {"done": MESSAGES}
    assert max(arrived.values()) == 1, [m for m, n in arrived.items() if n > 1]  # never twice
    assert set(arrived) == set(status)  # and every message did arrive, once
    uncertain = {m for m, st in status.items() if st == "uncertain"}
    assert len(uncertain) == 2 and {st for m, st in status.items() if m not in uncertain} == {"sent"}
    assert [server.received.index(m) + 1 for m in sorted(uncertain, key=server.received.index)] == [7, 23]


def test_a_refused_message_is_tried_again_and_a_broken_handover_is_not(db: Database, tmp_path: Path) -> None:
    """Refused before the message was handed over (the server said no to DATA): safe to retry. The
    connection lost after the server took the whole message: uncertain, never sent again."""
    received: list[str] = []

    class Flaky:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            msg = email.message_from_bytes(envelope.original_content)
            received.append(msg["Message-ID"])
            if msg["Subject"] == "Indkaldelse 0" and received.count(msg["Message-ID"]) == 1:
                return "451 try again later"  # refused: nothing was delivered
            if msg["Subject"] == "Indkaldelse 1":
                server.transport.close()  # the whole message arrived; the answer never does
                await asyncio.sleep(0.2)
            return "250 OK"

    controller = Controller(Flaky(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        from boardkit.app import build_runner
        from boardkit.config import Settings

        settings = Settings(
            data_dir=tmp_path,
            database_url=db.url,
            smtp_url=f"smtp://127.0.0.1:{controller.port}",
            secret_key="x",
            retry_base_seconds=0.01,
        )
        runner = build_runner(db, settings)
        _queue(db, 2)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            runner.run_until_idle()
            with db.transaction() as s:
                if not s.scalar(select(Job.id).where(Job.status.in_(("queued", "running")))):
                    break
            time.sleep(0.05)
        runner.idle()
    finally:
        controller.stop()
    with db.transaction() as s:
        rows = s.execute(
            select(OutboxEmail.message_id, OutboxEmail.status, OutboxEmail.attempts).order_by(OutboxEmail.id)
        ).all()
    (first, first_status, first_attempts), (second, second_status, _attempts) = rows
    assert first_status == "sent" and first_attempts == 2 and received.count(first) == 2  # refused, then sent
    assert second_status == "uncertain" and received.count(second) == 1  # not sent again
