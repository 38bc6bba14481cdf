"""create_app(settings): the composition root — domains, middleware, error pages, the worker."""

from __future__ import annotations

import contextlib
import gc
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from boardkit import dashboard, fileio, health
from boardkit.accounts import registration as accounts
from boardkit.api import registration as api
from boardkit.config import Settings
from boardkit.core import jobs
from boardkit.core.bookkeeping import Bookkeeper
from boardkit.core.db import Database, problem
from boardkit.core.i18n import _
from boardkit.core.mail import registration as mail
from boardkit.core.metrics import RequestMetrics
from boardkit.core.notify import registration as notify
from boardkit.core.registry import Registry
from boardkit.core.retention import registration as retention
from boardkit.core.search import registration as search
from boardkit.core.web import error_page, json_error, unavailable
from boardkit.core.web.pagecache import PageCache
from boardkit.core.web.routing import index_routes
from boardkit.democracy import registration as democracy
from boardkit.expenses import registration as expenses
from boardkit.forum import registration as forum
from boardkit.handover import registration as handover
from boardkit.library import registration as library
from boardkit.meetings import registration as meetings
from boardkit.onboarding import registration as onboarding
from boardkit.org import registration as org
from boardkit.org import service as org_service
from boardkit.permits import registration as permits

# Every domain's register(reg), in the order their routes are tried ("/admin/notices" before
# "/admin"; accounts' mount at "/" goes last whatever the order).
VIDEO_UPLOAD_PATH = "/admin/onboarding/videos"  # the one route that takes large bodies
DOMAINS = (
    health,
    mail,
    notify,
    search,
    retention,
    dashboard,
    meetings,
    expenses,
    permits,
    onboarding,
    forum,
    library,
    democracy,
    handover,
    org,
    api,
    accounts,
)

log = logging.getLogger("boardkit")
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "worker-src 'self'; manifest-src 'self'; "
    "font-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
# The attachment reading page shows a PDF in a frame: only the files themselves may be framed,
# and only by this site's own pages.
FRAMEABLE = re.compile(r"^/attachments/[0-9]+$")
CSP_FRAMEABLE = CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'")


class SecurityHeaders:
    """Secure defaults on every response (and no NUL characters in a query string: they mean
    nothing in a search or a filter, and PostgreSQL cannot even compare text with them)."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query:
            scope = {**scope, "query_string": query.replace(b"%00", b"").replace(b"\x00", b"")}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _v in headers}
                frameable = FRAMEABLE.match(scope["path"]) is not None
                extra = {
                    b"content-security-policy": (CSP_FRAMEABLE if frameable else CSP).encode(),
                    b"x-content-type-options": b"nosniff",
                    b"x-frame-options": b"SAMEORIGIN" if frameable else b"DENY",
                    b"referrer-policy": b"same-origin",
                    b"permissions-policy": b"camera=(self), microphone=(), geolocation=()",
                    b"cross-origin-opener-policy": b"same-origin",
                }
                if self.hsts:
                    extra[b"strict-transport-security"] = b"max-age=31536000; includeSubDomains"
                headers += [(k, v) for k, v in extra.items() if k not in names]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RefuseTooLarge:
    """Bodies over the limit get 413 in the API's JSON or as an error page: one announced as too
    large before it is read, one that grows too large as it is read (Starlette's own limit would
    answer plain text, whatever the app says)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}  # exact paths that take more (the video upload)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope["path"], self.max_bytes)
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > limit:
            response = await http_error(Request(scope, receive), HTTPException(413))
            await response(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise HTTPException(413)  # answered by http_error, like any other
            return message

        await self.app(scope, counted, send)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


async def http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    messages = {
        404: _("Siden findes ikke, eller du har ikke adgang til den."),
        405: _("Metoden er ikke tilladt her."),
        413: _("Forespørgslen er for stor."),
    }
    if _wants_json(request):
        codes = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
        return json_error(status, codes.get(status, "error"), messages.get(status, ""))
    return await run_in_threadpool(error_page, request, status, messages.get(status, ""))


async def server_error(request: Request, exc: Exception) -> Response:
    if (kind := problem(exc)) is not None:  # a busy or unwritable database outside a view: 503 too
        log.warning("%s %s answered 503 (%s): %s", request.method, request.url.path, kind, exc)
        busy = unavailable(kind)
        headers = {"Retry-After": str(busy.retry_after)}
        if _wants_json(request):
            return json_error(503, busy.code, busy.message, headers=headers)
        response = await run_in_threadpool(error_page, request, 503, busy.message)
        response.headers.update(headers)
        return response
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if _wants_json(request):
        return json_error(500, "internal_error", "Internal error")
    return await run_in_threadpool(error_page, request, 500, _("Prøv igen om lidt."))


def compose(db: Database, settings: Settings) -> Registry:
    """Every domain's routes, jobs and periodic tasks (and what core calls back into them)."""
    try:  # files, mail, search index: the server's alone
        fileio.private_dir(settings.data_dir, tighten=True)
    except OSError as exc:  # read-only or full: serve anyway, the pages say what is wrong
        log.error("cannot make the data directory %s private: %s", settings.data_dir, exc)
    runner = jobs.JobRunner(
        db,
        retry_base_seconds=settings.retry_base_seconds,
        max_attempts=settings.max_attempts,
        lease_seconds=settings.job_lease_seconds,
    )
    reg = Registry(settings, runner)
    for domain in DOMAINS:
        domain.register(reg)
    reg.mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static")
    return reg


def build_runner(db: Database, settings: Settings) -> jobs.JobRunner:
    """The job runner with every domain's handlers (the worker's, the app's and the tests')."""
    return compose(db, settings).runner


def create_app(
    settings: Settings, *, db: Database | None = None, start_worker: bool | None = None
) -> Starlette:
    database = db or Database(
        settings.database_url, busy_timeout=settings.db_busy_timeout_seconds, pool_size=settings.db_pool_size
    )
    keeper = Bookkeeper(database)
    reg = compose(database, settings)
    worker = jobs.Worker(reg.runner, poll_seconds=settings.worker_poll_seconds)
    run_worker = settings.inprocess_worker if start_worker is None else start_worker

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if run_worker:
            worker.start()
        # What start-up made (modules, templates, the route map) lives as long as the process:
        # keep it out of the collector's full passes, which otherwise cost a request 100+ ms now
        # and then (the 500-meeting calendar feed's p95 went from ~160 ms to ~50 ms).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            worker.stop()
            keeper.flush(wait=True)  # what reads noted lately (a token's last use, read marks)
            if db is None:
                database.dispose()

    app = Starlette(
        routes=reg.app_routes(),
        middleware=[
            Middleware(RequestMetrics),
            Middleware(SecurityHeaders, hsts=settings.base_url.startswith("https://")),
            Middleware(
                RefuseTooLarge,
                max_bytes=settings.max_body_bytes,
                larger={VIDEO_UPLOAD_PATH: settings.max_video_bytes},
            ),
        ],
        exception_handlers={HTTPException: http_error, 500: server_error},
        lifespan=lifespan,
    )
    index_routes(app)
    app.state.db = database
    app.state.page_cache = PageCache(database.generation)
    app.state.settings = settings
    app.state.identity_loader = org_service.load_identity
    app.state.runner = reg.runner
    app.state.worker = worker
    app.state.bookkeeper = keeper
    return app
