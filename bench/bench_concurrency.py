"""SQLite under concurrent use: 50 writers for 60 s against a real ``boardkit serve``, readers beside.

A fresh demo data directory; the server is started as a user would (``boardkit serve``, with its
in-process worker). Writers go through the real REST API as the demo's board members: private
notes on agenda items, expense claims with a mileage line, now and then a receipt photo (whose
processing is slow CPU work). Readers measure latency: ``/api/v1/me`` with a token not used for
a long time (its "last used" is bookkeeping the read must not wait for), the dashboard, published
minutes (a read mark), the meeting pack (a reader's copy drawn on first open). A read must never
wait longer than the configured busy timeout; no request may answer 500.

    python bench/bench_concurrency.py [--writers 50] [--readers 6] [--seconds 60] [--busy-timeout 5]
                                      [--read-interval 0.25]

``tests/core/web/test_concurrency.py`` runs the same load for a few seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

BIN = Path(sys.executable).parent / "boardkit"
WRITERS = ("formand@demo.boardkit.dk", "kasserer@demo.boardkit.dk", "medlem@demo.boardkit.dk")
READERS = ("formand@demo.boardkit.dk", "beboer@demo.boardkit.dk", "medlem@demo.boardkit.dk")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Sample:
    kind: str  # "read" or "write"
    name: str
    status: int
    seconds: float
    error: str = ""  # the client's exception when no answer came


@dataclass
class Fixture:
    """What the load needs from the demo: tokens and sessions made in the database beforehand."""

    writer_tokens: list[tuple[str, str]] = field(default_factory=list)  # (email, token)
    stale_tokens: list[str] = field(default_factory=list)  # never used: the first use is bookkeeping
    sessions: dict[str, str] = field(default_factory=dict)  # email → session cookie
    items: dict[str, list[int]] = field(default_factory=dict)  # email → agenda items they may note on
    boards: dict[str, int] = field(default_factory=dict)  # email → a board they sit on
    accounts: dict[int, str] = field(default_factory=dict)  # board → an expense account code
    minutes_meeting: int = 0
    pack_meeting: int = 0


def make_fixture(data_dir: Path, *, writers: int, stale_tokens: int) -> Fixture:
    """Tokens and sessions written straight into the demo database (as ``boardkit token create`` would)."""
    import boardkit.schema  # noqa: F401  (every table, so foreign keys resolve)
    from boardkit.config import load_settings
    from boardkit.core import auth
    from boardkit.core.db import Database

    settings = load_settings(env={"BOARDKIT_DATA_DIR": str(data_dir)})
    db = Database(settings.database_url)
    fx = Fixture()
    with db.transaction() as s:
        people = dict(
            s.execute(_sql("SELECT email, id FROM person WHERE email LIKE '%@demo.boardkit.dk'")).all()
        )
        for n in range(writers):
            email = WRITERS[n % len(WRITERS)]
            _token, secret = auth.create_api_token(s, person_id=people[email], name=f"writer {n}")
            fx.writer_tokens.append((email, secret))
        for n in range(stale_tokens):
            email = READERS[n % len(READERS)]
            _token, secret = auth.create_api_token(s, person_id=people[email], name=f"reader {n}")
            fx.stale_tokens.append(secret)
        for email in {*READERS, *WRITERS}:
            fx.sessions[email] = auth.create_session(s, person_id=people[email], days=1)
        for email in WRITERS:
            rows = s.execute(
                _sql(
                    "SELECT a.id, m.board_id FROM agenda_item a JOIN meeting m ON m.id = a.meeting_id "
                    "JOIN membership b ON b.board_id = m.board_id "
                    "WHERE b.person_id = :p AND m.status != 'held' ORDER BY a.id"
                ),
                {"p": people[email]},
            ).all()
            fx.items[email] = [r[0] for r in rows]
            fx.boards[email] = rows[0][1]
        for board in set(fx.boards.values()):
            fx.accounts[board] = s.execute(
                _sql("SELECT code FROM expense_account ORDER BY id LIMIT 1")
            ).scalar_one()
        fx.minutes_meeting = s.execute(
            _sql(
                "SELECT meeting_id FROM minutes WHERE status = 'published' ORDER BY published_at, id LIMIT 1"
            )
        ).scalar_one()
        fx.pack_meeting = s.execute(
            _sql(
                "SELECT m.id FROM meeting m JOIN membership b ON b.board_id = m.board_id "
                "JOIN person p ON p.id = b.person_id "
                "WHERE m.pack_published_at IS NOT NULL AND p.email = 'formand@demo.boardkit.dk' LIMIT 1"
            )
        ).scalar_one()
    db.dispose()
    return fx


def _sql(text: str) -> Any:
    from sqlalchemy import text as sql_text

    return sql_text(text)


def receipt_jpeg(seed: int) -> bytes:
    """A 2-megapixel photo of a receipt (noisy, so processing it is real work)."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    picture = Image.effect_noise((1600, 1200), 40).convert("RGB")
    draw = ImageDraw.Draw(picture)
    draw.rectangle((500, 100, 1100, 1100), fill=(246, 244, 236))
    for y in range(160, 1040, 40):
        draw.rectangle((560, y, 560 + rng.randint(100, 480), y + 12), fill=(30, 30, 30))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    return out.getvalue()


