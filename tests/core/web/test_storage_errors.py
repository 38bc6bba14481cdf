"""Issue 12, point 9: a full or read-only data directory gives a clear error page (503 for the API,
with Retry-After), never a crashed process — and writes work again once there is room.

The errors are real: ``boardkit serve`` runs in a mount namespace of its own (``unshare -m``) on a
tiny tmpfs that the test fills up, or on a read-only bind mount (root could write through chmod,
not through a read-only mount). Skipped where mount namespaces are not allowed.
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from PIL import Image

import boardkit.schema  # noqa: F401  (every table, for the helpers below)
from boardkit.core import auth
from boardkit.core.db import Database
from boardkit.core.web import CSRF_COOKIE, SESSION_COOKIE
from tests.helpers import csrf_from, person_id
from tests.smtp import free_port

BIN = Path(sys.executable).parent / "boardkit"
CHAIR = "formand@demo.boardkit.dk"
STORAGE_MESSAGE = "Systemet kan ikke gemme eller læse sine data lige nu"


def _namespaces_allowed() -> bool:
    if shutil.which("unshare") is None or shutil.which("nsenter") is None:
        return False
    return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(not _namespaces_allowed(), reason="needs mount namespaces (root)")


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    data: Path  # the data directory as the server sees it (inside its namespace)
    log: Path
    token: str  # an API token of the chair
    session: str  # a web session of the chair
    claim_id: int  # a draft expense claim of the chair

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)

    def inside(self, command: str) -> None:
        """Run a shell command in the server's mount namespace."""
        subprocess.run(["nsenter", "-t", str(self.proc.pid), "-m", "sh", "-c", command], check=False)


def _prepare(source: Path, demo_file: Path) -> tuple[str, str]:
    """A data directory with the demo, a token, a session and a draft claim of the chair."""
    source.mkdir(parents=True)
    shutil.copy(demo_file, source / "boardkit.sqlite3")
    (source / "secret_key").write_text("test-secret-key")
    db = Database(f"sqlite:///{source / 'boardkit.sqlite3'}")
    chair = person_id(db, CHAIR)
    with db.transaction() as s:
        _token, token = auth.create_api_token(s, person_id=chair, name="test")
        session = auth.create_session(s, person_id=chair, days=1)
    db.dispose()
    return token, session


@contextmanager
def serve(tmp_path: Path, demo_file: Path, mount: Callable[[Path, Path], str]) -> Iterator[Server]:
    source, data = tmp_path / "source", tmp_path / "mnt"
    token, session = _prepare(source, demo_file)
    data.mkdir()
    port = free_port()
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "BOARDKIT_DATA_DIR": str(data),
        "BOARDKIT_PORT": str(port),
        "BOARDKIT_INPROCESS_WORKER": "0",
    }
    script = f"set -e\n{mount(source, data)}\nexec {BIN} serve\n"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", "sh", "-c", script],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise AssertionError("the server never answered:\n" + log.read_text())
        server = Server(proc, port, data, log, token, session, 0)
        with server.client() as c:
            claim = c.post(
                "/api/v1/expense-claims",
                json={"board_id": 1, "purpose": "Kørsel til møde", "account": _account(c, token)},
                headers={"Authorization": f"Bearer {token}"},
            )
            server.claim_id = claim.json()["id"] if claim.status_code == 201 else 0
        yield server
    finally:
        proc.terminate()
        proc.wait(15)


def _account(c: httpx.Client, token: str) -> str:
    r = c.get("/api/v1/expense-accounts?board_id=1", headers={"Authorization": f"Bearer {token}"})
    return str(r.json()["items"][0]["code"]) if r.status_code == 200 else "0"


def _photo() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((800, 600), 40).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def _page_write(server: Server, c: httpx.Client) -> httpx.Response:
    """A form post in the web (the profile's language), as the chair."""
    c.cookies.set(SESSION_COOKIE, server.session)
    page = c.get("/profile")
    assert page.status_code == 200, page.text
    form = {"csrf_token": csrf_from(page.text), "language": "en", "preferred_channel": "email", "phone": ""}
    assert c.cookies.get(CSRF_COOKIE)
    return c.post("/profile", data=form)


