"""The command line, run as a user runs it (with BOARDKIT_* settings): in-process through
``boardkit.cli.run``, except ``serve``, whose process (umask, uvicorn's access log) is the point."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy import func, select

from boardkit.core import auth
from boardkit.core.db import Database
from boardkit.core.models import ApiToken
from boardkit.org.models import Person, StaffRole
from boardkit.permits.catalogue import DEFAULT_KINDS
from boardkit.permits.models import PermitKind
from tests.helpers import boardkit as run
from tests.smtp import free_port

BIN = Path(sys.executable).parent / "boardkit"


def test_demo_token_createadmin_and_reset(tmp_path: Path, sqlite_demo_template: Callable[[], Path]) -> None:
    # Start from the demo as ``boardkit demo`` loads it (the tests' template), so the demo is loaded
    # once here, by ``--reset`` into a data directory without a database.
    shutil.copy(sqlite_demo_template(), tmp_path / "boardkit.sqlite3")
    again = run(tmp_path, "demo")
    assert again.returncode == 0 and "already loaded" in again.stderr

    token = run(tmp_path, "token", "create", "formand@demo.boardkit.dk")
    assert token.returncode == 0, token.stderr
    secret = token.stdout.strip()
    assert secret.startswith("bk_") and "\n" not in secret

    db = Database(f"sqlite:///{tmp_path / 'boardkit.sqlite3'}")
    with db.transaction() as s:
        stored = s.scalar(select(ApiToken).where(ApiToken.token_hash == auth.hash_secret(secret)))
        assert stored is not None
        assert secret not in (stored.token_hash, stored.prefix)

    missing = run(tmp_path, "token", "create", "nobody@example.dk")
    assert missing.returncode == 1 and missing.stdout == ""

    admin = run(
        tmp_path,
        "createadmin",
        "ny@example.dk",
        "--name",
        "Ny Administrator",
        "--password",
        stdin="en lang og god adgangskode\n",
    )
    assert admin.returncode == 0, admin.stderr
    with db.transaction() as s:
        person = s.scalar(select(Person).where(Person.email == "ny@example.dk"))
        assert person is not None and person.password_hash and person.password_hash.startswith("$argon2")
        assert s.scalar(select(StaffRole.role).where(StaffRole.person_id == person.id)) == "admin"
        # A new organisation starts with the default permit kinds (no page writes them on a read).
        assert s.scalar(select(func.count()).select_from(PermitKind)) == len(DEFAULT_KINDS)
    db.dispose()

    reset = run(tmp_path, "demo", "--reset")
    assert reset.returncode == 0, reset.stderr
    assert "Loaded the demo organisation" in reset.stderr
    assert "Log in with e.g. formand@demo.boardkit.dk" in reset.stderr
    with db.transaction() as s:
        assert s.scalar(select(Person.id).where(Person.email == "ny@example.dk")) is None
        assert s.scalar(select(Person.id).where(Person.email == "formand@demo.boardkit.dk")) is not None
    db.dispose()
    again = run(tmp_path, "demo")
    assert again.returncode == 0 and "already loaded" in again.stderr


def test_db_upgrade_and_worker_once(tmp_path: Path) -> None:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    assert (tmp_path / "boardkit.sqlite3").is_file()
    worker = run(tmp_path, "worker", "--once")
    assert worker.returncode == 0, worker.stderr
    assert "ran 0 job(s)" in worker.stderr


def test_import_reports_a_missing_file(tmp_path: Path) -> None:
    r = run(tmp_path, "import", str(tmp_path / "nope.csv"))
    assert r.returncode == 2
    assert "No such file" in r.stderr


SECRET_PATHS = (
    "/login/link/Hemmelig-Login",
    "/rsvp/1.2.3.HemmeligSvar?response=accepted",
    "/n/HemmeligKvittering",
)


def test_serve_keeps_personal_links_out_of_its_log(tmp_path: Path) -> None:
    """The access log (on with BOARDKIT_ACCESS_LOG=1) lists every path requested; a login link
    opened but not used still works, so its secret (and an RSVP's or a notice's) is masked there,
    and the data directory is owner-only."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOARDKIT_")}
    env.update(
        BOARDKIT_DATA_DIR=str(tmp_path / "var"),
        BOARDKIT_PORT=str(port),
        BOARDKIT_INPROCESS_WORKER="0",
        BOARDKIT_ACCESS_LOG="1",
    )
    server = subprocess.Popen(
        [str(BIN), "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                httpx.get(f"{base}/login", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        for path in (
            "/login/link/Hemmelig-Login-Token",
            "/rsvp/1.2.3.HemmeligSvar?response=accepted",
            "/n/HemmeligKvittering",
        ):
            httpx.get(base + path, timeout=5)
    finally:
        server.terminate()
        log, _ = server.communicate(timeout=30)
    assert "/login/link/******** HTTP/1.1" in log and "/n/********" in log, log
    assert "Hemmelig" not in log
    assert oct((tmp_path / "var").stat().st_mode & 0o777) == "0o700"


def test_retention_runs_every_rule_and_a_dry_run_deletes_nothing(
    tmp_path: Path, sqlite_demo_template: Callable[[], Path]
) -> None:
    from boardkit.core.models import AuditEntry

    shutil.copy(sqlite_demo_template(), tmp_path / "boardkit.sqlite3")
    dry = run(tmp_path, "retention", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Dry run: nothing was deleted." in dry.stderr
    for rule in ("expenses.claims", "meetings.person_cases", "permits.closed_cases"):
        assert f"{rule}: " in dry.stdout
    db = Database(f"sqlite:///{tmp_path / 'boardkit.sqlite3'}")
    retention_entries = select(func.count(AuditEntry.id)).where(AuditEntry.action == "retention.deleted")
    with db.transaction() as s:
        assert s.scalar(retention_entries) == 0
    done = run(tmp_path, "retention")
    assert done.returncode == 0, done.stderr
    assert "permits.closed_cases: permits 0; 0 stored file(s) deleted" in done.stdout  # the demo is recent
    with db.transaction() as s:
        assert s.scalar(retention_entries) == 3
    db.dispose()