def start_server(data_dir: Path, port: int, extra_env: dict[str, str]) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BOARDKIT_DATA_DIR": str(data_dir),
        "BOARDKIT_PORT": str(port),
        **extra_env,
    }
    with open(data_dir / "serve.log", "wb") as log:  # the child keeps its own copy of the file
        proc = subprocess.Popen([str(BIN), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=1) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server never answered:\n" + (data_dir / "serve.log").read_text())


async def _timed(samples: list[Sample], kind: str, name: str, request: Any) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response: httpx.Response = await request
    except httpx.HTTPError as exc:
        samples.append(Sample(kind, name, 0, time.perf_counter() - started, type(exc).__name__))
        return None
    samples.append(Sample(kind, name, response.status_code, time.perf_counter() - started))
    return response


async def writer(
    n: int, client: httpx.AsyncClient, fx: Fixture, stop: float, samples: list[Sample], photos: list[bytes]
) -> None:
    email, token = fx.writer_tokens[n]
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(n)
    items = fx.items[email]
    claim_id: int | None = None
    step = 0
    while time.perf_counter() < stop:
        step += 1
        choice = rng.random()
        if choice < 0.45:
            item = rng.choice(items)
            await _timed(
                samples,
                "write",
                "note",
                client.put(
                    f"/api/v1/agenda-items/{item}/note", json={"text": f"note {n}/{step}"}, headers=headers
                ),
            )
        elif choice < 0.6 or claim_id is None:
            board = fx.boards[email]
            body = {"board_id": board, "purpose": f"Kørsel {n}/{step}", "account": fx.accounts[board]}
            r = await _timed(
                samples, "write", "claim", client.post("/api/v1/expense-claims", json=body, headers=headers)
            )
            if r is not None and r.status_code == 201:
                claim_id = r.json()["id"]
        elif choice < 0.95:
            line = {
                "kind": "mileage",
                "travelled_on": datetime.now(UTC).date().isoformat(),
                "from_place": "Engparken 1",
                "to_place": "Kontoret",
                "purpose": "Møde",
                "km": rng.randint(2, 40),
                "vehicle": "car",
            }
            await _timed(
                samples,
                "write",
                "line",
                client.post(f"/api/v1/expense-claims/{claim_id}/lines", json=line, headers=headers),
            )
        else:
            files = {"file": ("bon.jpg", photos[step % len(photos)], "image/jpeg")}
            await _timed(
                samples,
                "write",
                "receipt",
                client.post(f"/api/v1/expense-claims/{claim_id}/receipts", files=files, headers=headers),
            )


async def reader(
    n: int, client: httpx.AsyncClient, fx: Fixture, stop: float, samples: list[Sample], interval: float
) -> None:
    """Reads one request per ``interval`` at most (people reading pages, measured; not a flood)."""
    rng = random.Random(1000 + n)
    began = 0.0
    while time.perf_counter() < stop:
        await asyncio.sleep(max(0.0, interval - (time.perf_counter() - began)))
        began = time.perf_counter()
        choice = rng.random()
        if choice < 0.4 and fx.stale_tokens:
            token = fx.stale_tokens.pop()
            await _timed(
                samples,
                "read",
                "api_me_stale_token",
                client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}),
            )
        elif choice < 0.6:
            cookies = {"bk_session": fx.sessions["formand@demo.boardkit.dk"]}
            await _timed(samples, "read", "dashboard", client.get("/", cookies=cookies))
        elif choice < 0.85:
            email = "formand@demo.boardkit.dk" if n % 2 else "beboer@demo.boardkit.dk"
            cookies = {"bk_session": fx.sessions[email]}
            await _timed(
                samples,
                "read",
                "minutes_page",
                client.get(f"/meetings/{fx.minutes_meeting}/minutes", cookies=cookies),
            )
        else:
            cookies = {"bk_session": fx.sessions["formand@demo.boardkit.dk"]}
            await _timed(
                samples,
                "read",
                "pack_pdf",
                client.get(f"/meetings/{fx.pack_meeting}/pack.pdf", cookies=cookies),
            )


