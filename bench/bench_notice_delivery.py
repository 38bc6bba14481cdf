"""An organisation-wide notice to 100,000 people delivered to a local SMTP server by 2 worker
processes on PostgreSQL (< 5 minutes).

Needs ``BOARDKIT_BENCH_POSTGRES_URL`` (a database the benchmark may empty). Makes an
organisation of 500 departments with ``--people`` residents (default 100,000, one per tenancy,
each with an e-mail address), sends one statutory notice to all of them (``send_notice``: every
e-mail rendered and queued with its delivery job, in one transaction), then starts an aiosmtpd
sink (another process, counting what it accepts) and two real ``boardkit worker --threads 4``
processes.
Delivery is timed from the workers' start to the last message recorded as sent; the sink must
have accepted every message exactly once (counted by Message-ID).

    BOARDKIT_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1/pgp_bench \\
        .venv/bin/python bench/bench_notice_delivery.py --people 10000
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, insert, select, text

from boardkit import migrate
from boardkit.app import compose
from boardkit.config import Settings
from boardkit.core import notify
from boardkit.core.db import Database
from boardkit.core.models import OutboxEmail
from boardkit.org.models import Department, Organisation, Person, Residency, Tenancy

BUDGET_S = 300.0
DEPARTMENTS = 500
WORKERS = 2
SECRET = "bench-secret"

# A separate process, as a real mail server would be; it counts distinct Message-IDs too.
SMTP_SINK = """
import sys
from aiosmtpd.controller import Controller
class Count:
    n = 0
    ids = set()
    async def handle_DATA(self, server, session, envelope):
        Count.n += 1
        for line in envelope.original_content.split(b"\\r\\n"):
            if line.lower().startswith(b"message-id:"):
                Count.ids.add(line)
                break
            if not line:
                break
        return "250 OK"
controller = Controller(Count(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
print(Count.n, len(Count.ids), flush=True)
"""


def fresh_database(url: str) -> Database:
    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    db.dispose()
    migrate.upgrade(url)
    return Database(url)


def populate(db: Database, people: int) -> tuple[int, list[notify.Addressee]]:
    """The organisation, its departments and one resident with e-mail per tenancy (bulk inserts)."""
    with db.transaction() as s:
        org = Organisation(name="Boligselskabet Stor", short_name="stor", rules={})
        s.add(org)
        s.flush()
        departments = s.scalars(
            insert(Department).returning(Department.id),
            [
                {"organisation_id": org.id, "number": f"{d:03d}", "name": f"Afdeling {d}"}
                for d in range(DEPARTMENTS)
            ],
        ).all()
        tenancies = s.scalars(
            insert(Tenancy).returning(Tenancy.id, sort_by_parameter_order=True),
            [
                {
                    "department_id": departments[i % DEPARTMENTS],
                    "number": f"{i:06d}",
                    "address": f"Storvej {i // 8 + 1}",
                    "unit": f"{i % 8 // 2}. {'tv' if i % 2 else 'th'}.",
                    "postcode": "2650",
                    "city": "Hvidovre",
                }
                for i in range(people)
            ],
        ).all()
        persons = s.scalars(
            insert(Person).returning(Person.id, sort_by_parameter_order=True),
            [
                {
                    "organisation_id": org.id,
                    "name": f"Beboer {i}",
                    "email": f"beboer{i}@example.dk",
                    "language": "en" if i % 20 == 0 else "da",
                }
                for i in range(people)
            ],
        ).all()
        s.execute(
            insert(Residency),
            [
                {"person_id": p, "tenancy_id": t, "start_date": date(2020, 1, 1)}
                for p, t in zip(persons, tenancies, strict=True)
            ],
        )
        org_id = org.id
    return org_id, [notify.Addressee(p, t) for p, t in zip(persons, tenancies, strict=True)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=4, help="threads per worker process (default 4)")
    args = parser.parse_args()
    url = os.environ.get("BOARDKIT_BENCH_POSTGRES_URL", "")
    if not url:  # `make bench` runs every benchmark: say what was not measured, and go on
        print("not measured: set BOARDKIT_BENCH_POSTGRES_URL (a PostgreSQL database the benchmark may empty)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        db = fresh_database(url)
        t0 = time.perf_counter()
        org_id, addressees = populate(db, args.people)
        populated = time.perf_counter() - t0
        settings = Settings(data_dir=Path(tmp), secret_key=SECRET, base_url="https://boardkit.example.dk")
        compose(db, settings)  # core.notify's directory and paper channel
        t0 = time.perf_counter()
        with db.transaction() as s:
            notify.send_notice(
                s,
                organisation_id=org_id,
                addressees=addressees,
                kind="notice",
                subject="Varsel om vandafbrydelse i hele boligselskabet",
                body="Vandet lukkes tirsdag kl. 9-12 i alle afdelinger.\n\nLæs mere på boardkit.",
                link_path="/notices",
                statutory=True,
                settings=settings,
            )
        queued = time.perf_counter() - t0
        with db.transaction() as s:
            expected = s.scalar(select(func.count(OutboxEmail.id)))
        assert expected == args.people, (expected, args.people)

        port = free_port()
        sink = subprocess.Popen(
            [sys.executable, "-c", SMTP_SINK, str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        env = {
            **os.environ,
            "BOARDKIT_DATABASE_URL": url,
            "BOARDKIT_SMTP_URL": f"smtp://127.0.0.1:{port}",
            "BOARDKIT_DATA_DIR": tmp,
            "BOARDKIT_SECRET_KEY": SECRET,
            "BOARDKIT_DB_POOL_SIZE": "4",
        }
        workers: list[subprocess.Popen[bytes]] = []
        try:
            assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
            started = time.perf_counter()
            cpu_before = os.times()
            workers = [
                subprocess.Popen(
                    [sys.executable, "-m", "boardkit", "worker", "--threads", str(args.threads)],
                    env=env,
                    cwd=tmp,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for _ in range(WORKERS)
            ]
            sent = 0
            while sent < expected and time.perf_counter() - started < 3 * BUDGET_S:
                time.sleep(2.0)  # look rarely: the workers should have the machine
                with db.transaction(readonly=True) as s:
                    sent = s.scalar(select(func.count(OutboxEmail.id)).where(OutboxEmail.status == "sent"))
            delivered = time.perf_counter() - started
            with db.transaction(readonly=True) as s:
                first, last = s.execute(
                    select(func.min(OutboxEmail.sent_at), func.max(OutboxEmail.sent_at))
                ).one()
                statuses = dict(
                    s.execute(select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)).all()
                )
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(30)
            received, _err = sink.communicate("", timeout=60)
        cpu = os.times()
        db.dispose()
    children_cpu = (cpu.children_user + cpu.children_system) - (
        cpu_before.children_user + cpu_before.children_system
    )
    accepted, distinct = (int(n) for n in received.split())
    rate = sent / max((last - first).total_seconds(), 1e-9)
    print(
        f"organisation-wide notice to {args.people:,} people on PostgreSQL with {WORKERS} workers "
        f"of {args.threads} threads: "
        f"populated in {populated:.1f} s, rendered and queued in {queued:.1f} s, "
        f"delivered in {delivered:.1f} s from the workers' start [budget {BUDGET_S:.0f} s] "
        f"({rate:.0f} messages/s from first to last); SMTP accepted {accepted:,} ({distinct:,} distinct); "
        f"outbox {statuses}; CPU of workers and sink {children_cpu:.0f} s; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    ok = accepted == distinct == expected == sent and delivered < BUDGET_S * args.people / 100_000
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
