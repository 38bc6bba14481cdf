"""Health and metrics for operators: ``/healthz`` (the process answers), ``/readyz`` (the database
answers, its schema is current, a job worker is alive) and ``/metrics`` (Prometheus' text format).

None of them needs a login, and none writes anything. ``/metrics`` answers only a request with
``Authorization: Bearer $BOARDKIT_METRICS_TOKEN`` or, while no token is set, one from this machine
(a reverse proxy on it forwards its clients' addresses, so they are not taken for local ones);
anyone else gets 404.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from alembic.runtime.migration import MigrationContext
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from boardkit import migrate
from boardkit.core.db import Database, utcnow
from boardkit.core.metrics import REGISTRY
from boardkit.core.models import Job, OutboxEmail, WorkerHeartbeat
from boardkit.core.registry import Registry

HEARTBEAT_FRESH = timedelta(seconds=60)
LOCAL = frozenset({"127.0.0.1", "::1", "localhost"})
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


async def healthz(_request: Request) -> Response:
    return PlainTextResponse("ok")


def readiness(db: Database) -> dict[str, str]:
    """Each check's outcome ("ok" or what is wrong), read in one short read-only transaction."""
    checks = {"database": "ok", "migrations": "unknown", "worker": "unknown"}
    step = "database"
    try:
        with db.transaction(readonly=True) as s:
            s.execute(text("SELECT 1"))
            step = "migrations"
            current, head = MigrationContext.configure(s.connection()).get_current_revision(), migrate.head()
            checks["migrations"] = "ok" if current == head else f"at {current}, the code wants {head}"
            step = "worker"
            seen = s.scalar(select(func.max(WorkerHeartbeat.seen_at)))
    except Exception as exc:  # the database is away, or its schema is not made yet
        checks[step] = f"unreachable: {type(exc).__name__}" if step == "database" else "not migrated"
        return checks
    if seen is None:
        checks["worker"] = "no worker has reported"
    else:
        age = utcnow() - seen
        checks["worker"] = "ok" if age <= HEARTBEAT_FRESH else f"last seen {int(age.total_seconds())} s ago"
    return checks


async def readyz(request: Request) -> Response:
    checks = await run_in_threadpool(readiness, request.app.state.db)
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ready" if ready else "unready", "checks": checks}, 200 if ready else 503)


class QueueAndOutbox(Collector):
    """The job queue and the mail outbox as they stand in the database at the scrape."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[Any]:
        now = utcnow()
        with self.db.transaction(readonly=True) as s:
            jobs = s.execute(
                select(Job.status, func.count(), func.min(Job.run_after)).group_by(Job.status)
            ).all()
            mails = s.execute(select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)).all()
        depth = GaugeMetricFamily("boardkit_jobs", "Jobs in the queue by status", labels=["status"])
        for status, count, _oldest in jobs:
            depth.add_metric([status], count)
        yield depth
        oldest = next((o for st, _c, o in jobs if st == "queued" and o is not None), None)
        yield GaugeMetricFamily(
            "boardkit_jobs_oldest_queued_age_seconds",
            "How long the oldest queued job has been due (0 when none is overdue)",
            value=max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0,
        )
        outbox = GaugeMetricFamily("boardkit_mail", "E-mails in the outbox by status", labels=["status"])
        for status, count in mails:
            outbox.add_metric([status], count)
        yield outbox


def _may_scrape(request: Request) -> bool:
    token = request.app.state.settings.metrics_token
    if token:
        scheme, _sep, given = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
    return request.client is not None and request.client.host in LOCAL


def _exposition(db: Database) -> bytes:
    """This process's own metrics, then what the database holds (a registry of the scrape's own)."""
    stored = CollectorRegistry(auto_describe=False)
    stored.register(QueueAndOutbox(db))
    return generate_latest(REGISTRY) + generate_latest(stored)


async def metrics(request: Request) -> Response:
    if not _may_scrape(request):
        return PlainTextResponse("Not Found", status_code=404)
    body = await run_in_threadpool(_exposition, request.app.state.db)
    return Response(body, media_type=CONTENT_TYPE)


routes = [
    Route("/healthz", healthz, name="healthz"),
    Route("/readyz", readyz, name="readyz"),
    Route("/metrics", metrics, name="metrics"),
]


def register(reg: Registry) -> None:
    reg.routes(routes)
