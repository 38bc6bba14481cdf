"""One request, one transaction, off the event loop: reading the body, authentication, the CSRF
check, the view and its commit (run once more after a lost race), the write gate for SQLite,
503 for a busy database or unwritable storage, and what runs after the commit.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from boardkit.config import Settings
from boardkit.core import auth, errors, i18n, jobs
from boardkit.core.bookkeeping import Bookkeeper
from boardkit.core.db import Database, Problem, problem, utcnow, wait_at_most
from boardkit.core.errors import (
    AppError,
    Forbidden,
    NotAuthenticated,
    ServiceUnavailable,
)
from boardkit.core.i18n import _
from boardkit.core.web.context import (
    CSRF_COOKIE,
    LANG_COOKIE,
    SAFE_METHODS,
    SESSION_COOKIE,
    Ctx,
    IdentityLoader,
    Upload,
)
from boardkit.fileio import private_dir

log = logging.getLogger("boardkit.web")


def _services(request: Request) -> tuple[Database, Settings, IdentityLoader]:
    state = request.app.state
    return state.db, state.settings, state.identity_loader


async def read_body(request: Request, ctx_kwargs: dict[str, Any], *, parse_json: bool) -> None:
    if request.method in SAFE_METHODS:
        return
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form: dict[str, list[str]] = {}
        files: dict[str, list[Upload]] = {}
        async with request.form() as data:
            for key, value in data.multi_items():
                if isinstance(value, UploadFile):
                    if value.filename:
                        files.setdefault(key, []).append(await _upload(request, value))
                else:
                    form.setdefault(key, []).append(value.replace("\x00", ""))
        ctx_kwargs.update(form=form, files=files)
    elif parse_json:
        raw = await request.body()
        if raw:
            try:
                ctx_kwargs["body"] = _without_nul(json.loads(raw))
            except ValueError as exc:
                raise AppError(_("Ugyldig JSON i forespørgslen."), code="malformed_json") from exc


SPOOL_BYTES = 32 * 1024 * 1024  # a larger file stays on disk (only the video upload takes one)
SPOOL_KEEP_SECONDS = 3600


async def _upload(request: Request, value: UploadFile) -> Upload:
    if (value.size or 0) <= SPOOL_BYTES:
        return Upload(value.filename or "", value.content_type or "", await value.read())
    settings: Settings = request.app.state.settings
    path = await run_in_threadpool(_spool, value, settings.data_dir / "tmp" / "uploads")
    return Upload(value.filename or "", value.content_type or "", b"", path=path)


def _spool(value: UploadFile, folder: Path) -> Path:
    """Copy a large upload to a private file under the data directory (the view removes it; one
    left behind by a refused request goes an hour later)."""
    private_dir(folder)
    cutoff = time.time() - SPOOL_KEEP_SECONDS
    for old in folder.glob("upload-*"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    fd, name = tempfile.mkstemp(dir=folder, prefix="upload-")
    try:
        value.file.seek(0)
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(value.file, out, 1024 * 1024)
    except BaseException:  # a full disk: no part of the upload stays behind
        os.unlink(name)
        raise
    return Path(name)


def _without_nul(value: Any) -> Any:
    """Text without NUL characters: they mean nothing in a form and PostgreSQL cannot store them."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    return value


def apply_cookies(response: Response, ctx: Ctx) -> Response:
    secure = ctx.settings.secure_cookies
    for name, value, options in ctx.cookies:
        if value == "":
            response.delete_cookie(name, path="/")
        else:
            opts = {"httponly": True, "samesite": "lax", "secure": secure, "path": "/", **options}
            response.set_cookie(name, value, **opts)
    return response


