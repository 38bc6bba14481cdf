"""Issue 19, point 4: ``boardkit backup DIR`` while the demo is being written to, ``boardkit restore
DIR`` into a new data directory (and a new PostgreSQL database), and the restored app serves the
same meetings, packs and claims to the demo accounts. A restore into anything not empty, or from a
damaged backup, is refused and changes nothing.

Real parts only: the demo loaded with its files as ``boardkit demo`` loads it, its jobs run (the
packs drawn) by the worker, the commands run through ``boardkit.cli``, a writer thread
adding expense claims with receipt photos through the services while the backup runs.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from PIL import Image
from sqlalchemy import create_engine, make_url, select, text
from starlette.testclient import TestClient

from boardkit import cli, migrate
from boardkit.app import build_runner, create_app
from boardkit.config import load_settings
from boardkit.core import storage
from boardkit.core.db import Database, utcnow
from boardkit.core.web.context import Upload
from boardkit.expenses import service as expenses
from boardkit.expenses.models import ExpenseClaim, ExpenseLine
from boardkit.meetings.models import Meeting
from tests.conftest import PG_URL
from tests.expenses.expense_env import board, who
from tests.helpers import login_as

ACCOUNTS = ("admin", "bogholder", "formand", "kasserer", "medlem", "beboer", "beboer2")  # API.md
DEMO = [f"{name}@demo.boardkit.dk" for name in ACCOUNTS]
CHAIR, TREASURER = "formand@demo.boardkit.dk", "kasserer@demo.boardkit.dk"
Env = dict[str, str]


def run(env: Env, *args: str) -> int:
    return cli.run(list(args), env=env)


def _pg_database(name: str) -> str:
    """A new, empty PostgreSQL database ``<the tests' database>_<name>`` (named pgb…)."""
    base = make_url(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    full = f"{base.database}_{name}{os.environ.get('PYTEST_XDIST_WORKER', '')}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{full}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{full}"'))
    admin.dispose()
    return base.set(database=full).render_as_string(hide_password=False)


def _demo(data: Path, database_url: str = "") -> Env:
    env = {
        "BOARDKIT_DATA_DIR": str(data),
        **({"BOARDKIT_DATABASE_URL": database_url} if database_url else {}),
    }
    assert run(env, "demo") == 0
    settings = load_settings(env=env)
    database = Database(settings.database_url)
    try:  # the packs built (the job waits a few seconds for more changes) and drawn, the mail sent
        build_runner(database, settings).run_until_idle(now=utcnow() + timedelta(minutes=1))
    finally:
        database.dispose()
    return env


@pytest.fixture(scope="module")
def sqlite_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the demo, its files and packs (copied by each test that writes to it)."""
    data = tmp_path_factory.mktemp("demo") / "data"
    _demo(data)
    return data


@pytest.fixture(scope="module")
def sqlite_backup(sqlite_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("backup") / "b"
    assert run({"BOARDKIT_DATA_DIR": str(sqlite_demo)}, "backup", str(folder)) == 0
    return folder


def _photo(n: int) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((160, 120), 20 + n % 50).convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


class Writer(threading.Thread):
    """The treasurer opening claims with a receipt photo each, one transaction per claim, until told
    to stop: what the app does for a request (the file stored before the row commits)."""

    def __init__(self, env: Env) -> None:
        super().__init__(daemon=True)
        settings = load_settings(env=env)
        self.db = Database(settings.database_url)
        self.store = storage.FileStore(settings.files_dir)
        self.secret = settings.secret_key
        self.made = 0
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.progress = threading.Condition()

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                with self.db.transaction() as s:
                    claim = expenses.create_claim(
                        s,
                        principal=who(s, TREASURER),
                        board_id=board(s),
                        purpose=f"Skrevet under backup {self.made}",
                        account_code="119",
                        bank_registration="1234",
                        bank_account=f"{self.made:010d}",
                        secret_key=self.secret,
                    )
                    upload = Upload(f"bon{self.made}.jpg", "image/jpeg", _photo(self.made))
                    expenses.receipts.add_receipt_file(
                        s, principal=who(s, TREASURER), claim_id=claim.id, upload=upload, store=self.store
                    )
                with self.progress:
                    self.made += 1
                    self.progress.notify_all()
        except BaseException as exc:  # the test reports it
            self.error = exc
            with self.progress:
                self.progress.notify_all()
        finally:
            self.db.dispose()

    def wait_for(self, count: int) -> int:
        with self.progress:
            assert self.progress.wait_for(lambda: self.made >= count or self.error is not None, timeout=60)
            assert self.error is None, self.error
            return self.made


def _claims(url: str, secret: str) -> dict[int, tuple[Any, ...]]:
    """Every claim: its purpose, status, decrypted bank account and its lines' files."""
    database = Database(url)
    try:
        with database.transaction() as s:
            lines: dict[int, list[tuple[str | None, ...]]] = {}
            for line in s.scalars(select(ExpenseLine).order_by(ExpenseLine.id)):
                lines.setdefault(line.claim_id, []).append((line.original_sha256, line.clean_sha256))
            return {
                c.id: (c.purpose, c.status, expenses.bank_details(c, secret_key=secret), lines.get(c.id, []))
                for c in s.scalars(select(ExpenseClaim))
            }
    finally:
        database.dispose()


def _meetings(url: str) -> list[tuple[Any, ...]]:
    database = Database(url)
    try:
        with database.transaction() as s:
            return [
                (m.id, m.title, m.starts_at, m.status)
                for m in s.scalars(select(Meeting).order_by(Meeting.id))
            ]
    finally:
        database.dispose()


def _store_is_whole(files: Path, shas: set[str]) -> None:
    store = storage.FileStore(files)
    for sha in shas:
        assert hashlib.sha256(store.get(sha)).hexdigest() == sha


@contextmanager
def served(env: Env) -> Iterator[tuple[TestClient, Database]]:
    settings = load_settings(env=env).with_(inprocess_worker=False)
    database = Database(settings.database_url)
    try:
        with TestClient(
            create_app(settings, db=database, start_worker=False), base_url="http://testserver"
        ) as c:
            yield c, database
    finally:
        database.dispose()


def _pages(env: Env) -> dict[str, Any]:
    """What the demo accounts get: the status of each main page, the pack PDFs' bytes, a search."""
    seen: dict[str, Any] = {}
    with served(env) as (c, database):
        with database.transaction() as s:
            packed = sorted(s.scalars(text("SELECT DISTINCT meeting_id FROM pack_version")))
            boards = sorted(s.scalars(text("SELECT id FROM board")))
        assert packed, "the demo has published packs"
        for email in DEMO:
            c.cookies.clear()
            login_as(c, database, email)
            for path in (
                "/",
                "/notifications",
                "/expenses",
                "/profile",
                *(f"/boards/{b}/meetings" for b in boards),
            ):
                seen[f"{email} {path}"] = c.get(path).status_code
            assert seen[f"{email} /"] == 200, email
            for meeting in packed:
                pdf = c.get(f"/meetings/{meeting}/pack.pdf")
                seen[f"{email} pack {meeting}"] = (pdf.status_code, hashlib.sha256(pdf.content).hexdigest())
        c.cookies.clear()
        login_as(c, database, CHAIR)
        found = c.get("/search?q=Legepladsen")
        seen["search"] = (found.status_code, "Legepladsen ved Engvænget" in found.text)
    assert seen[f"{CHAIR} pack {packed[0]}"][0] == 200 and seen["search"] == (200, True)
    return seen


def _referenced(url: str) -> set[str]:
    database = Database(url)
    try:
        with database.transaction() as s:
            return {sha for column in storage.reference_columns() for sha in s.scalars(select(column)) if sha}
    finally:
        database.dispose()


@pytest.mark.postgres  # on PostgreSQL too when BOARDKIT_TEST_POSTGRES_URL is set (tests/conftest.py)
def test_a_backup_made_while_writing_restores_into_an_app_that_serves_the_same_demo(
    backend: str, sqlite_demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if backend == "sqlite":
        shutil.copytree(sqlite_demo, tmp_path / "source")
        env = {"BOARDKIT_DATA_DIR": str(tmp_path / "source")}
        target = {"BOARDKIT_DATA_DIR": str(tmp_path / "restored")}
    else:
        env = _demo(tmp_path / "source", _pg_database("bk_source"))
        target = {
            "BOARDKIT_DATA_DIR": str(tmp_path / "restored"),
            "BOARDKIT_DATABASE_URL": _pg_database("bk_restored"),
        }
    source, restored = load_settings(env=env), load_settings(env=target)
    demo_claims = len(_claims(source.database_url, source.secret_key))
    folder = tmp_path / "backup"

    writer = Writer(env)
    writer.start()
    try:
        started = writer.wait_for(2)
        assert run(env, "backup", str(folder)) == 0
        writer.wait_for(writer.made + 2)  # and it goes on writing after the backup
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.error is None, writer.error

    manifest = json.loads((folder / "manifest.json").read_text())
    in_backup = manifest["counts"]["expense_claim"] - demo_claims
    assert started <= in_backup < writer.made  # taken while the writer wrote, not after
    assert manifest["database"]["kind"] == {"sqlite": "sqlite", "postgres": "postgresql"}[backend]
    assert manifest["files"]["count"] > 20
    assert manifest["files"]["missing"] == [] and manifest["files"]["damaged"] == []
    assert manifest["secret_key"]["file"] == "secret_key" and "search" in manifest["left_out"]
    assert not (folder / "search").exists() and not (folder / "mail").exists()

    if backend == "postgres":  # a database with tables is refused; nothing in it changes
        other = {"BOARDKIT_DATA_DIR": str(tmp_path / "other"), "BOARDKIT_DATABASE_URL": source.database_url}
        claims_before = _claims(source.database_url, source.secret_key)
        assert run(other, "restore", str(folder)) == 1
        assert "has tables already" in capsys.readouterr().err
        assert _claims(source.database_url, source.secret_key) == claims_before

    assert run(target, "restore", str(folder)) == 0
    restored = load_settings(env=target)
    assert restored.secret_key == source.secret_key  # bank accounts decrypt, sessions and links hold
    now = _claims(source.database_url, source.secret_key)
    got = _claims(restored.database_url, restored.secret_key)
    assert len(got) == manifest["counts"]["expense_claim"] and len(now) == demo_claims + writer.made
    assert got == {claim_id: now[claim_id] for claim_id in got}  # the claims as they were, bank accounts too
    assert all(bank is not None for _purpose, _status, bank, _lines in got.values())
    assert _meetings(restored.database_url) == _meetings(source.database_url)
    shas = _referenced(restored.database_url)
    assert shas and storage.FileStore(restored.files_dir).exists(next(iter(shas)))
    _store_is_whole(restored.files_dir, shas)  # every file the restored database refers to, intact
    assert _pages(target) == _pages(env)


def _state(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def test_a_restore_into_a_data_directory_in_use_is_refused_and_changes_nothing(
    sqlite_demo: Path, sqlite_backup: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    shutil.copytree(sqlite_demo, data)
    before = _state(data)
    assert run({"BOARDKIT_DATA_DIR": str(data)}, "restore", str(sqlite_backup)) == 1
    assert "is not empty" in capsys.readouterr().err
    assert _state(data) == before


def test_a_damaged_backup_is_refused_and_leaves_nothing_behind(
    sqlite_backup: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damaged = tmp_path / "backup"
    shutil.copytree(sqlite_backup, damaged)
    victim = sorted(p for p in (damaged / "files").rglob("*") if p.is_file())[-1]  # restored last
    victim.write_bytes(victim.read_bytes()[:-1] + b"!")
    data = tmp_path / "data"
    assert run({"BOARDKIT_DATA_DIR": str(data)}, "restore", str(damaged)) == 1
    assert "is damaged" in capsys.readouterr().err
    assert [p.name for p in data.iterdir()] == ["secret_key"]  # what loading the settings makes, no more


def test_a_backup_goes_only_into_a_new_or_empty_folder(
    sqlite_demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "backup"
    folder.mkdir()
    (folder / "last-week.tar").write_bytes(b"keep me")
    assert run({"BOARDKIT_DATA_DIR": str(sqlite_demo)}, "backup", str(folder)) == 1
    assert "not empty" in capsys.readouterr().err
    assert [p.name for p in folder.iterdir()] == ["last-week.tar"]


def test_a_backup_of_an_older_version_is_restored_and_brought_up_to_date(tmp_path: Path) -> None:
    old = {"BOARDKIT_DATA_DIR": str(tmp_path / "old")}
    url = load_settings(env=old).database_url
    migrate.upgrade(url)
    command.downgrade(migrate.alembic_config(url), "-1")  # the schema of the version before
    assert run(old, "backup", str(tmp_path / "backup")) == 0
    made_at = json.loads((tmp_path / "backup" / "manifest.json").read_text())["database"]["revision"]
    assert made_at and made_at != migrate.head()

    new = {"BOARDKIT_DATA_DIR": str(tmp_path / "new")}
    assert run(new, "restore", str(tmp_path / "backup")) == 0
    assert migrate.is_current(load_settings(env=new).database_url)
