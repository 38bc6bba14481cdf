"""/healthz, /readyz and /metrics: what an operator's monitoring reads, and who may read it."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update
from starlette.testclient import TestClient

from boardkit.config import Settings
from boardkit.core import jobs
from boardkit.core.db import Database, utcnow
from boardkit.core.models import WorkerHeartbeat
from tests.smtp import free_port

pytestmark = pytest.mark.postgres  # see tests/conftest.py
TOKEN = "metrics-test-token"


def _worker(db: Database) -> jobs.Worker:
    return jobs.Worker(jobs.JobRunner(db))


def test_healthz_says_the_process_answers(client: TestClient) -> None:
    answer = client.get("/healthz")
    assert (answer.status_code, answer.text) == (200, "ok")


def test_readyz_wants_the_database_its_schema_and_a_live_worker(client: TestClient, db: Database) -> None:
    waiting = client.get("/readyz")
    assert waiting.status_code == 503
    assert waiting.json() == {
        "status": "unready",
        "checks": {"database": "ok", "migrations": "ok", "worker": "no worker has reported"},
    }
    worker = _worker(db)
    worker.heartbeat()
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ready"

    with db.transaction() as s:  # the worker stopped two minutes ago
        s.execute(update(WorkerHeartbeat).values(seen_at=utcnow() - timedelta(minutes=2)))
    stale = client.get("/readyz")
    assert stale.status_code == 503
    assert stale.json()["checks"]["worker"].startswith("last seen 1")
    worker.heartbeat()  # the same worker again: one row, fresh
    assert client.get("/readyz").status_code == 200
    with db.transaction() as s:
        assert len(s.query(WorkerHeartbeat).all()) == 1


def test_readyz_is_503_while_the_database_is_away(settings: Settings, backend: str) -> None:
    from boardkit.app import create_app

    blocker = settings.data_dir.parent / "blocker"
    blocker.write_text("a file where a directory should be")
    url = (
        "postgresql+psycopg://postgres@127.0.0.1:9/nothing?connect_timeout=2"
        if backend == "postgres"
        else f"sqlite:///{blocker}/boardkit.sqlite3"  # SQLite cannot open it
    )
    away = Database(url)
    try:
        with TestClient(create_app(settings.with_(database_url=url), db=away, start_worker=False)) as c:
            answer = c.get("/readyz")
        assert answer.status_code == 503
        checks = answer.json()["checks"]
        assert checks["database"].startswith("unreachable"), checks
        assert checks["worker"] == "unknown"
    finally:
        away.dispose()


def test_metrics_parse_and_count_requests_by_route_template(app_settings: Settings, db: Database) -> None:
    from boardkit.app import create_app

    app = create_app(app_settings.with_(metrics_token=TOKEN), db=db, start_worker=False)
    with TestClient(app) as c:
        assert c.get("/metrics").status_code == 404  # no token, and TestClient is not this machine
        assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
        c.get("/healthz")
        c.get("/api/v1/meetings/4711")  # 401: no token; the template is the label, not the path
        c.get("/no/such/page/Hemmelig")
        c.get("/static/no-such-file.css")
        with db.transaction() as s:
            jobs.enqueue(s, "search.index", {})
        answer = c.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(answer.text)}
    requests = {
        (s.labels["method"], s.labels["route"], s.labels["status"]): s.value
        for s in families["boardkit_http_requests"].samples
        if s.name.endswith("_total")
    }
    assert requests[("GET", "/healthz", "200")] >= 1
    assert ("GET", "/api/v1/meetings/{meeting_id:id}", "401") in requests, requests
    assert ("GET", "<unmatched>", "404") in requests, requests
    assert ("GET", "/static/{path}", "404") in requests, requests
    labels = {v for f in families.values() for sample in f.samples for v in sample.labels.values()}
    assert not any("4711" in v or "Hemmelig" in v for v in labels), labels
    assert "boardkit_http_request_duration_seconds" in families
    assert "boardkit_search_duration_seconds" in families
    queued = {s.labels["status"]: s.value for s in families["boardkit_jobs"].samples}
    assert queued.get("queued", 0) >= 1
    assert "boardkit_jobs_oldest_queued_age_seconds" in families
    assert "boardkit_mail" in families


PG_BIN = Path("/usr/lib/postgresql/15/bin")


class ThrowawayPostgres:
    """A PostgreSQL cluster of the test's own (Debian's binaries, another port), so stopping it
    stops no one else's database."""

    def __init__(self) -> None:
        # Under /tmp itself: pytest's own directories are closed to the postgres user.
        self.root = root = Path(tempfile.mkdtemp(prefix="boardkit-pg-"))
        self.data, self.port = root / "data", free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(root, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres?connect_timeout=3"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_postgres, str(PG_BIN / tool), *args], check=True, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.data.parent / "log"), "-w", "start"
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


def _ready(client: TestClient, want: int, seconds: float = 15.0) -> dict[str, str]:
    deadline = time.monotonic() + seconds
    while True:
        answer = client.get("/readyz")
        if answer.status_code == want or time.monotonic() > deadline:
            assert answer.status_code == want, answer.text
            return dict(answer.json()["checks"])
        time.sleep(0.2)


@pytest.mark.skipif(
    not (PG_BIN / "initdb").exists() or (os.geteuid() == 0 and not shutil.which("runuser")),
    reason="needs Debian's PostgreSQL server binaries",
)
def test_readyz_turns_503_while_postgresql_is_stopped_and_200_once_it_is_back(settings: Settings) -> None:
    from boardkit import migrate
    from boardkit.app import create_app

    pg = ThrowawayPostgres()
    pg.start()
    db = Database(pg.url)
    try:
        migrate.upgrade(pg.url)
        _worker(db).heartbeat()
        with TestClient(create_app(settings.with_(database_url=pg.url), db=db, start_worker=False)) as c:
            assert _ready(c, 200) == {"database": "ok", "migrations": "ok", "worker": "ok"}
            pg.stop()
            down = _ready(c, 503)
            assert down["database"].startswith("unreachable"), down
            assert c.get("/healthz").status_code == 200  # the process itself is fine
            page = c.get("/n/no-such-token")  # a page says so in words, and when to try again
            assert page.status_code == 503, page.text
            assert "Databasen kan ikke nås" in page.text and page.headers["retry-after"]
            api = c.get("/api/v1/me", headers={"Authorization": "Bearer x"})
            assert (api.status_code, api.json()["error"]["code"]) == (503, "database_unreachable")
            pg.start()
            _ready(c, 200)  # the pool reconnects by itself
            assert c.get("/login").status_code == 200
    finally:
        db.dispose()
        with contextlib.suppress(subprocess.CalledProcessError):
            pg.stop()
        shutil.rmtree(pg.root, ignore_errors=True)
