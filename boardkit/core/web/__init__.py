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

The package: ``context`` (:class:`Ctx` and what a view gets), ``transaction`` (the request's
transaction and what runs after it), ``endpoints`` (the :func:`page`/:func:`api` decorators),
``responses`` (pages, redirects, errors), ``files`` (every file answer, with Range),
``pagecache`` and ``urlmap``. Domains import the names below from the package
(``from boardkit.core.web import Ctx, page, render``); modules inside the package import their
siblings directly, never this ``__init__``.
"""

from boardkit.core.web.context import (
    CSRF_COOKIE,
    FLASH_COOKIE,
    LANG_COOKIE,
    SAFE_METHODS,
    SESSION_COOKIE,
    Ctx,
    Identity,
    IdentityLoader,
    Upload,
)
from boardkit.core.web.endpoints import api, page, prepare, writes
from boardkit.core.web.files import disposition, file_response, spooled_file_response
from boardkit.core.web.responses import (
    error_page,
    form_errors,
    json_error,
    redirect,
    register_unread_counter,
    render,
    validation,
)
from boardkit.core.web.transaction import bookkeeper, unavailable

__all__ = [
    "CSRF_COOKIE",
    "FLASH_COOKIE",
    "LANG_COOKIE",
    "SAFE_METHODS",
    "SESSION_COOKIE",
    "Ctx",
    "Identity",
    "IdentityLoader",
    "Upload",
    "api",
    "bookkeeper",
    "disposition",
    "error_page",
    "file_response",
    "form_errors",
    "json_error",
    "page",
    "prepare",
    "redirect",
    "register_unread_counter",
    "render",
    "spooled_file_response",
    "unavailable",
    "validation",
    "writes",
]