def _upload(server: Server, c: httpx.Client) -> httpx.Response:
    return c.post(
        f"/api/v1/expense-claims/{server.claim_id}/receipts",
        files={"file": ("bon.jpg", _photo(), "image/jpeg")},
        headers={"Authorization": f"Bearer {server.token}"},
    )


def _is_clear_503(r: httpx.Response, *, api: bool) -> None:
    assert r.status_code == 503, (r.status_code, r.text[:500])
    assert r.headers["Retry-After"] == "60"
    if api:
        assert r.json()["error"]["code"] == "storage_unavailable"
        assert STORAGE_MESSAGE in r.json()["error"]["message"]
    else:
        assert "text/html" in r.headers["content-type"] and STORAGE_MESSAGE in r.text


def test_a_full_data_directory_answers_503_and_recovers(
    tmp_path: Path, sqlite_demo_template: Callable[[], Path]
) -> None:
    def tiny_tmpfs(source: Path, data: Path) -> str:
        size = (source / "boardkit.sqlite3").stat().st_size + 3 * 1024 * 1024
        return f"mount -t tmpfs -o size={size} tmpfs {data}\ncp -a {source}/. {data}/"

    with serve(tmp_path, sqlite_demo_template(), tiny_tmpfs) as server, server.client() as c:
        assert server.claim_id
        assert _upload(server, c).status_code == 201  # room for one more photo
        server.inside(f"dd if=/dev/zero of={server.data}/filler bs=64k 2>/dev/null; sync")
        _is_clear_503(_upload(server, c), api=True)  # the file store is full
        _is_clear_503(_page_write(server, c), api=False)  # the database cannot grow
        assert c.get("/").status_code == 200  # reading still works
        assert server.proc.poll() is None  # and the process lives
        server.inside(f"rm {server.data}/filler")
        assert _upload(server, c).status_code == 201
        assert _page_write(server, c).status_code == 303  # saved, back to the profile
        headers = {"Authorization": f"Bearer {server.token}"}
        claim = c.get(f"/api/v1/expense-claims/{server.claim_id}", headers=headers)
        assert len(claim.json()["lines"]) == 2  # the photos of the failed attempts were not half-saved
    assert "answered 503 (storage)" in server.log.read_text()


def test_a_read_only_data_directory_answers_503_and_the_server_still_starts(
    tmp_path: Path, sqlite_demo_template: Callable[[], Path]
) -> None:
    """Read-only from the start (a mount gone read-only after an error, say): the server starts
    all the same and says what is wrong, on every page that needs the data."""

    def read_only(source: Path, data: Path) -> str:
        return f"mount --bind {source} {data}\nmount -o remount,bind,ro {data}"

    with serve(tmp_path, sqlite_demo_template(), read_only) as server, server.client() as c:
        c.cookies.set(SESSION_COOKIE, server.session)
        _is_clear_503(c.get("/profile"), api=False)
        _is_clear_503(c.get("/api/v1/me", headers={"Authorization": f"Bearer {server.token}"}), api=True)
        assert server.proc.poll() is None
    text = server.log.read_text()
    assert "cannot be opened or written" in text and "Traceback" not in text


def test_a_read_only_data_directory_with_the_database_open_elsewhere_still_reads(
    tmp_path: Path, sqlite_demo_template: Callable[[], Path]
) -> None:
    """While another process has the database open (its WAL index exists), reads go on and every
    write answers 503."""
    held: list[sqlite3.Connection] = []

    def read_only(source: Path, data: Path) -> str:
        conn = sqlite3.connect(source / "boardkit.sqlite3")
        conn.execute("SELECT count(*) FROM person").fetchone()
        held.append(conn)
        return f"mount --bind {source} {data}\nmount -o remount,bind,ro {data}"

    try:
        with serve(tmp_path, sqlite_demo_template(), read_only) as server, server.client() as c:
            headers = {"Authorization": f"Bearer {server.token}"}
            assert c.get("/api/v1/me", headers=headers).status_code == 200
            _is_clear_503(_page_write(server, c), api=False)
            body = {"board_id": 1, "purpose": "Kørsel", "account": "1"}
            _is_clear_503(c.post("/api/v1/expense-claims", json=body, headers=headers), api=True)
            assert server.proc.poll() is None
    finally:
        for conn in held:
            conn.close()
