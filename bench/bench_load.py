"""Load test at a large organisation's peak: many users at once against 2 app processes and 1 worker on
PostgreSQL (issue 19).

The demo organisation is loaded into PostgreSQL (``BOARDKIT_BENCH_POSTGRES_URL``, made empty) and
served by two ``boardkit serve`` processes (``BOARDKIT_INPROCESS_WORKER=0``) and one
``boardkit worker``; each process gets half of the users, as a reverse proxy would spread them.

The users (``--users``, default 200) are the demo's people with an e-mail address, each with a
session of their own (a person may be several users, as on a phone and a tablet):
- residents read their home page, their department's page, announced meetings, published minutes
  (PDF) and their notices;
- board members open their dashboard, meeting pages and `/api/v1/me`, and download packs;
- one user in ten also writes, every third request: residents submit proposals
  (`POST /api/v1/meetings/{id}/proposals`), board members upload a 3-megapixel receipt photo
  (`POST /api/v1/expense-claims/{id}/receipts`, a draft claim of their own).
Each user waits a random think time (``--think-ms``, mean; uniform from half to one and a half of it)
between requests. What each reads is found by crawling the pages as that person before the run,
keeping only links that answer 200 or a redirect, so any error under load is a real one.

Every user is a loop in one asyncio client (httpx, one connection pool per app process, idle
connections dropped after 3 s as a browser does); the report gives latency by kind of request and
the CPU of every process — the app processes, the worker, PostgreSQL's backends and the client
itself, which share the machine. Budget: no error, p99 < 500 ms over reads and writes alike.

After the run, the capacity of one app process for the read mix (wrk with a Lua script picking a
user and one of their pages per request: 16 connections, no think time) is measured next to a bare
Starlette page under the same uvicorn settings, one after the other.

    .venv/bin/python bench/bench_load.py [--seconds 60] [--users 200] [--think-ms 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from bench_democracy import backend_pids, cpu_seconds
from bench_throughput import BARE_APP, free_port, postgres_url, wait_for_idle_worker, wait_until_up

BIN = Path(sys.executable).parent
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/boardkit_bench_load"
BUDGET_P99_MS = 500.0
WRITERS = (1, 6)  # users 1 and 6 of every 20 write too (board members receipts, residents proposals)
CAPACITY_SECONDS = 15
CAPACITY_CONNECTIONS = 16

# One session per user and API tokens for the writers, made in the app's own way.
USERS_FOR = """
import json, sys
from sqlalchemy import select
from boardkit.config import load_settings
from boardkit.core import auth
from boardkit.core.db import Database, utcnow
from boardkit.org.models import Membership, Person, Residency

