"""Invitations for 1,000 households (< 5 s), delivery to a local SMTP server (100+ messages/s),
and a personal calendar feed with 500 meetings (< 100 ms).

Generates a department of 1,000 households (about 1,900 adults; ~70% reachable by e-mail, the
rest on paper, SMS without e-mail or asked for paper) in a fresh, migrated SQLite database,
then times ``send_invitations`` for an ordinary department meeting including the commit (every
e-mail rendered with its calendar invite and queued, every paper letter put in the print batch).
The real job worker then delivers the queue to a local aiosmtpd server. Finally a person on a
board with 500 meetings (five agenda items each) fetches ``/calendar/{token}.ics``.
"""

from __future__ import annotations

import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench_notice_delivery import SMTP_SINK  # in a process of its own: in-process it would fight for the GIL
from sqlalchemy import func, select
from starlette.testclient import TestClient

from boardkit import migrate
from boardkit.app import build_runner, create_app
from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.core.jobs import Worker
from boardkit.core.models import OutboxEmail
from boardkit.meetings import feeds, service
from boardkit.meetings.invitations import service as invitations
from boardkit.meetings.models import AgendaItem, Meeting
from boardkit.meetings.service import MeetingInput
from boardkit.org import service as org_service
from boardkit.org.models import (
    Board,
    Department,
    Membership,
    Organisation,
    Person,
    Residency,
    StaffRole,
    Tenancy,
)

HOUSEHOLDS = 1_000
FEED_MEETINGS = 500
BUDGET_SEND_S = 5.0
BUDGET_RATE = 100.0
BUDGET_FEED_MS = 100.0
START = date(2024, 1, 1)
AGENDA = ("Godkendelse af dagsorden", "Referat", "Økonomi", "Byggesager", "Eventuelt")
FIRST = [
    "Anne",
    "Bent",
    "Birgit",
    "Søren",
    "Åse",
    "Ørjan",
    "Mette",
    "Jørgen",
    "Ayşe",
    "Łukasz",
    "Nguyễn",
    "Fatima",
    "Mads",
    "Ida",
    "Lærke",
]
LAST = [
    "Jensen",
    "Nielsen",
    "Hansen",
    "Ødegård",
    "Bækgaard",
    "Şahin",
    "Kowalska",
    "Frølund",
    "Møller",
    "Dæhli",
    "Ærø",
    "Holm",
]


def populate(db: Database, rng: random.Random) -> tuple[int, int]:
    """The organisation, a 1,000-household department and its board; returns (admin id, board id)."""
    with db.transaction() as s:
        org = Organisation(name="Boligselskabet Bench", short_name="bench", rules={})
        s.add(org)
        s.flush()
        dept = Department(organisation_id=org.id, number="900", name="Storparken")
        admin = Person(name="Kundechef Karen", email="admin@bench.dk")
        s.add_all([dept, admin])
        s.flush()
        s.add(StaffRole(person_id=admin.id, organisation_id=org.id, role="account_manager"))
        board = Board(
            organisation_id=org.id, department_id=dept.id, kind="department_board", name="AB Storparken"
        )
        s.add(board)
        s.flush()
        n = 0
        for h in range(HOUSEHOLDS):
            tenancy = Tenancy(
                department_id=dept.id,
                number=f"900-{h:05d}",
                address=f"Storparken {h // 8 + 1}",
                unit=f"{h % 8 // 2}. {'tv' if h % 2 else 'th'}.",
                postcode="2650",
                city="Hvidovre",
                paper=rng.random() < 0.04,
            )
            s.add(tenancy)
            s.flush()
            for _ in range(rng.choices((1, 2, 3), weights=(40, 48, 12))[0]):
                n += 1
                roll = rng.random()
                person = Person(
                    name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    email=f"beboer{n}@example.dk" if roll >= 0.3 else None,
                    phone="+45 20 00 00 00" if 0.1 <= roll < 0.2 else "",
                    preferred_channel="sms" if 0.1 <= roll < 0.2 else ("paper" if roll < 0.06 else "email"),
                    paper=roll < 0.06,
                    language="en" if rng.random() < 0.05 else "da",
                )
                s.add(person)
                s.flush()
                s.add(Residency(person_id=person.id, tenancy_id=tenancy.id, start_date=date(2020, 1, 1)))
                if h == 0 and n == 1:
                    s.add(
                        Membership(
                            board_id=board.id, person_id=person.id, role="chair", start_date=date(2024, 1, 1)
                        )
                    )
        return admin.id, board.id


