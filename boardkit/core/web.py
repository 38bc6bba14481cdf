"""Web plumbing shared by every domain: one transaction per request, run off the event loop.

A view is a plain synchronous function ``view(ctx) -> Response``. The :func:`page` and
:func:`api` decorators turn it into an ASGI endpoint that reads the body on the loop, then runs
authentication, the CSRF check, the view and the commit in one worker thread and one
transaction. Side effects registered with ``ctx.after_commit`` run only after a commit.

Under load: a read never takes the write lock (what it wants noted goes to ``ctx.bookkeep``);
SQLite write requests queue in turn on the event loop (``Database.write_gate``), so waiting
writers hold no thread; slow work a write needs (an image, a PDF) can run before its write
transaction (:func:`prepare`); a transaction that lost a race runs once more; and a database
that stays busy, or a data directory that cannot be written, answers 503 with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import tempfile
import time
import unicodedata
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, BinaryIO, TypeVar, cast
from urllib.parse import quote, urlencode

from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from boardkit.config import Settings
from boardkit.core import auth, i18n
from boardkit.core.bookkeeping import Bookkeeper
from boardkit.core.db import Database, Problem, problem, utcnow, wait_at_most
from boardkit.core.errors import (
    AppError,
    Forbidden,
    NotAuthenticated,
    NotFound,
    ServiceUnavailable,
    ValidationFailed,
)
from boardkit.core.i18n import _
from boardkit.core.pagecache import PageCache
from boardkit.core.permissions import ANONYMOUS, Principal
from boardkit.core.templating import ENV
from boardkit.core.urlmap import url_map

log = logging.getLogger("boardkit.web")

SESSION_COOKIE = "bk_session"
CSRF_COOKIE = "bk_csrf"
LANG_COOKIE = "bk_lang"
FLASH_COOKIE = "bk_flash"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_ID = 2**63 - 1


class IdConvertor(Convertor[int]):
    """Path ids: digits that fit a database integer (larger ones simply do not match: 404)."""

    regex = "[0-9]{1,18}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(int(value))


register_url_convertor("id", IdConvertor())


@dataclass(frozen=True)
class Identity:
    person_id: int
    name: str
    email: str | None
    language: str
    principal: Principal

    @property
    def is_staff(self) -> bool:
        return self.principal.is_staff


IdentityLoader = Callable[[Session, int], Identity | None]


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Ctx:
    """Everything a view needs: the request, its transaction, who is asking and what they sent."""

    request: Request
    db: Session
    settings: Settings
    identity: Identity | None = None
    session_id: int | None = None
    form: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, list[Upload]] = field(default_factory=dict)
    body: Any = None
    csrf: str = ""
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    cookies: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    rollback_only: bool = False
    prepared: Any = None  # what the view's :func:`prepare` step made before the transaction
    bookkeeping: list[tuple[Hashable, Callable[[Session], Any]]] = field(default_factory=list)

    @property
    def principal(self) -> Principal:
        return self.identity.principal if self.identity else ANONYMOUS

    @property
    def person_id(self) -> int:
        if self.identity is None:
            raise NotAuthenticated(_("Log ind for at fortsætte."))
        return self.identity.person_id

    def require_login(self) -> Identity:
        if self.identity is None:
            raise NotAuthenticated(_("Log ind for at fortsætte."))
        return self.identity

    def value(self, name: str, default: str = "") -> str:
        values = self.form.get(name)
        return values[0].strip() if values else default

    def values(self, name: str) -> list[str]:
        return [v.strip() for v in self.form.get(name, [])]

    def param(self, name: str, default: str = "") -> str:
        return self.request.path_params.get(name) or self.request.query_params.get(name) or default

    def int_param(self, name: str) -> int:
        value = (
            self.query_int(name) if name not in self.request.path_params else self.request.path_params[name]
        )
        if not isinstance(value, int) or not 0 < value <= MAX_ID:
            raise NotFound()
        return value

    def query_int(self, name: str, default: int | None = None) -> int | None:
        """A whole number from the query string, or ``default`` when absent or not a sane number."""
        raw = self.request.query_params.get(name, "")
        return int(raw) if raw.isdigit() and len(raw) <= 18 else default

    def url(self, name: str, **params: Any) -> str:
        query = params.pop("_query", None)
        url = url_map(self.request.app).path(name, params) or str(self.request.url_for(name, **params).path)
        return f"{url}?{urlencode(query)}" if query else url

    def absolute_url(self, name: str, **params: Any) -> str:
        return self.settings.base_url + self.url(name, **params)

    def flash(self, message: str, kind: str = "success") -> None:
        self.cookies.append((FLASH_COOKIE, json.dumps({"m": message, "k": kind}), {"max_age": 60}))

    def set_cookie(self, name: str, value: str, **options: Any) -> None:
        self.cookies.append((name, value, options))

    def bookkeep(self, key: Hashable, write: Callable[[Session], Any]) -> None:
        """Note something after the response without making this request wait for the write lock
        (``core.bookkeeping``): ``write`` must be idempotent and take ids, not loaded objects."""
        self.bookkeeping.append((key, write))

    @property
    def client_ip(self) -> str:
        return self.request.client.host if self.request.client else ""


def _services(request: Request) -> tuple[Database, Settings, IdentityLoader]:
    state = request.app.state
    return state.db, state.settings, state.identity_loader


async def _read_body(request: Request, ctx_kwargs: dict[str, Any], *, parse_json: bool) -> None:
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
                        files.setdefault(key, []).append(
                            Upload(value.filename, value.content_type or "", await value.read())
                        )
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


def _without_nul(value: Any) -> Any:
    """Text without NUL characters: they mean nothing in a form and PostgreSQL cannot store them."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    return value