def _run_view(
    view: Callable[[Ctx], Any],
    request: Request,
    ctx_kwargs: dict[str, Any],
    *,
    is_api: bool,
    readonly: bool | None = None,
    budget: float | None = None,
) -> tuple[Any, Ctx]:
    """The view in one transaction, run once more if it lost a race (a PostgreSQL serialisation
    failure or deadlock: views only write to the database, so they are safe to run again); a
    database still busy after the busy timeout, or storage that cannot be written, gives 503.
    ``budget``: how long the write may still wait for its turn (SQLite)."""
    for attempt in (1, 2):
        try:
            if budget is None:
                return _run_once(view, request, ctx_kwargs, is_api=is_api, readonly=readonly)
            with wait_at_most(budget):
                return _run_once(view, request, ctx_kwargs, is_api=is_api, readonly=readonly)
        except Exception as exc:
            kind = problem(exc)
            if kind is None:
                raise
            if kind == "conflict" and attempt == 1:
                log.info("%s %s lost a race, running it again: %s", request.method, request.url.path, exc)
                # A moment's pause first: PostgreSQL does not queue row locks fairly, so a retry at
                # once can take a lock back from the winner still waiting for it, and lose again.
                time.sleep(random.uniform(0.05, 0.15))
                continue
            log.warning("%s %s answered 503 (%s): %s", request.method, request.url.path, kind, exc)
            raise unavailable(kind) from exc
    raise AssertionError("unreachable")


def unavailable(kind: Problem) -> ServiceUnavailable:
    """The 503 for a database that is busy (try again in a moment) or away, or storage that cannot
    be written."""
    if kind == "unreachable":
        return ServiceUnavailable(
            _("Databasen kan ikke nås lige nu, så intet blev gemt. Prøv igen om lidt."),
            code="database_unreachable",
            retry_after=10,
        )
    if kind == "storage":
        return ServiceUnavailable(
            _(
                "Systemet kan ikke gemme eller læse sine data lige nu (datamappen er skrivebeskyttet, "
                "fuld eller utilgængelig). Intet er gemt. Prøv igen senere, eller kontakt administratoren."
            ),
            code="storage_unavailable",
            retry_after=60,
        )
    return ServiceUnavailable(
        _("Der er travlt lige nu, så intet blev gemt. Prøv igen om et øjeblik."), code="busy", retry_after=2
    )


def _run_once(
    view: Callable[[Ctx], Any],
    request: Request,
    ctx_kwargs: dict[str, Any],
    *,
    is_api: bool,
    readonly: bool | None,
) -> tuple[Any, Ctx]:
    db, settings, identity_loader = _services(request)
    if readonly is None:
        readonly = not _writes(request, view)
    session = db.session(readonly=readonly)
    try:
        session.begin()
        ctx = Ctx(request=request, db=session, settings=settings, **ctx_kwargs)
        _authenticate(ctx, identity_loader, is_api=is_api, readonly=readonly)
        lang = ctx.identity.language if ctx.identity else request.cookies.get(LANG_COOKIE)
        i18n.set_language(lang)
        if not is_api:
            _check_csrf(ctx)
        with errors.watch() as seen:
            response = view(ctx)
        if ctx.rollback_only or errors.any_raised(seen):  # a form with its errors; a caught domain error
            session.rollback()
        else:
            session.commit()
            if jobs.queued_jobs(session) and (worker := getattr(request.app.state, "worker", None)):
                ctx.after_commit.append(worker.wake)  # the jobs this request queued run at once
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    return response, ctx


def _writes(request: Request, view: Callable[..., Any]) -> bool:
    return request.method not in SAFE_METHODS or getattr(view, "writes", False)


