"""/healthz, /readyz and /metrics: what an operator's monitoring reads, and who may read it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update
from starlette.testclient import TestClient

from boardkit.config import Settings
from boardkit.core import jobs
from boardkit.core.db import Database, utcnow
from boardkit.core.models import WorkerHeartbeat

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
