"""Prometheus metrics of this process: requests by route, their latency, search latency.

One registry per process (``REGISTRY``); ``/metrics`` (``boardkit/health.py``) adds what lives in
the database — the job queue and the mail outbox — at the moment it is scraped, so those figures
are the same whichever process answers.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.routing import BaseRoute, Mount, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REGISTRY = CollectorRegistry(auto_describe=True)
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "boardkit_http_requests",
    "HTTP requests answered, by method, route template and status",
    ("method", "route", "status"),
    registry=REGISTRY,
)
LATENCY = Histogram(
    "boardkit_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by method and route template",
    ("method", "route"),
    buckets=_BUCKETS,
    registry=REGISTRY,
)
SEARCH_LATENCY = Histogram(
    "boardkit_search_duration_seconds",
    "Time a search took in the index",
    buckets=_BUCKETS,
    registry=REGISTRY,
)
UNMATCHED = "<unmatched>"  # a path no route matched: one label, whatever was asked for


@contextmanager
def timed_search() -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        SEARCH_LATENCY.observe(time.perf_counter() - started)


def route_label(scope: Scope) -> str:
    """The route's template ("/api/v1/meetings/{meeting_id:id}"), never the path itself (which
    would hold ids and personal links, and grow the metrics without bound)."""
    route: BaseRoute | None = scope.get("route")
    path = getattr(route, "path", None)
    if path is None:
        return UNMATCHED
    if isinstance(route, Mount):
        if isinstance(route.app, Router):  # a mount none of whose routes matched
            return UNMATCHED
        return f"{path}/{{path}}"  # a mounted app (the static files): one label for it
    mount = scope.get("root_path", "")
    app_root = scope.get("app_root_path", "")
    prefix = mount[len(app_root) :] if app_root and mount.startswith(app_root) else mount
    return f"{prefix}{path}" or "/"


class RequestMetrics:
    """Counts every HTTP request and times it, labelled by the route that answered it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            key = (scope["method"], route_label(scope), status)
            children = _children.get(key)
            if children is None:  # prometheus_client's labels() costs more than the rest together
                children = _children[key] = (
                    REQUESTS.labels(key[0], key[1], str(status)),
                    LATENCY.labels(key[0], key[1]),
                )
            children[0].inc()
            children[1].observe(time.perf_counter() - started)


_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
