"""What boardkit writes is the server's alone: the data directory, the SQLite files, stored files,
the secret key and the ``.eml`` files (they hold login links) — whatever the umask says."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from boardkit import migrate
from boardkit.app import build_runner, create_app
from boardkit.config import load_settings
from boardkit.core.db import Database
from boardkit.core.storage import FileStore
from boardkit.org.models import Person
from tests.helpers import csrf_from


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most systems have: without care, files come out readable by everyone."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_data_database_files_and_mail_are_owner_only(tmp_path: Path, usual_umask: None) -> None:
    data = tmp_path / "var"
    settings = load_settings(env={"BOARDKIT_DATA_DIR": str(data)}).with_(
        argon2_time_cost=1, argon2_memory_kib=8, inprocess_worker=False
    )
    migrate.upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        with db.transaction() as s:
            s.add(Person(name="Demo Bruger", email="demo@example.dk"))
        app = create_app(settings, db=db, start_worker=False)
        with TestClient(app, base_url="http://testserver") as client:
            token = csrf_from(client.get("/login").text)
            client.post("/login", data={"email": "demo@example.dk", "csrf_token": token})
        build_runner(db, settings).run_until_idle()  # no SMTP server: the login link becomes an .eml file
        stored = FileStore(settings.files_dir).path(FileStore(settings.files_dir).put(b"%PDF-1.4 bilag"))

        emls = list(settings.mail_dir.glob("*.eml"))
        assert len(emls) == 1 and b"/login/link/" in emls[0].read_bytes()  # the demo reads its link here
        sqlite = Path(settings.database_url.removeprefix("sqlite:///"))
        files = [data / "secret_key", sqlite, Path(f"{sqlite}-wal"), Path(f"{sqlite}-shm"), emls[0], stored]
        folders = [data, settings.mail_dir, settings.files_dir, stored.parent, stored.parent.parent]
        assert {str(p): oct(mode(p)) for p in files} == {str(p): "0o600" for p in files}
        assert {str(p): oct(mode(p)) for p in folders} == {str(p): "0o700" for p in folders}
    finally:
        db.dispose()


def test_an_older_installations_data_directory_is_made_owner_only(tmp_path: Path, usual_umask: None) -> None:
    data = tmp_path / "var"
    data.mkdir(mode=0o755)
    database = data / "boardkit.sqlite3"
    database.touch(mode=0o644)
    settings = load_settings(env={"BOARDKIT_DATA_DIR": str(data), "BOARDKIT_SECRET_KEY": "k"})
    assert (mode(data), mode(database)) == (0o755, 0o644)
    migrate.upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        create_app(settings, db=db, start_worker=False)
        assert (mode(data), mode(database)) == (0o700, 0o600)
    finally:
        db.dispose()