async def dispatch(
    view: Callable[[Ctx], Any], request: Request, ctx_kwargs: dict[str, Any], *, is_api: bool
) -> tuple[Any, Ctx]:
    """Run the view off the event loop: its :func:`prepare` step first, then (SQLite writes: in
    turn, waiting at most the busy timeout) the view in its transaction."""
    db: Database = request.app.state.db
    if (prepare_fn := getattr(view, "prepare", None)) is not None:
        ctx_kwargs["prepared"], _ctx = await run_in_threadpool(
            _run_view, prepare_fn, request, ctx_kwargs, is_api=is_api, readonly=True
        )
    gate = db.write_gate() if _writes(request, view) else None
    if gate is None:
        return await run_in_threadpool(_run_view, view, request, ctx_kwargs, is_api=is_api)
    started = time.monotonic()
    try:
        async with asyncio.timeout(db.busy_timeout):
            await gate.acquire()
    except TimeoutError:
        log.warning(
            "%s %s answered 503: no turn to write within the busy timeout", request.method, request.url.path
        )
        raise unavailable("busy") from None
    try:
        budget = db.busy_timeout - (time.monotonic() - started)
        return await run_in_threadpool(_run_view, view, request, ctx_kwargs, is_api=is_api, budget=budget)
    finally:
        gate.release()


def _authenticate(ctx: Ctx, loader: IdentityLoader, *, is_api: bool, readonly: bool = False) -> None:
    request, settings = ctx.request, ctx.settings
    person_id: int | None = None
    header = request.headers.get("authorization", "")
    if is_api and header:
        scheme, _sep, secret = header.partition(" ")
        token = (
            auth.resolve_api_token(ctx.db, secret=secret.strip(), touch=not readonly)
            if scheme.lower() == "bearer"
            else None
        )
        if token is None:
            raise NotAuthenticated(_("Ugyldigt eller tilbagekaldt API-token."), code="invalid_token")
        person_id = token.person_id
        if readonly and auth.needs_touch(token.last_used_at):
            ctx.bookkeep(("api_token_used", token.id), partial(_touch_token, token.id, utcnow()))
    elif (cookie := request.cookies.get(SESSION_COOKIE)) and (not is_api or request.method in SAFE_METHODS):
        touch = request.method not in SAFE_METHODS and not readonly
        session = auth.resolve_session(ctx.db, secret=cookie, days=settings.session_days, touch=touch)
        if session is not None:
            person_id = session.person_id
            ctx.session_id = session.id
    if person_id is not None:
        ctx.identity = loader(ctx.db, person_id)


def _touch_token(token_id: int, at: datetime, db: Session) -> None:
    auth.touch_api_token(db, token_id=token_id, at=at)


def _check_csrf(ctx: Ctx) -> None:
    binding = ctx.request.cookies.get(CSRF_COOKIE, "")
    if not binding:
        binding = secrets.token_urlsafe(24)
        ctx.set_cookie(CSRF_COOKIE, binding, max_age=60 * 60 * 24 * 365)
    ctx.csrf = auth.csrf_token(ctx.settings.secret_key, binding, ctx.session_id)
    if ctx.request.method not in SAFE_METHODS:
        submitted = ctx.value("csrf_token") or ctx.request.headers.get("x-csrf-token", "")
        cookie = ctx.request.cookies.get(CSRF_COOKIE, "")
        if not auth.csrf_valid(ctx.settings.secret_key, cookie, submitted, ctx.session_id):
            if ctx.session_id is None and ctx.request.cookies.get(SESSION_COOKIE):
                # The form came from a session that has ended since (logged out, expired).
                raise NotAuthenticated(_("Log ind for at fortsætte."))
            raise Forbidden(
                _("Formularen var udløbet eller kom fra et andet sted. Prøv igen."), code="csrf_failed"
            )


def after(ctx: Ctx) -> None:
    for fn in ctx.after_commit:
        try:
            fn()
        except Exception:
            log.exception("after-commit hook failed")
    if ctx.bookkeeping:
        keeper = bookkeeper(ctx.request)
        keeper.add(ctx.bookkeeping)
        keeper.flush(wait=False)


def bookkeeper(request: Request) -> Bookkeeper:
    """The app's :class:`Bookkeeper` (made on first use)."""
    state = request.app.state
    keeper: Bookkeeper | None = getattr(state, "bookkeeper", None)
    if keeper is None:
        keeper = state.bookkeeper = Bookkeeper(state.db)
    return keeper


def retry_after(response: Response, exc: AppError) -> Response:
    if isinstance(exc, ServiceUnavailable):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response
