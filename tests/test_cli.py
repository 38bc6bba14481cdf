"""The command line, run as a user runs it (a subprocess with BOARDKIT_* variables)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from boardkit.core import auth
from boardkit.core.db import Database
from boardkit.core.models import ApiToken
from boardkit.org.models import Person, StaffRole

BIN = Path(sys.executable).parent / "boardkit"


def run(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOARDKIT_")}
    env["BOARDKIT_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [str(BIN), *args], env=env, capture_output=True, text=True, input=stdin, timeout=120
    )


def test_demo_token_and_createadmin(tmp_path: Path) -> None:
    first = run(tmp_path, "demo")
    assert first.returncode == 0, first.stderr
    assert "Loaded the demo organisation" in first.stderr
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
    db.dispose()

    reset = run(tmp_path, "demo", "--reset")
    assert reset.returncode == 0 and "Loaded" in reset.stderr


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
