"""The decorators that make a synchronous view an endpoint: :func:`page` (HTML), :func:`api`
(JSON), with :func:`prepare`, :func:`writes` and the page cache in front of cacheable views.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from boardkit.core import auth
from boardkit.core.errors import (
    AppError,
    NotAuthenticated,
)
from boardkit.core.i18n import _
from boardkit.core.web.context import (
    CSRF_COOKIE,
    FLASH_COOKIE,
    LANG_COOKIE,
    SAFE_METHODS,
    SESSION_COOKIE,
    Ctx,
)
from boardkit.core.web.pagecache import PageCache
from boardkit.core.web.responses import error_page, json_error
from boardkit.core.web.transaction import after, apply_cookies, dispatch, read_body, retry_after

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
    """``answer`` behind the page cache when ``view`` is cacheable (``core/web/pagecache.py``): a GET by a
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
            await read_body(request, ctx_kwargs, parse_json=False)
            response, ctx = await dispatch(view, request, ctx_kwargs, is_api=False)
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
            return retry_after(await run_in_threadpool(error_page, request, exc.status, exc.message), exc)
        if ctx.after_commit or ctx.bookkeeping:
            await run_in_threadpool(after, ctx)
        return apply_cookies(response, ctx)

    endpoint = _cached_endpoint(view, answer, is_api=False)
    endpoint.__name__ = view.__name__
    endpoint.__doc__ = view.__doc__
    return endpoint


def api(view: Callable[[Ctx], Any]) -> Callable[[Request], Any]:
    """Make a synchronous API view an endpoint: JSON in, JSON out, errors as API.md says."""

    async def answer(request: Request) -> Response:
        ctx_kwargs: dict[str, Any] = {}
        try:
            await read_body(request, ctx_kwargs, parse_json=True)
            result, ctx = await dispatch(_api_view(view), request, ctx_kwargs, is_api=True)
        except AppError as exc:
            return retry_after(json_error(exc.status, exc.code, exc.message, exc.fields), exc)
        if ctx.after_commit or ctx.bookkeeping:
            await run_in_threadpool(after, ctx)
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
