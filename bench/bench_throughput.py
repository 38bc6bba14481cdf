"""Throughput of real pages against a bare Starlette page, measured with wrk in the same run.

A fresh demo data directory is served by a real ``boardkit serve`` process (SQLite, and
PostgreSQL when ``BOARDKIT_BENCH_POSTGRES_URL`` is set or a local server answers), beside a bare
Starlette app under the same uvicorn settings. wrk (16 connections, 2 threads) loads each URL in
turn: the bare page, the dashboard of a board member, the dashboard of a resident and
``/api/v1/me``. Budget (issue 12): every page at >= 25% of the bare page's requests per second,
p99 < 100 ms, no errors.

    .venv/bin/python bench/bench_throughput.py [--seconds 10] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import Request, urlopen

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BUDGET_SHARE = 0.25
BUDGET_P99_MS = 100.0
CONNECTIONS = 16
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/boardkit_bench"

BARE_APP = """
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

async def hello(request):
    return HTMLResponse("<!doctype html><title>bare</title><p>Hej</p>")

app = Starlette(routes=[Route("/", hello)])
"""

SESSION_FOR = """
import sys
from boardkit.config import load_settings
from boardkit.core import auth
from boardkit.core.db import Database
from boardkit.org import service

settings = load_settings()
db = Database(settings.database_url)
with db.transaction() as s:
    person = service.get_person_by_email(s, email=sys.argv[1])
    print(auth.create_session(s, person_id=person.id, days=1))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, proc: subprocess.Popen[bytes], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            with urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer in {seconds} s")


def wait_for_idle_worker(url: str, seconds: float = 120.0) -> None:
    """Measure a server at rest: the in-process worker has done the demo's jobs (pack copies,
    search index), which would otherwise change data — and so empty the page cache — meanwhile."""
    from sqlalchemy import create_engine, func, select

    from boardkit.core.db import utcnow
    from boardkit.core.models import Job

    engine = create_engine(url)
    due = (
        select(func.count())
        .select_from(Job)
        .where(Job.status.in_(("queued", "running")), Job.run_after <= utcnow())
    )
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                if not conn.execute(due).scalar():
                    return
            time.sleep(0.5)
    finally:
        engine.dispose()
    print("(the worker was still busy when measuring began)")


def browser_cookies(base: str, session: str) -> str:
    """The Cookie header a browser sends after its first page: the session plus what that page set."""
    request = Request(base + "/", headers={"Cookie": f"bk_session={session}"})
    with urlopen(request, timeout=10) as response:
        jar = {"bk_session": session}
        for header in response.headers.get_all("set-cookie") or []:
            name, _sep, rest = header.partition("=")
            jar[name.strip()] = rest.split(";", 1)[0]
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def wrk(url: str, seconds: int, headers: dict[str, str]) -> dict[str, float]:
    """Run wrk once; requests/s, p50/p99 in ms, and errors (socket errors + non-2xx/3xx)."""
    cmd = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout

    def latency(label: str) -> float:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(x) for x in m.groups())
    return {"rps": rps, "p50": latency("50"), "p99": latency("99"), "errors": errors}


def run_backend(name: str, database_url: str, seconds: int) -> bool:
    tmp = Path(tempfile.mkdtemp(prefix="bk-throughput-"))
    port, bare_port = free_port(), free_port()
    env = {
        **os.environ,
        "BOARDKIT_DATA_DIR": str(tmp / "data"),
        "BOARDKIT_PORT": str(port),
        "BOARDKIT_SECRET_KEY": "bench",
        "PYTHONWARNINGS": "ignore",
    }
    if database_url:
        env["BOARDKIT_DATABASE_URL"] = database_url
    else:
        env.pop("BOARDKIT_DATABASE_URL", None)
    (tmp / "bare.py").write_text(BARE_APP)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run([BIN / "boardkit", "demo", "--reset"], env=env, check=True, capture_output=True)
        token = subprocess.run(
            [BIN / "boardkit", "token", "create", "formand@demo.boardkit.dk"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        cookies = {
            who: subprocess.run(
                [sys.executable, "-c", SESSION_FOR, f"{who}@demo.boardkit.dk"],
                env=env,
                check=True,
                capture_output=True,
                text=True,
                cwd=tmp,
            ).stdout.strip()
            for who in ("formand", "beboer")
        }
        server = subprocess.Popen(
            [BIN / "boardkit", "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        procs.append(server)
        bare = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bare:app",
                "--port",
                str(bare_port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(bare)
        base, bare_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}/"
        wait_until_up(base + "/login", server)
        wait_until_up(bare_url, bare)
        wait_for_idle_worker(database_url or f"sqlite:///{tmp / 'data' / 'boardkit.sqlite3'}")
        targets = [
            ("dashboard (formand@)", base + "/", {"Cookie": browser_cookies(base, cookies["formand"])}),
            ("dashboard (beboer@)", base + "/", {"Cookie": browser_cookies(base, cookies["beboer"])}),
            ("GET /api/v1/me", base + "/api/v1/me", {"Authorization": f"Bearer {token}"}),
        ]
        wrk(bare_url, 2, {})  # warm up both servers
        for _label, url, headers in targets:
            wrk(url, 2, headers)
        ok = True
        print(f"-- {name}: wrk -c{CONNECTIONS} -t2 -d{seconds}s")
        print(f"{'target':<24}{'req/s':>9}{'share':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}  verdict")
        for label, url, headers in targets:
            ref = wrk(bare_url, seconds, {})
            got = wrk(url, seconds, headers)
            share = got["rps"] / ref["rps"]
            good = share >= BUDGET_SHARE and got["p99"] < BUDGET_P99_MS and got["errors"] == 0
            ok &= good
            print(
                f"{'bare Starlette':<24}{ref['rps']:>9.0f}{'':>8}{ref['p50']:>9.1f}{ref['p99']:>9.1f}"
                f"{ref['errors']:>8.0f}"
            )
            print(
                f"{label:<24}{got['rps']:>9.0f}{share:>7.0%} {got['p50']:>9.1f}{got['p99']:>9.1f}"
                f"{got['errors']:>8.0f}  {'ok' if good else 'OVER BUDGET'}"
            )
        return ok
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def postgres_url(explicit: str) -> str:
    """The benchmark database (made empty), or "" when no PostgreSQL answers."""
    from sqlalchemy import create_engine, make_url, text

    url = make_url(explicit or PG_DEFAULT)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    except Exception as exc:  # no server here: SQLite only
        print(f"(PostgreSQL not measured: {type(exc).__name__})")
        return ""
    finally:
        admin.dispose()
    return url.render_as_string(hide_password=False)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk; `make bench` does it)")
        return 1
    ok = run_backend("SQLite", "", args.seconds)
    if not args.sqlite_only and (pg := postgres_url(os.environ.get("BOARDKIT_BENCH_POSTGRES_URL", ""))):
        ok &= run_backend("PostgreSQL", pg, args.seconds)
    print(
        f"budget: >= {BUDGET_SHARE:.0%} of the bare page, p99 < {BUDGET_P99_MS:.0f} ms, no errors:",
        "met" if ok else "NOT MET",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