db = Database(load_settings().database_url)
now = utcnow()
with db.transaction() as s:
    members = set(s.scalars(select(Membership.person_id).where(
        Membership.starts_at <= now, (Membership.ends_at.is_(None)) | (Membership.ends_at > now))))
    residents = set(s.scalars(select(Residency.person_id).where(Residency.end_date.is_(None))))
    people = s.execute(
        select(Person.id, Person.email).where(Person.email.is_not(None)).order_by(Person.id)
    ).all()
    board = [(pid, email) for pid, email in people if pid in members]
    living = [(pid, email) for pid, email in people if pid in residents and pid not in members]
    out = []
    for n in range(int(sys.argv[1])):
        # About one user in six is a board member (a peak evening: boards meet, residents read).
        pool = board if n % 6 == 0 and board else living
        pid, email = pool[(n // 6 if pool is board else n) % len(pool)]
        out.append({
            "email": email,
            "board": pool is board,
            "session": auth.create_session(s, person_id=pid, days=1),
            "token": auth.create_api_token(s, person_id=pid, name="bench")[1],
        })
print(json.dumps(out))
"""

# The reads: each request a random user and one of their pages; think time between requests.
WRK_SCRIPT = r"""
local users = {}
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
  for line in io.lines(args[1]) do
    local cookie, paths = line:match("^([^\t]+)\t(.+)$")
    local list = {}
    for p in paths:gmatch("%S+") do list[#list + 1] = p end
    users[#users + 1] = {cookie = cookie, paths = list}
  end
end

function request()
  local u = users[math.random(#users)]
  return wrk.format("GET", u.paths[math.random(#u.paths)], {["Cookie"] = u.cookie})
end

failed = {}
function response(status, headers, body)
  if status >= 400 then failed[status] = (failed[status] or 0) + 1 end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_ms": %.2f, "p90_ms": %.2f, "p99_ms": %.2f, ' ..
    '"max_ms": %.2f, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, e.connect, e.read, e.write, e.status, e.timeout))
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("failed")) do io.write(string.format("STATUS %d %d\n", status, n)) end
  end
end
"""

LINK = re.compile(r'href="(/(?:departments|meetings|notifications|boards)/[^"#?]*)"')
WANTED = re.compile(
    r"^/(?:departments/\d+|meetings/\d+|meetings/\d+/minutes\.pdf|meetings/\d+/pack\.pdf|"
    r"notifications|boards/\d+/meetings)$"
)


@dataclass
class User:
    email: str
    board: bool
    session: str
    token: str
    pages: list[str] = field(default_factory=list)


def crawl(base: str, user: User, cache: dict[str, list[str]]) -> list[str]:
    """The pages this person opens: home, the links on it, and one level further (packs, minutes)."""
    if user.email in cache:
        return cache[user.email]
    with httpx.Client(base_url=base, cookies={"bk_session": user.session}, timeout=120) as client:
        seen: dict[str, int] = {}
        frontier = ["/", "/notifications"]
        for depth in range(3):
            found: list[str] = []
            for path in frontier:
                if path in seen or (depth == 2 and not path.endswith(".pdf")):
                    continue
                response = client.get(path)
                seen[path] = response.status_code
                if response.headers.get("content-type", "").startswith("text/html"):
                    found += [p for p in LINK.findall(response.text) if WANTED.match(p)]
            frontier = [p for p in dict.fromkeys(found) if p not in seen][:12]
        pages = [p for p, status in seen.items() if status < 400]
    # Weights: the home page and meeting pages often, files now and then.
    weighted = []
    for p in pages:
        weighted += [p] * (1 if p.endswith(".pdf") else 3 if p == "/" else 2)
    if user.board:
        weighted += ["/api/v1/me"] * 2
    cache[user.email] = weighted
    return weighted


def run_wrk(url: str, script: Path, data: Path, seconds: int, connections: int) -> dict[str, float]:
    """wrk with the read mix, no think time: requests/s, percentiles in ms, errors."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url]
    done = subprocess.run([*cmd, "--", str(data)], capture_output=True, text=True, check=True)
    match = re.search(r"^RESULT (\{.*\})$", done.stdout, re.M)
    if not match:
        raise SystemExit(f"wrk gave no result:\n{done.stdout}\n{done.stderr}")
    result: dict[str, float] = json.loads(match.group(1))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    return result


def receipt_photo() -> bytes:
    """A phone photo of a receipt as far as the server's work goes: 2000x1500 JPEG with texture."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (2000, 1500), "white")
    draw = ImageDraw.Draw(image)
    rng = random.Random(7)
    for y in range(40, 1460, 28):
        draw.line([(200, y), (200 + rng.randint(300, 1500), y)], fill=(rng.randint(0, 90),) * 3, width=6)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


@dataclass
class Tally:
    """Every request of the run: latency (ms) by kind of page or write, and what failed."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, ms: float, status: int | str) -> None:
        """``status``: the HTTP status, or the name of the error when no answer came."""
        self.latencies.setdefault(kind, []).append(ms)
        if isinstance(status, str) or status >= 400:
            key = f"{kind} {status}"
            self.errors[key] = self.errors.get(key, 0) + 1


def kind_of(path: str) -> str:
    return "GET " + re.sub(r"/\d+", "/{id}", path)


async def write_target(client: httpx.AsyncClient, bearer: dict[str, str], user: User) -> tuple[str, str]:
    """Where this user writes: a board member's draft claim, a meeting of the resident's that takes
    proposals now (("", "") when none does: the user only reads)."""
    if user.board:
        board_id = (await client.get("/api/v1/me", headers=bearer)).json()["boards"][0]["id"]
        query = {"board_id": board_id}
        accounts = (await client.get("/api/v1/expense-accounts", params=query, headers=bearer)).json()
        made = await client.post(
            "/api/v1/expense-claims",
            json={
                "board_id": board_id,
                "purpose": "Belastningstest",
                "account": accounts["items"][0]["code"],
            },
            headers=bearer,
        )
        made.raise_for_status()
        return f"/api/v1/expense-claims/{made.json()['id']}/receipts", "POST receipt photo"
    for meeting in (await client.get("/api/v1/meetings", headers=bearer)).json().get("items", []):
        target = f"/api/v1/meetings/{meeting['id']}/proposals"
        probe = await client.post(target, json={"title": "Prøve", "text": "Prøve"}, headers=bearer)
        if probe.status_code == 201:
            return target, "POST proposal"
    return "", ""


@dataclass
class Clients:
    """One connection pool per app process for all its users (each request carries its user's
    session or token), which keeps the load client's own CPU small."""

    browser: httpx.AsyncClient
    api: httpx.AsyncClient


async def user_loop(
    clients: Clients, user: User, writes: bool, deadline: float, think_ms: int, photo: bytes, tally: Tally
) -> None:
    """One user: think, open one of their pages (a writer: write instead, one time in three)."""
    cookie = {"Cookie": f"bk_session={user.session}"}
    bearer = {"Authorization": f"Bearer {user.token}"}
    target, kind = await write_target(clients.api, bearer, user) if writes else ("", "")
    n = 0
    # Start spread over one think time, as users do not all click at the same instant.
    await asyncio.sleep(random.uniform(0, think_ms) / 1000)
    while time.monotonic() < deadline:
        n += 1
        started = time.perf_counter()
        try:
            if target and n % 3 == 0:
                label = kind
                if user.board:
                    photo_file = {"file": (f"bon-{n}.jpg", photo, "image/jpeg")}
                    response = await clients.api.post(target, files=photo_file, headers=bearer)
                else:
                    body = {"title": f"Forslag {n} om cykelskur", "text": "Vi foreslår et cykelskur."}
                    response = await clients.api.post(target, json=body, headers=bearer)
            else:
                path = random.choice(user.pages)
                label = kind_of(path)
                if path.startswith("/api/"):
                    response = await clients.api.get(path, headers=bearer)
                else:
                    response = await clients.browser.get(path, headers=cookie)
            status: int | str = response.status_code
        except httpx.TransportError as exc:  # refused, reset or timed out: failed too
            status = type(exc).__name__
        tally.add(label, (time.perf_counter() - started) * 1000, status)
        pause = random.uniform(think_ms / 2, think_ms * 3 / 2) / 1000
        await asyncio.sleep(min(pause, max(0.0, deadline - time.monotonic())))


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def start(cmd: list[str], env: dict[str, str], log: Path, cwd: Path | None = None) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)


def report(tallies: list[Tally], wall: float) -> tuple[float, int]:
    """Print latency by kind of request; the p99 over everything and the number of errors."""
    merged = Tally()
    for t in tallies:
        for kind, values in t.latencies.items():
            merged.latencies.setdefault(kind, []).extend(values)
        for key, n in t.errors.items():
            merged.errors[key] = merged.errors.get(key, 0) + n
    print(f"{'request':<42}{'count':>7}{'per s':>7}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}{'errors':>7}")
    everything: list[float] = []
    for kind, values in sorted(merged.latencies.items()):
        everything += values
        errors = sum(n for key, n in merged.errors.items() if key.rsplit(" ", 1)[0] == kind)
        print(
            f"{kind:<42}{len(values):>7}{len(values) / wall:>7.1f}{percentile(values, 50):>8.0f}"
            f"{percentile(values, 99):>8.0f}{max(values):>8.0f}{errors:>7}"
        )
    p99 = percentile(everything, 99)
    print(
        f"{'all':<42}{len(everything):>7}{len(everything) / wall:>7.1f}{percentile(everything, 50):>8.0f}"
        f"{p99:>8.0f}{max(everything, default=0):>8.0f}{sum(merged.errors.values()):>7}"
    )
    for key, n in sorted(merged.errors.items()):
        print(f"  failed: {key} x{n}")
    return p99, sum(merged.errors.values())


def rss_mb(pid: int) -> float:
    """Resident memory of a process now, in MB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60, help="length of the load run (issue 19: 600)")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--think-ms", type=int, default=5000, help="mean wait between a user's requests")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk; `make bench` does it)")
        return 1
    database_url = postgres_url(os.environ.get("BOARDKIT_BENCH_POSTGRES_URL", "") or PG_DEFAULT)
    if not database_url:
        print("PostgreSQL not measured: the load test is PostgreSQL's (BOARDKIT_BENCH_POSTGRES_URL)")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="bk-load-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOARDKIT_")}
    env.update(
        BOARDKIT_DATA_DIR=str(tmp / "data"),
        BOARDKIT_DATABASE_URL=database_url,
        BOARDKIT_SECRET_KEY="bench",
        BOARDKIT_INPROCESS_WORKER="0",
        BOARDKIT_DB_POOL_SIZE="12",
        PYTHONWARNINGS="ignore",
    )
    procs: list[subprocess.Popen[bytes]] = []
    try:
        started = time.perf_counter()
        subprocess.run([BIN / "boardkit", "demo", "--reset"], env=env, check=True, capture_output=True)
        made = subprocess.run(
            [sys.executable, "-c", USERS_FOR, str(args.users)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=tmp,
        )
        users = [User(**u) for u in json.loads(made.stdout)]
        ports = [free_port(), free_port()]
        for port in ports:
            serve_env = {**env, "BOARDKIT_PORT": str(port)}
            procs.append(start([str(BIN / "boardkit"), "serve"], serve_env, tmp / f"serve-{port}.log"))
        procs.append(start([str(BIN / "boardkit"), "worker"], env, tmp / "worker.log"))
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        for base, proc in zip(bases, procs, strict=False):
            wait_until_up(base + "/healthz", proc)
        print(
            f"demo on PostgreSQL, {len(users)} users ({sum(u.board for u in users)} board members),"
            f" 2 app processes + 1 worker up in {time.perf_counter() - started:.0f} s"
        )

        cache: dict[str, list[str]] = {}
        for n, user in enumerate(users):
            user.pages = crawl(bases[n % 2], user, cache)
        wait_for_idle_worker(database_url)  # the first pack downloads queued the readers' copies

        # The load run: every user its own loop on its process; one in ten also writes.
        photo = receipt_photo()
        tallies = [Tally(), Tally()]
        cpu_before = {p.pid: cpu_seconds(p.pid) for p in procs}
        pg_before = {pid: cpu_seconds(pid) for pid in backend_pids(database_url)}
        own_cpu = time.process_time()

        async def load() -> None:
            # Idle connections are dropped before uvicorn's keep-alive timeout (5 s) ends them, as a
            # browser does, so a request never goes out on a connection the server is closing.
            limits = httpx.Limits(
                max_connections=None, max_keepalive_connections=args.users, keepalive_expiry=3
            )
            pools = [
                Clients(
                    browser=httpx.AsyncClient(base_url=base, timeout=30, limits=limits),
                    api=httpx.AsyncClient(base_url=base, timeout=30, limits=limits),
                )
                for base in bases
            ]
            deadline = time.monotonic() + args.seconds
            await asyncio.gather(
                *(
                    user_loop(
                        pools[n % 2], u, n % 20 in WRITERS, deadline, args.think_ms, photo, tallies[n % 2]
                    )
                    for n, u in enumerate(users)
                )
            )
            for pool in pools:
                await pool.browser.aclose()
                await pool.api.aclose()

        wall = time.perf_counter()
        asyncio.run(load())
        wall = time.perf_counter() - wall
        used = {p.pid: 100 * (cpu_seconds(p.pid) - cpu_before[p.pid]) / wall for p in procs}
        memory = {p.pid: rss_mb(p.pid) for p in procs}
        backends = backend_pids(database_url)
        pg_cpu = sum(cpu_seconds(pid) - pg_before.get(pid, 0.0) for pid in backends)
        client_cpu = 100 * (time.process_time() - own_cpu) / wall

        print(f"-- load: {args.users} users, think time {args.think_ms} ms on average, {wall:.0f} s")
        p99, errors = report(tallies, wall)
        for half, t in enumerate(tallies):
            count = sum(len(v) for v in t.latencies.values())
            cpu = used[procs[half].pid]
            print(
                f"app process {half + 1}: {count / wall:.1f} requests/s, {cpu:.0f} % of a core,"
                f" {memory[procs[half].pid]:.0f} MB resident"
            )
        worker = procs[2].pid
        print(f"worker: {used[worker]:.0f} % of a core, {memory[worker]:.0f} MB resident")
        print(f"PostgreSQL: {100 * pg_cpu / wall:.0f} % of a core ({len(backends)} connections at the end)")
        print(f"the load client (this process): {client_cpu:.0f} % of a core")
        ok = errors == 0 and p99 < BUDGET_P99_MS

        # Capacity of one process for the read mix next to a bare Starlette page, one after the other.
        script, data = tmp / "mix.lua", tmp / "users.tsv"
        script.write_text(WRK_SCRIPT)
        data.write_text("".join(f"bk_session={u.session}\t{' '.join(u.pages)}\n" for u in users[::2]))
        (tmp / "bare.tsv").write_text("x=1\t/\n")
        (tmp / "bare.py").write_text(BARE_APP)
        bare_port = free_port()
        bare_cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "bare:app",
            "--port",
            str(bare_port),
            "--log-level",
            "warning",
        ]
        procs.append(start([*bare_cmd, "--no-access-log"], env, tmp / "bare.log", cwd=tmp))
        wait_until_up(f"http://127.0.0.1:{bare_port}/", procs[-1])
        mix = run_wrk(bases[0], script, data, CAPACITY_SECONDS, CAPACITY_CONNECTIONS)
        ref = run_wrk(
            f"http://127.0.0.1:{bare_port}", script, tmp / "bare.tsv", CAPACITY_SECONDS, CAPACITY_CONNECTIONS
        )
        print(
            f"-- capacity of one process: wrk -c{CAPACITY_CONNECTIONS} -t1, no think time,"
            f" {CAPACITY_SECONDS} s each"
        )
        for label, r in (("bare Starlette page", ref), ("read mix, 1 app process", mix)):
            print(
                f"{label:<26}{r['rps']:>8.0f} req/s  p50 {r['p50_ms']:.1f} ms  p99 {r['p99_ms']:.1f} ms"
                f"  errors {r['errors']:.0f}"
            )
        print(f"the read mix at {mix['rps'] / ref['rps']:.1%} of the bare page's requests per second")
        print(f"budget: no error, p99 < {BUDGET_P99_MS:.0f} ms:", "met" if ok else "NOT MET")
        return 0 if ok else 1
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        if os.environ.get("BENCH_KEEP"):
            print("kept", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