def _apply_cookies(response: Response, ctx: Ctx) -> Response:
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
                continue
            log.warning("%s %s answered 503 (%s): %s", request.method, request.url.path, kind, exc)
            raise unavailable(kind) from exc
    raise AssertionError("unreachable")


def unavailable(kind: Problem) -> ServiceUnavailable:
    """The 503 for a database that is busy (try again in a moment) or storage that cannot be written."""
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
        response = view(ctx)
        if ctx.rollback_only:
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    return response, ctx


def _writes(request: Request, view: Callable[..., Any]) -> bool:
    return request.method not in SAFE_METHODS or getattr(view, "writes", False)


async def _dispatch(
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


def _after(ctx: Ctx) -> None:
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


def _retry_after(response: Response, exc: AppError) -> Response:
    if isinstance(exc, ServiceUnavailable):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


V = TypeVar("V", bound=Callable[..., Any])


def prepare(fn: Callable[[Ctx], Any]) -> Callable[[V], V]:
    """Run ``fn(ctx)`` before the view, in a read-only transaction of its own, and give the view
    its result as ``ctx.prepared``: slow work a write needs (an image, a PDF) is done before the
    write transaction begins, so other writers do not wait for it. ``fn`` sees who asks
    (``ctx.identity``, None for nobody: then it should do nothing) and the request's form and
    files; it must not write. The CSRF check has passed when it runs."""

    def mark(view: V) -> V:
        view.prepare = fn  # type: ignore[attr-defined]
        return view

    return mark


def _cached_endpoint(
    view: Callable[[Ctx], Any], answer: Callable[[Request], Awaitable[Response]], *, is_api: bool
) -> Callable[[Request], Awaitable[Response]]:
    """``answer`` behind the page cache when ``view`` is cacheable (``core/pagecache.py``): a GET by a
    signed-in reader is answered from memory while the data is unchanged; of several requests for
    the same missing answer one makes it and the others wait for it (no stampede of renders)."""
    if not getattr(view, "cacheable", False):
        return answer

    async def endpoint(request: Request) -> Response:
        cache: PageCache | None = getattr(request.app.state, "page_cache", None)
        key = _cache_key(request, is_api=is_api) if cache is not None else None
        if cache is None or key is None:
            return await answer(request)
        cached, token = cache.probe(key)
        if cached is not None:
            return cached
        if await cache.follow(key):  # another request was making it: it is kept now (or not at all)
            cached, _token = cache.probe(key)
            return cached if cached is not None else await answer(request)
        try:
            response = await answer(request)
            if token is not None:
                cache.store(key, token, response)
            return response
        finally:
            cache.release(key)

    return endpoint


def _cache_key(request: Request, *, is_api: bool) -> tuple[str, ...] | None:
    """Who asks for what, for the page cache: None unless a GET by a signed-in reader."""
    cookies = request.cookies
    credential = (request.headers.get("authorization", "") if is_api else "") or cookies.get(
        SESSION_COOKIE, ""
    )
    if request.method != "GET" or not credential or FLASH_COOKIE in cookies:
        return None
    return (
        "api" if is_api else "page",
        request.url.path,
        request.url.query,
        auth.hash_secret(credential),
        cookies.get(CSRF_COOKIE, ""),
        cookies.get(LANG_COOKIE, ""),
    )


def page(view: Callable[[Ctx], Response]) -> Callable[[Request], Any]:
    """Make a synchronous page view an endpoint: HTML errors, CSRF, login redirect."""

    async def answer(request: Request) -> Response:
        ctx_kwargs: dict[str, Any] = {}
        try:
            await _read_body(request, ctx_kwargs, parse_json=False)
            response, ctx = await _dispatch(view, request, ctx_kwargs, is_api=False)
        except NotAuthenticated:
            if request.method in SAFE_METHODS:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                if len(target) > 1000:  # keep the login URL sane; the query is not worth it
                    target = request.url.path[:1000]
                return RedirectResponse(
                    str(request.url_for("accounts:login").path) + "?" + urlencode({"next": target}), 303
                )
            return await run_in_threadpool(error_page, request, 401, _("Log ind for at fortsætte."))
        except AppError as exc:
            return _retry_after(await run_in_threadpool(error_page, request, exc.status, exc.message), exc)
        if ctx.after_commit or ctx.bookkeeping:
            await run_in_threadpool(_after, ctx)
        return _apply_cookies(response, ctx)

    endpoint = _cached_endpoint(view, answer, is_api=False)
    endpoint.__name__ = view.__name__
    endpoint.__doc__ = view.__doc__
    return endpoint


def api(view: Callable[[Ctx], Any]) -> Callable[[Request], Any]:
    """Make a synchronous API view an endpoint: JSON in, JSON out, errors as API.md says."""

    async def answer(request: Request) -> Response:
        ctx_kwargs: dict[str, Any] = {}
        try:
            await _read_body(request, ctx_kwargs, parse_json=True)
            result, ctx = await _dispatch(_api_view(view), request, ctx_kwargs, is_api=True)
        except AppError as exc:
            return _retry_after(json_error(exc.status, exc.code, exc.message, exc.fields), exc)
        if ctx.after_commit or ctx.bookkeeping:
            await run_in_threadpool(_after, ctx)
        return result

    endpoint = _cached_endpoint(view, answer, is_api=True)
    endpoint.__name__ = view.__name__
    endpoint.__doc__ = view.__doc__
    return endpoint


def _api_view(view: Callable[[Ctx], Any]) -> Callable[[Ctx], Response]:
    def wrapped(ctx: Ctx) -> Response:
        if ctx.identity is None:
            raise NotAuthenticated(_("Log ind eller send et API-token."), code="not_authenticated")
        result = view(ctx)
        return result if isinstance(result, Response) else JSONResponse(result)

    wrapped.writes = getattr(view, "writes", False)  # type: ignore[attr-defined]
    wrapped.prepare = getattr(view, "prepare", None)  # type: ignore[attr-defined]
    return wrapped


def writes(view: Callable[[Ctx], Any]) -> Callable[[Ctx], Any]:
    """Mark a GET view that writes (so SQLite takes the write lock up front)."""
    view.writes = True  # type: ignore[attr-defined]
    return view


def json_error(
    status: int,
    code: str,
    message: str,
    fields: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"error": {"code": code, "message": message or code}}
    if fields:
        body["error"]["fields"] = fields
    return JSONResponse(body, status_code=status, headers=headers)


def render(ctx: Ctx, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with the shell's context (identity, CSRF token, flash message)."""
    flash = None
    if raw := ctx.request.cookies.get(FLASH_COOKIE):
        try:
            flash = json.loads(raw)
        except ValueError:
            flash = None
        ctx.set_cookie(FLASH_COOKIE, "")
    html = ENV.get_template(template).render(
        request=ctx.request,
        identity=ctx.identity,
        principal=ctx.principal,
        csrf_token=ctx.csrf,
        url=ctx.url,
        flash=flash,
        unread_notices=_unread_notices(ctx),
        **{"errors": {}, "values": {}, **context},
    )
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


def _unread_notices(ctx: Ctx) -> int:
    """The signed-in person's unread notices, for the badge in the menu."""
    if ctx.identity is None:
        return 0
    from boardkit.core import notify  # notify's views import this module

    return notify.count_unread(ctx.db, person_id=ctx.identity.person_id)


def redirect(ctx: Ctx, name: str, **params: Any) -> RedirectResponse:
    return RedirectResponse(ctx.url(name, **params), status_code=303)


def form_errors(
    ctx: Ctx, template: str, errors: dict[str, str], *, status_code: int = 422, **context: Any
) -> HTMLResponse:
    """Re-render a form with what was typed and a message per field; the transaction is rolled back."""
    ctx.rollback_only = True
    values = {k: v[0] if len(v) == 1 else v for k, v in ctx.form.items() if k != "csrf_token"}
    context.setdefault("values", values)
    return render(ctx, template, status_code=status_code, errors=errors, **context)


def disposition(filename: str, *, inline: bool) -> str:
    """A Content-Disposition with an ASCII fallback name and the real one (RFC 6266)."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = "".join(c for c in ascii_name if c.isprintable() and c not in '"\\;') or "fil"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(
    data: bytes, media_type: str, filename: str, *, inline: bool = False, cache: str = "private, no-cache"
) -> Response:
    """Bytes as a download (or shown in the browser, ``inline``) that is never sniffed as anything else."""
    headers = {
        "Content-Disposition": disposition(filename, inline=inline),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": cache,
    }
    return Response(data, media_type=media_type, headers=headers)


def spooled_file_response(
    write: Callable[[BinaryIO], None], media_type: str, filename: str, *, inline: bool = False
) -> Response:
    """A download written by ``write`` into a temporary file and streamed from there (a big PDF is
    not held in memory a second time); the file is removed once sent."""
    with tempfile.NamedTemporaryFile(prefix="boardkit-", delete=False) as out:
        try:
            write(cast(BinaryIO, out))
        except BaseException:
            os.unlink(out.name)
            raise
    headers = {
        "Content-Disposition": disposition(filename, inline=inline),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-cache",
    }
    return FileResponse(
        out.name, media_type=media_type, headers=headers, background=BackgroundTask(os.unlink, out.name)
    )


def error_page(request: Request, status: int, message: str = "") -> HTMLResponse:
    i18n.set_language(request.cookies.get(LANG_COOKIE))
    titles = {
        400: _("Forkert forespørgsel"),
        401: _("Log ind for at fortsætte"),
        403: _("Ingen adgang"),
        404: _("Siden findes ikke"),
        405: _("Metoden er ikke tilladt"),
        409: _("Konflikt"),
        413: _("Filen eller formularen er for stor"),
        415: _("Filtypen kan ikke bruges"),
        422: _("Kan ikke gennemføres"),
        429: _("For mange forsøg"),
        500: _("Der skete en fejl"),
        503: _("Prøv igen om lidt"),
    }
    html = ENV.get_template("error.html").render(
        request=request,
        identity=None,
        principal=ANONYMOUS,
        csrf_token="",
        url=lambda name, **p: str(request.url_for(name, **p).path),
        flash=None,
        errors={},
        values={},
        status=status,
        title=titles.get(status, titles[400]),
        message=message,
    )
    return HTMLResponse(html, status_code=status)


def validation(errors: dict[str, str]) -> ValidationFailed:
    return ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