async def write_load(port: int, fx: Fixture, *, writers: int, seconds: float) -> list[Sample]:
    samples: list[Sample] = []
    photos = [receipt_jpeg(i) for i in range(3)]
    async with _client(port, writers) as client:
        stop = time.perf_counter() + seconds
        await asyncio.gather(*(writer(n, client, fx, stop, samples, photos) for n in range(writers)))
    return samples


async def read_load(port: int, fx: Fixture, *, readers: int, seconds: float, interval: float) -> list[Sample]:
    samples: list[Sample] = []
    async with _client(port, readers) as client:
        stop = time.perf_counter() + seconds
        await asyncio.gather(*(reader(n, client, fx, stop, samples, interval) for n in range(readers)))
    return samples


def _client(port: int, tasks: int) -> httpx.AsyncClient:
    # Idle connections are dropped before the server's keep-alive timeout (5 s) could close one
    # under a request just sent on it.
    limits = httpx.Limits(max_connections=tasks + 5, max_keepalive_connections=tasks + 5, keepalive_expiry=2)
    return httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120, limits=limits)


def load(
    port: int, fx: Fixture, *, writers: int, readers: int, seconds: float, work: Path, interval: float
) -> list[Sample]:
    """Writers in this process, readers in a process of their own: the readers' latency is then
    not the writers' client waiting for its own turn on the CPU."""
    (work / "fixture.json").write_text(json.dumps(asdict(fx)))
    out = work / "reads.json"
    cmd = [sys.executable, __file__, "--role", "readers", "--port", str(port), "--readers", str(readers)]
    cmd += ["--seconds", str(seconds), "--work", str(work), "--read-interval", str(interval)]
    proc = subprocess.Popen(cmd)
    samples = asyncio.run(write_load(port, fx, writers=writers, seconds=seconds))
    if proc.wait(seconds + 120) != 0:
        raise RuntimeError("the readers' process failed")
    return samples + [Sample(**row) for row in json.loads(out.read_text())]


def _readers_main(args: argparse.Namespace) -> int:
    work = Path(args.work)
    fx = Fixture(**json.loads((work / "fixture.json").read_text()))
    samples = asyncio.run(
        read_load(args.port, fx, readers=args.readers, seconds=args.seconds, interval=args.read_interval)
    )
    (work / "reads.json").write_text(json.dumps([asdict(x) for x in samples]))
    return 0


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(samples: list[Sample]) -> dict[str, Any]:
    out: dict[str, Any] = {"requests": len(samples), "status": dict(Counter(s.status for s in samples))}
    out["client_errors"] = dict(Counter(s.error for s in samples if s.error))
    for kind in ("read", "write"):
        times = [s.seconds for s in samples if s.kind == kind]
        out[kind] = {
            "n": len(times),
            "p50": _pct(times, 50),
            "p95": _pct(times, 95),
            "max": max(times, default=0.0),
            "status": dict(Counter(s.status for s in samples if s.kind == kind)),
        }
    out["by_name"] = {
        name: {
            "n": len(times),
            "p50": _pct(times, 50),
            "max": max(times, default=0.0),
            "status": dict(Counter(s.status for s in samples if s.name == name)),
        }
        for name in sorted({s.name for s in samples})
        for times in [[s.seconds for s in samples if s.name == name]]
    }
    return out


