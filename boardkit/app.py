"""create_app(settings): the composition root — domains, middleware, error pages, the worker."""

from __future__ import annotations

import contextlib
import gc
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import cast

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from boardkit.accounts.views import routes as account_routes
from boardkit.api.views import routes as api_routes
from boardkit.config import Settings
from boardkit.core import jobs, mail, search, storage
from boardkit.core.bookkeeping import Bookkeeper
from boardkit.core.db import Database, problem
from boardkit.core.i18n import _
from boardkit.core.notify import channels as notify_channels
from boardkit.core.notify import periodic as notify_periodic
from boardkit.core.notify.views import admin_routes as notify_admin_routes
from boardkit.core.notify.views import routes as notify_routes
from boardkit.core.search import indexing as search_index
from boardkit.core.search.views import routes as search_routes
from boardkit.core.web import error_page, json_error, unavailable
from boardkit.core.web.pagecache import PageCache
from boardkit.dashboard import routes as dashboard_routes
from boardkit.expenses.flow_views import routes as expense_flow_routes
from boardkit.expenses.line_views import routes as expense_line_routes
from boardkit.expenses.report_views import routes as expense_report_routes
from boardkit.expenses.views import routes as expense_routes
from boardkit.meetings import reminders
from boardkit.meetings.invitations.letter_views import routes as letter_routes
from boardkit.meetings.invitations.views import routes as invitation_routes
from boardkit.meetings.minutes.decision_views import routes as decision_routes
from boardkit.meetings.minutes.views import routes as minutes_routes
from boardkit.meetings.packs import service as pack
from boardkit.meetings.proposals.views import routes as proposal_routes
from boardkit.meetings.views import routes as meeting_routes
from boardkit.org import service as org_service
from boardkit.org.views import routes as org_routes
from boardkit.wiring import wire

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


def build_runner(db: Database, settings: Settings) -> jobs.JobRunner:
    """The job runner with every domain's handlers."""
    wire()
    try:  # files, mail, search index: the server's alone
        storage.private_dir(settings.data_dir, tighten=True)
    except OSError as exc:  # read-only or full: serve anyway, the pages say what is wrong
        log.error("cannot make the data directory %s private: %s", settings.data_dir, exc)
    runner = jobs.JobRunner(
        db, retry_base_seconds=settings.retry_base_seconds, max_attempts=settings.max_attempts
    )
    transport = mail.Transport(
        settings.smtp_url, settings.mail_dir, settings.mail_from, secret_key=settings.secret_key
    )
    runner.register(mail.DELIVER, mail.make_deliver_handler(transport), own_transactions=True)
    runner.idle_hooks.append(transport.close)
    runner.every(reminders.KIND, reminders.make_handler(settings), seconds=reminders.EVERY_SECONDS)
    for kind, own in pack.make_handlers(settings).items():
        runner.register(kind, own, own_transactions=True)
    runner.register(search.INDEX, search_index.make_handler(settings), own_transactions=True)
    for kind, (handler, seconds) in notify_periodic.make_handlers(settings).items():
        if seconds is None:
            runner.register(kind, handler, own_transactions=kind == notify_channels.DELIVER)
        else:
            runner.every(kind, cast(jobs.Handler, handler), seconds=seconds)

    def on_failure(job: jobs.Job) -> None:
        if job.kind == mail.DELIVER:
            with db.transaction() as s:
                mail.mark_failed(s, email_id=job.payload["email_id"], error=job.last_error)
                notify_channels.email_failed(
                    s, email_id=job.payload["email_id"], error=job.last_error, settings=settings
                )
        elif job.kind == notify_channels.DELIVER and not job.payload.get("reminder"):
            with db.transaction() as s:  # the person falls back to the next channel
                notify_channels.delivery_failed(
                    s, delivery_id=job.payload["delivery_id"], error=job.last_error, settings=settings
                )

    runner.on_failure = on_failure
    return runner


def create_app(
    settings: Settings, *, db: Database | None = None, start_worker: bool | None = None
) -> Starlette:
    database = db or Database(settings.database_url, busy_timeout=settings.db_busy_timeout_seconds)
    keeper = Bookkeeper(database)
    runner = build_runner(database, settings)
    worker = jobs.Worker(runner, poll_seconds=settings.worker_poll_seconds)
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

    routes = [
        *dashboard_routes,
        *meeting_routes,
        *proposal_routes,
        *invitation_routes,
        *minutes_routes,
        *decision_routes,
        *expense_flow_routes,
        *expense_report_routes,
        *expense_routes,
        *expense_line_routes,
        *notify_routes,
        *search_routes,
        Mount("/admin/notices", routes=notify_admin_routes, name="notify_admin"),
        Mount("/admin", routes=org_routes, name="org"),
        Mount("/print-batches", routes=letter_routes, name="letters"),
        Mount("/api/v1", routes=api_routes, name="api"),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
        # Last: a mount at "/" would shadow every mount after it.
        Mount("/", routes=account_routes, name="accounts"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders, hsts=settings.base_url.startswith("https://"))],
        exception_handlers={HTTPException: http_error, 500: server_error},
        lifespan=lifespan,
        max_body_size=settings.max_body_bytes,
    )
    app.state.db = database
    app.state.page_cache = PageCache(database.generation)
    app.state.settings = settings
    app.state.identity_loader = org_service.load_identity
    app.state.runner = runner
    app.state.worker = worker
    app.state.bookkeeper = keeper
    return app
