"""10,000 households voting in the last hour of a digital vote: ``POST /api/v1/ballots`` at a
steady 200 requests/s on PostgreSQL for 60 s, against real ``boardkit serve`` processes (two by
default, ``--processes``; the in-process worker off: on PostgreSQL the jobs live in the database, so
several app processes may serve one database), with no lost or double-counted unit.

The database (``BOARDKIT_BENCH_DEMOCRACY_URL``, made empty first) is migrated and filled in bulk:
one organisation, one department of 10,000 tenancies and about 15,000 adult residents (5,500
households of one adult, 4,000 of two, 500 of three), a department meeting held an hour ago whose
roll (``roll.make_roll``) and recorded end and decision to vote digitally are in place, one
proposal open for digital voting until an hour from now, and an API token for every voter; then
ANALYZE, as after any bulk load (the benchmark's server may run without autovacuum, and a roll
that size is analysed long before its vote in production).

Each server process listens on its own port and the client spreads its keep-alive connections
over them evenly, as a load balancer in front of them would.

Before the measured run, ballots are sent at the full rate for a few seconds by other households'
first voters (their units count in the database check), so the servers are warm — their database
connections open, their statements prepared — as they are an hour into a vote.

The load is open-loop (a request is sent at its planned instant whether or not earlier ones have
answered; latency counts from that instant): every request is a different voter. Most are the
first voter of a household; some are the second adult of a household that has voted (201, its
second unit); every three-adult household sends all three, and the third is refused (409
``units_used``). A bare Starlette page is loaded at the same rate in the same run for comparison.

Afterwards the database must agree with the answers: the units used on the question, the stored
ballots, the participation register's units and the 201 answers are one number, no household has
used more than its 2 units, and every three-adult household got exactly one 409.

Budget (issue 18): 200 ballots/s sustained, p99 < 300 ms, no lost or double-counted unit.

    .venv/bin/python bench/bench_democracy.py [--rate 200] [--seconds 60] [--households 10000] [--processes 2]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench_throughput import BARE_APP, free_port, wait_until_up
from sqlalchemy import create_engine, func, insert, make_url, select, text

BIN = Path(sys.executable).parent
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/boardkit_bench_democracy"
BUDGET_RATE = 200.0
BUDGET_P99_MS = 300.0
# Households by their number of adults (per 10,000): about 15,000 adults in all.
SIZES = ((1, 5_500), (2, 4_000), (3, 500))
CHOICES = ("yes", "no", "blank")
# Ballots sent at the full rate before the measured run (first voters outside the plan): the
# servers' pools, threads and prepared statements are warm, as an hour into a vote.
WARM_SECONDS = 5.0


@dataclass
class Plan:
    """The requests in the order they are sent: (token, kind) with kind first|second|third."""

    requests: list[tuple[str, str]] = field(default_factory=list)
    warm: list[tuple[str, str]] = field(default_factory=list)  # first voters outside the plan
    question_id: int = 0
    households: int = 0
    adults: int = 0


def reset_database(explicit: str) -> str:
    """The benchmark database, dropped and made again; "" when no PostgreSQL answers."""
    url = make_url(explicit or PG_DEFAULT)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    except Exception as exc:  # no server here
        print(f"(PostgreSQL not reachable: {type(exc).__name__}: {exc})")
        return ""
    finally:
        admin.dispose()
    return url.render_as_string(hide_password=False)


def populate(url: str, *, households: int, seconds: float, rate: float, rng: random.Random) -> Plan:
    """Build the organisation, the department, its roll, the open question and the voters' tokens
    (bulk inserts), and plan the requests."""
    import boardkit.schema  # noqa: F401  (every table, so foreign keys resolve)
    from boardkit import migrate
    from boardkit.core.auth import API_TOKEN_PREFIX
    from boardkit.core.db import Database
    from boardkit.core.models import ApiToken
    from boardkit.democracy import ballots, roll
    from boardkit.democracy.models import Question, RollHousehold, RollVoter
    from boardkit.meetings.models import Meeting
    from boardkit.org.models import Board, Department, Organisation, Person, Residency, Tenancy

    migrate.upgrade(url)
    db = Database(url)
    now = datetime.now(UTC).replace(microsecond=0)
    ended = now - timedelta(hours=1)
    plan = Plan(households=households)
    with db.transaction() as s:
        org = Organisation(name="Boligselskabet Bench", short_name="bench", rules={})
        s.add(org)
        s.flush()
        dept = Department(organisation_id=org.id, number="900", name="Storparken")
        s.add(dept)
        s.flush()
        board = Board(
            organisation_id=org.id, department_id=dept.id, kind="department_board", name="AB Storparken"
        )
        s.add(board)
        s.flush()
        meeting = Meeting(
            board_id=board.id,
            department_id=dept.id,
            kind="ordinary_department",
            title="Ordinært afdelingsmøde",
            starts_at=ended - timedelta(hours=2),
            ends_at=ended,
            status="held",
        )
        s.add(meeting)
        s.flush()
        tenancy_ids = list(
            s.scalars(
                insert(Tenancy).returning(Tenancy.id, sort_by_parameter_order=True),
                [
                    {
                        "department_id": dept.id,
                        "number": f"900-{h:05d}",
                        "address": f"Storparken {h // 8 + 1}",
                        "unit": f"{h % 8 // 2}. {'tv' if h % 2 else 'th'}.",
                        "postcode": "2650",
                        "city": "Hvidovre",
                        "paper": False,
                    }
                    for h in range(households)
                ],
            )
        )
        sizes = [n for n, per in SIZES for _ in range(per * households // 10_000)]
        sizes += [1] * (households - len(sizes))
        rng.shuffle(sizes)
        people = [
            {"organisation_id": org.id, "name": f"Beboer {h}-{k}", "email": f"v{h}-{k}@bench.boardkit.dk"}
            for h, n in enumerate(sizes)
            for k in range(n)
        ]
        person_ids = list(
            s.scalars(insert(Person).returning(Person.id, sort_by_parameter_order=True), people)
        )
        plan.adults = len(person_ids)
        residencies, by_household, i = [], [], 0
        for h, n in enumerate(sizes):
            members = person_ids[i : i + n]
            i += n
            by_household.append(members)
            for k, pid in enumerate(members):
                residencies.append(
                    {
                        "person_id": pid,
                        "tenancy_id": tenancy_ids[h],
                        "role": "tenant" if k == 0 else "household_member",
                        "adult": True,
                    }
                )
        s.execute(insert(Residency), residencies)
        the_roll = roll.make_roll(
            s,
            organisation_id=org.id,
            department_id=dept.id,
            reference_date=(ended - timedelta(days=28)).date(),
            meeting_id=meeting.id,
        )
        the_roll.ended_at = ended
        the_roll.digital_decided_at = ended - timedelta(minutes=30)
        the_roll.digital_decision_text = "Forslag 1 sendes til digital afstemning."
        question = Question(
            organisation_id=org.id,
            department_id=dept.id,
            roll_id=the_roll.id,
            meeting_id=meeting.id,
            kind="proposal",
            text="Forslag 1: Altaner på alle boliger",
            method="written",
            options=[
                {"key": "yes", "label": "Ja"},
                {"key": "no", "label": "Nej"},
                {"key": "blank", "label": "Blank"},
            ],
            status="open",
            counted_at=ended - timedelta(minutes=20),
            opens_at=ended,
            closes_at=now + timedelta(hours=1),
        )
        s.add(question)
        s.flush()
        ballots.ensure_units(s, question)
        plan.question_id = question.id
        on_roll = s.scalar(
            select(func.count(RollVoter.id))
            .join(RollHousehold, RollHousehold.id == RollVoter.household_id)
            .where(RollHousehold.roll_id == the_roll.id)
        )
        assert on_roll == plan.adults, (on_roll, plan.adults)
        secrets_by_person: dict[int, str] = {}
        tokens = []
        for pid in person_ids:
            secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
            secrets_by_person[pid] = secret
            tokens.append(
                {
                    "person_id": pid,
                    "name": "bench",
                    "prefix": secret[:10],
                    "token_hash": hashlib.sha256(secret.encode()).hexdigest(),
                }
            )
        s.execute(insert(ApiToken), tokens)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    db.dispose()
    plan.requests, plan.warm = plan_requests(
        by_household, secrets_by_person, int(seconds * rate), rng, warm=int(WARM_SECONDS * rate)
    )
    return plan


def plan_requests(
    by_household: list[list[int]], token_of: dict[int, str], total: int, rng: random.Random, warm: int = 20
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``total`` requests, each by a different voter: every three-adult household sends all three
    (the third refused), half the two-adult households both adults, the rest first voters; a
    household's later voters come after its first, the whole shuffled. Plus ``warm`` first voters
    of other households for the warm-up."""
    triples = [h for h in by_household if len(h) == 3][: total // 24]
    pairs = [h for h in by_household if len(h) == 2]
    singles = [h for h in by_household if len(h) == 1]
    rng.shuffle(pairs)
    groups: list[list[int]] = list(triples)
    budget = total - 3 * len(triples)
    both = pairs[: max(0, min(len(pairs) // 2, budget // 4))]
    groups += both
    budget -= 2 * len(both)
    rest = [h[:1] for h in pairs[len(both) :] + singles]
    rng.shuffle(rest)
    groups += rest[: max(0, budget)]
    warm_up = [(token_of[h[0]], "warm") for h in rest[max(0, budget) : max(0, budget) + warm]]
    # Place each household's voters at random slots, in order: first, second, third.
    slots = list(range(sum(len(g) for g in groups)))
    rng.shuffle(slots)
    placed: list[tuple[int, str, str]] = []
    k = 0
    for g in groups:
        mine = sorted(slots[k : k + len(g)])
        k += len(g)
        for slot, pid, kind in zip(mine, g, ("first", "second", "third"), strict=False):
            placed.append((slot, token_of[pid], kind))
    placed.sort()
    return [(token, kind) for _slot, token, kind in placed], warm_up


@dataclass
class Sample:
    kind: str
    status: int
    seconds: float  # from the planned instant to the answer
    code: str = ""
    at: float = 0.0  # the planned instant, from the run's start


def http_request(method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    """One HTTP/1.1 request, encoded once before the run (keep-alive)."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body or method == "POST":
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body and whether the server keeps the connection open."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers = {}
    for line in header_lines:
        if ":" in line:
            name, _sep, value = line.partition(":")
            headers[name.strip().lower()] = value.strip().lower()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        chunks = []
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        await reader.readuntil(b"\r\n")
        body = b"".join(chunks)
    else:
        body = await reader.read()
    return status, body, headers.get("connection") != "close"


async def open_loop(
    port: int | list[int], requests: list[tuple[bytes, str]], rate: float, connections: int = 64
) -> tuple[list[Sample], float]:
    """Send request i at t0 + i / rate whether or not earlier ones have answered; the latency of
    each counts from its planned instant (so a server falling behind shows, also when every
    connection is busy and a request waits in this client). A small raw HTTP/1.1 client over
    ``connections`` keep-alive connections: httpx costs too much CPU per request to keep 200/s on
    a 2-core machine beside the server and the database. Several ``port``s: the connections are
    spread over them evenly (one server process each)."""
    ports = port if isinstance(port, list) else [port]
    queue: asyncio.Queue[tuple[float, bytes, str] | None] = asyncio.Queue()
    samples: list[Sample] = []
    t0 = time.perf_counter() + 0.1

    async def feed() -> None:
        for i, (raw, kind) in enumerate(requests):
            planned = t0 + i / rate
            if (wait := planned - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            queue.put_nowait((planned, raw, kind))
        for _ in range(connections):
            queue.put_nowait(None)

    async def connection(port: int) -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        while (item := await queue.get()) is not None:
            planned, raw, kind = item
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                assert reader is not None
                writer.write(raw)
                await writer.drain()
                status, body, keep = await asyncio.wait_for(read_response(reader), 60)
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
                samples.append(
                    Sample(kind, 0, time.perf_counter() - planned, type(exc).__name__, planned - t0)
                )
                if writer is not None:
                    writer.close()
                reader = writer = None
                continue
            code = ""
            if status >= 400:
                try:
                    code = str(json.loads(body)["error"]["code"])
                except (ValueError, KeyError, TypeError):
                    code = body[:80].decode(errors="replace")
            samples.append(Sample(kind, status, time.perf_counter() - planned, code, planned - t0))
            if not keep:
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    await asyncio.gather(feed(), *(connection(ports[i % len(ports)]) for i in range(connections)))
    return samples, time.perf_counter() - t0


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def check_database(url: str, question_id: int) -> dict[str, int]:
    """What the database says after the run."""
    from boardkit.democracy.models import Ballot, HouseholdUnits, Participation

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            used = conn.scalar(
                select(func.coalesce(func.sum(HouseholdUnits.used), 0)).where(
                    HouseholdUnits.question_id == question_id
                )
            )
            over = conn.scalar(
                select(func.count())
                .select_from(HouseholdUnits)
                .where(
                    HouseholdUnits.question_id == question_id,
                    (HouseholdUnits.used > 2) | (HouseholdUnits.used > HouseholdUnits.units),
                )
            )
            ballots = conn.scalar(
                select(func.count()).select_from(Ballot).where(Ballot.question_id == question_id)
            )
            participation = conn.scalar(
                select(func.coalesce(func.sum(Participation.units), 0)).where(
                    Participation.question_id == question_id
                )
            )
            rows = conn.scalar(
                select(func.count())
                .select_from(Participation)
                .where(Participation.question_id == question_id)
            )
    finally:
        engine.dispose()
    return {
        "units_used": int(used or 0),
        "ballots": int(ballots or 0),
        "participation_units": int(participation or 0),
        "participation_rows": int(rows or 0),
        "households_over_2": int(over or 0),
    }


def start(cmd: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:  # the child keeps its own copy of the file
        return subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


def cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) a process has used so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_pids(url: str) -> list[int]:
    """The PostgreSQL backends connected to the benchmark's database (the server's pool)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            return [int(r[0]) for r in rows]
    finally:
        engine.dispose()


def report(label: str, samples: list[Sample], elapsed: float) -> dict[str, float]:
    times = [s.seconds for s in samples if s.status]
    answered = sum(1 for s in samples if s.status)
    figures = {
        "rps": answered / elapsed if elapsed else 0.0,
        "p50": pct(times, 50),
        "p95": pct(times, 95),
        "p99": pct(times, 99),
        "max": max(times, default=0.0) * 1000,
    }
    statuses = dict(sorted(Counter(s.status for s in samples).items()))
    print(
        f"{label:<28}{len(samples):>7}{figures['rps']:>9.1f}{figures['p50']:>9.1f}{figures['p95']:>9.1f}"
        f"{figures['p99']:>9.1f}{figures['max']:>9.1f}  {statuses}"
    )
    return figures


def slow_windows(samples: list[Sample], width: float = 2.0, show: int = 5) -> None:
    """The slowest windows of the run by their p99 (where a tail comes from: the start, a pause)."""
    windows: dict[int, list[float]] = {}
    for s in samples:
        windows.setdefault(int(s.at // width), []).append(s.seconds)
    worst = sorted(windows.items(), key=lambda kv: -pct(kv[1], 99))[:show]
    print(
        f"slowest {width:g} s windows (start s: p99 / max ms): "
        + ", ".join(f"{k * width:g}: {pct(v, 99):.0f} / {max(v) * 1000:.0f}" for k, v in worst)
    )


def run(
    url: str, *, rate: float, seconds: float, households: int, bare_seconds: float, processes: int
) -> bool:
    rng = random.Random(18)
    started = time.perf_counter()
    plan = populate(url, households=households, seconds=seconds, rate=rate, rng=rng)
    print(
        f"built in {time.perf_counter() - started:.1f} s: {plan.households} households, {plan.adults} adults "
        f"on the roll, question {plan.question_id} open; {len(plan.requests)} requests planned "
        f"({dict(Counter(kind for _t, kind in plan.requests))})"
    )
    tmp = Path(tempfile.mkdtemp(prefix="bk-democracy-"))
    ports, bare_port = [free_port() for _ in range(processes)], free_port()
    env = {
        **os.environ,
        "BOARDKIT_DATA_DIR": str(tmp / "data"),
        "BOARDKIT_DATABASE_URL": url,
        "BOARDKIT_SECRET_KEY": "bench",
        "BOARDKIT_INPROCESS_WORKER": "0",
        "PYTHONWARNINGS": "ignore",
    }
    (tmp / "bare.py").write_text(BARE_APP)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for n, port in enumerate(ports):
            serve_env = {**env, "BOARDKIT_PORT": str(port)}
            procs.append(start([str(BIN / "boardkit"), "serve"], serve_env, tmp, tmp / f"serve{n}.log"))
            if n == 0:  # the first one migrates (nothing to do) before the others start
                wait_until_up(f"http://127.0.0.1:{port}/login", procs[0])
        servers = procs[:]
        bare_cmd = [sys.executable, "-m", "uvicorn", "bare:app", "--port", str(bare_port)]
        procs.append(
            start([*bare_cmd, "--log-level", "warning", "--no-access-log"], env, tmp, tmp / "bare.log")
        )
        bare = f"http://127.0.0.1:{bare_port}"
        checks = [
            (p, f"http://127.0.0.1:{port}/login", f"serve{n}.log")
            for n, (p, port) in enumerate(zip(servers, ports, strict=True))
        ]
        for proc, url_up, log in (*checks, (procs[-1], bare + "/", "bare.log")):
            try:
                wait_until_up(url_up, proc)
            except SystemExit:
                print((tmp / log).read_text(errors="replace")[-3000:])
                raise
        rng = random.Random(1918)

        def ballot(token: str) -> bytes:
            body = json.dumps({"question_id": plan.question_id, "choice": rng.choice(CHOICES)}).encode()
            return http_request("POST", "/api/v1/ballots", body, {"Authorization": f"Bearer {token}"})

        page = http_request("GET", "/")
        # Warm up: the bare page, then WARM_SECONDS of ballots at the full rate by first voters of
        # households outside the plan (their units count in the database check like any other).
        asyncio.run(open_loop(bare_port, [(page, "warm")] * 200, 100.0))
        warm_samples, _ = asyncio.run(open_loop(ports, [(ballot(t), k) for t, k in plan.warm], rate))
        warm_created = sum(1 for s in warm_samples if s.status == 201)
        if any(s.status not in (201, 409) for s in warm_samples):
            print("warm-up answers:", Counter((s.status, s.code) for s in warm_samples))
        bare_plan = [(page, "bare")] * int(bare_seconds * rate)
        bare_samples, bare_elapsed = asyncio.run(open_loop(bare_port, bare_plan, rate))
        load = [(ballot(token), kind) for token, kind in plan.requests]
        # CPU per ballot: the server processes, their PostgreSQL backends, this client.
        backends = backend_pids(url) if sys.platform == "linux" else []
        before = {pid: cpu_seconds(pid) for pid in [*(p.pid for p in servers), *backends]}
        client_before = time.process_time()
        samples, elapsed = asyncio.run(open_loop(ports, load, rate))
        client_cpu = time.process_time() - client_before
        backends = sorted(set(backends) | set(backend_pids(url)))
        server_cpus = [cpu_seconds(p.pid) - before[p.pid] for p in servers]
        server_cpu = sum(server_cpus)
        pg_cpu = sum(cpu_seconds(pid) - before.get(pid, 0.0) for pid in backends)
        server_log = "\n".join(
            (tmp / f"serve{n}.log").read_text(errors="replace") for n in range(len(servers))
        )
    finally:
        stop(procs)
        shutil.rmtree(tmp, ignore_errors=True)

    print(
        f"-- PostgreSQL, open loop at {rate:g} requests/s, {processes} server process"
        f"{'es' if processes != 1 else ''} (boardkit serve, one port each), worker off"
    )
    print(
        f"{'target':<28}{'sent':>7}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}  status"
    )
    report(f"bare Starlette ({bare_seconds:g} s)", bare_samples, bare_elapsed)
    got = report(f"POST /api/v1/ballots ({seconds:g} s)", samples, elapsed)
    for kind in ("first", "second", "third"):
        mine = [s for s in samples if s.kind == kind]
        if mine:
            report(f"  {kind} voter of a household", mine, elapsed)
    slow_windows(samples)
    created = sum(1 for s in samples if s.status == 201) + warm_created
    refused = [s for s in samples if s.status == 409]
    third = [s for s in samples if s.kind == "third"]
    unexpected = Counter((s.status, s.code) for s in samples if s.status not in (201, 409))
    wrong_409 = Counter(s.code for s in refused if s.code != "units_used")
    db = check_database(url, plan.question_id)
    n = max(1, len(samples))
    print(
        f"CPU per request: server {server_cpu / n * 1000:.1f} ms ({processes} process"
        f"{'es' if processes != 1 else ''}: "
        + ", ".join(f"{c / n * 1000:.1f}" for c in server_cpus)
        + f" ms), PostgreSQL backends {pg_cpu / n * 1000:.1f} ms, "
        f"this client {client_cpu / n * 1000:.1f} ms (one server process can answer at most "
        f"~{n / server_cpu if server_cpu else float('inf'):.0f} requests/s on a core of its own)"
    )
    print(
        f"database: units used {db['units_used']}, ballots {db['ballots']}, participation units "
        f"{db['participation_units']} ({db['participation_rows']} rows), 201 answers {created}; "
        f"households over 2 units: {db['households_over_2']}"
    )
    consistent = db["units_used"] == db["ballots"] == db["participation_units"] == created
    refusals_right = len(refused) == len(third) and not wrong_409
    print(
        f"409 answers {len(refused)} (three-adult households {len(third)}; "
        f"codes {dict(Counter(s.code for s in refused))})"
    )
    if unexpected:
        print(f"unexpected answers: {dict(unexpected)}")
    errors = [line for line in server_log.splitlines() if " ERROR " in line or "Traceback" in line]
    if errors:
        print("server log errors:", *errors[:10], sep="\n  ")
    sustained = got["rps"] >= rate * 0.98
    fast = got["p99"] < BUDGET_P99_MS
    ok = (
        sustained
        and fast
        and consistent
        and refusals_right
        and not unexpected
        and db["households_over_2"] == 0
    )
    print(
        f"budget: {BUDGET_RATE:g} ballots/s sustained, p99 < {BUDGET_P99_MS:g} ms, "
        "no lost or double-counted unit:",
        "met" if ok else "NOT MET",
        ""
        if ok
        else f"(rate {'ok' if sustained else 'short'}, p99 {'ok' if fast else 'over'}, "
        f"units {'ok' if consistent else 'DISAGREE'}, refusals {'ok' if refusals_right else 'WRONG'}, "
        f"unexpected {sum(unexpected.values())})",
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=BUDGET_RATE, help="requests per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--bare-seconds", type=float, default=10.0)
    parser.add_argument(
        "--processes", type=int, default=2, help="boardkit serve processes (one port each; default 2)"
    )
    args = parser.parse_args()
    url = reset_database(os.environ.get("BOARDKIT_BENCH_DEMOCRACY_URL", ""))
    if not url:
        print("PostgreSQL not measured: the budget is PostgreSQL's")
        return 0
    ok = run(
        url,
        rate=args.rate,
        seconds=args.seconds,
        households=args.households,
        bare_seconds=args.bare_seconds,
        processes=max(1, args.processes),
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