def server_errors(data_dir: Path) -> list[str]:
    log = (data_dir / "serve.log").read_text(errors="replace")
    return [
        line for line in log.splitlines() if " ERROR " in line or " WARNING " in line or "Traceback" in line
    ]


def run(
    *,
    writers: int,
    readers: int,
    seconds: float,
    busy_timeout: float,
    read_interval: float = 0.25,
    data_dir: Path | None = None,
) -> dict[str, Any]:
    """The whole benchmark in a fresh data directory; returns the summary (and the server's errors)."""
    with tempfile.TemporaryDirectory(prefix="bk-concurrency-") as tmp:
        root = data_dir or Path(tmp)
        env = {"BOARDKIT_DATA_DIR": str(root)}
        subprocess.run([str(BIN), "demo"], env={**os.environ, **env}, check=True, capture_output=True)
        fx = make_fixture(root, writers=writers, stale_tokens=5000)
        port = free_port()
        proc = start_server(root, port, {"BOARDKIT_DB_BUSY_TIMEOUT_SECONDS": str(busy_timeout)})
        try:
            samples = load(
                port, fx, writers=writers, readers=readers, seconds=seconds, work=root, interval=read_interval
            )
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        result = summary(samples)
        result["server_errors"] = server_errors(root)[:20]
        result["busy_timeout"] = busy_timeout
        result["seconds"], result["writers"], result["readers"] = seconds, writers, readers
        result["queued_jobs_left"] = _jobs_left(root)
        return result


def _jobs_left(root: Path) -> dict[str, int]:
    with sqlite3.connect(root / "boardkit.sqlite3") as conn:
        return dict(conn.execute("SELECT status, count(*) FROM job GROUP BY status").fetchall())


def print_report(result: dict[str, Any]) -> None:
    print(
        f"{result['writers']} writers, {result['readers']} readers, {result['seconds']:g} s: "
        f"requests {result['requests']}, status {result['status']}, busy timeout {result['busy_timeout']} s"
    )
    for kind in ("read", "write"):
        r = result[kind]
        print(
            f"  {kind}s: {r['n']} ({r['n'] / result['seconds']:.1f}/s)  p50 {r['p50'] * 1000:.0f} ms  "
            f"p95 {r['p95'] * 1000:.0f} ms  max {r['max'] * 1000:.0f} ms  {r['status']}"
        )
    for name, r in result["by_name"].items():
        print(
            f"    {name:20} {r['n']:6}  p50 {r['p50'] * 1000:6.0f} ms  "
            f"max {r['max'] * 1000:6.0f} ms  {r['status']}"
        )
    if result["client_errors"]:
        print(f"  no answer (client errors): {result['client_errors']}")
    print(f"  jobs after the run: {result['queued_jobs_left']}")
    if result["server_errors"]:
        print("  server log errors:")
        for line in result["server_errors"]:
            print("    " + line[:200])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--writers", type=int, default=50)
    p.add_argument("--readers", type=int, default=6)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--busy-timeout", type=float, default=5.0)
    p.add_argument("--read-interval", type=float, default=0.25, help="seconds between one reader's requests")
    p.add_argument("--json", action="store_true")
    p.add_argument("--role", default="all", choices=["all", "readers"], help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--work", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.role == "readers":
        return _readers_main(args)
    result = run(
        writers=args.writers, readers=args.readers, seconds=args.seconds, busy_timeout=args.busy_timeout
    )
    if args.json:
        print(json.dumps(result, indent=2))
    print_report(result)
    ok = 500 not in result["status"] and result["read"]["max"] <= args.busy_timeout
    print("OK" if ok else "FAILED: a 500, or a read waited longer than the busy timeout")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