def send(db: Database, settings: Settings, admin_id: int, board_id: int) -> tuple[float, dict[str, int]]:
    starts = datetime.now(UTC) + timedelta(days=40)
    data = MeetingInput(
        title="Ordinært afdelingsmøde",
        kind="ordinary_department",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        location="Fælleshuset, Storparken 1",
        room="Store sal",
    )
    with db.transaction() as s:
        principal = org_service.build_principal(s, person_id=admin_id)
        meeting_id = service.create_meeting(
            s, principal=principal, actor_id=admin_id, board_id=board_id, data=data
        ).id
    t0 = time.perf_counter()
    with db.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        sent = invitations.send_invitations(s, meeting=meeting, settings=settings)
    return time.perf_counter() - t0, sent.as_dict()


def deliver(db: Database, settings: Settings, expected: int) -> tuple[float, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-c", SMTP_SINK, str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        worker = Worker(
            build_runner(db, settings.with_(smtp_url=f"smtp://127.0.0.1:{port}")), poll_seconds=0.2
        )
        started = datetime.now(UTC)
        worker.start()
        sent, last = 0, started
        while sent < expected and (datetime.now(UTC) - started).total_seconds() < 120:
            time.sleep(0.5)  # look rarely: the worker should have the machine to itself
            with db.transaction(readonly=True) as s:
                sent, last = s.execute(
                    select(func.count(OutboxEmail.id), func.max(OutboxEmail.sent_at)).where(
                        OutboxEmail.status == "sent"
                    )
                ).one()
        worker.stop()
        elapsed = (last - started).total_seconds()  # to the last message's delivery
        received, _err = server.communicate("", timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    accepted, distinct = (int(n) for n in received.split())  # messages, distinct Message-IDs
    assert accepted == distinct == expected == sent, (received, expected, sent)
    return elapsed, sent


def feed_times(db: Database, settings: Settings) -> list[float]:
    with db.transaction() as s:
        org_id = s.scalar(select(Organisation.id))
        person = Person(name="Søren Ødegård", email="feed@bench.dk")
        board = Board(organisation_id=org_id, kind="organisation_board", name="Organisationsbestyrelsen")
        s.add_all([person, board])
        s.flush()
        s.add(Membership(board_id=board.id, person_id=person.id, role="member", start_date=date(2024, 1, 1)))
        now = datetime.now(UTC)
        meetings = []
        for k in range(FEED_MEETINGS):
            start = now + timedelta(days=k - 200, hours=k % 5)
            meetings.append(
                Meeting(
                    board_id=board.id,
                    kind="board",
                    title=f"Bestyrelsesmøde nr. {k}",
                    starts_at=start,
                    ends_at=start + timedelta(hours=2),
                    location="Fællesbos kontor, Hvidovrevej 120",
                    uid=f"bench-{k}@bench.dk",
                )
            )
        s.add_all(meetings)
        s.flush()
        for m in meetings:
            for pos, title in enumerate(
                ("Godkendelse af dagsorden", "Referat", "Økonomi", "Byggesager", "Eventuelt")
            ):
                s.add(AgendaItem(meeting_id=m.id, position=pos + 1, title=title))
        s.flush()
        token = feeds.feed_token(s, secret_key=settings.secret_key, person_id=person.id)
    app = create_app(settings, db=db, start_worker=False)
    times = []
    with TestClient(app) as client:
        for i in range(40):
            t0 = time.perf_counter()
            r = client.get(f"/calendar/{token}.ics")
            if i == 0:
                print(f"(feed, first request in this process: {(time.perf_counter() - t0) * 1000:.1f} ms)")
            if i >= 5:  # the first few warm up connections and the per-version event cache
                times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200 and r.text.count("BEGIN:VEVENT") == FEED_MEETINGS, r.status_code
    return times


def main() -> int:
    rng = random.Random(3)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        migrate.upgrade(url)
        db = Database(url)
        settings = Settings(
            data_dir=Path(tmp), database_url=url, secret_key="bench", base_url="https://boardkit.example.dk"
        )
        admin_id, board_id = populate(db, rng)
        seconds, sent = send(db, settings, admin_id, board_id)
        elapsed, delivered = deliver(db, settings, sent["queued"])
        times = sorted(feed_times(db, settings))
        db.dispose()
    rate = delivered / elapsed
    p50, p95 = statistics.median(times), times[int(len(times) * 0.95) - 1]
    print(
        f"invitations, {HOUSEHOLDS} households: {sent['queued']} e-mails + {sent['paper']} letters "
        f"rendered and queued in {seconds:.2f} s (budget < {BUDGET_SEND_S:.0f} s)"
    )
    print(
        f"delivery to local SMTP by the worker: {delivered} messages in {elapsed:.1f} s = {rate:.0f}/s "
        f"(budget {BUDGET_RATE:.0f}+/s)"
    )
    print(
        f"calendar feed, {FEED_MEETINGS} meetings: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
        f"(budget < {BUDGET_FEED_MS:.0f} ms)"
    )
    ok = seconds < BUDGET_SEND_S and rate >= BUDGET_RATE and p95 < BUDGET_FEED_MS
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
