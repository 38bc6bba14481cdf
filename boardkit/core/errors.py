"""Errors that services raise and both the web pages and the API know how to answer.

A domain error rolls back the request's transaction, whether it escapes the view (an error page
or JSON error) or the view catches it to answer with a message: ``core.web`` watches the errors a
view makes (``watch``). A step that should fail on its own while the rest is kept runs in a
savepoint (``Ctx.savepoint``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any


class AppError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str = "", *, code: str | None = None, fields: dict[str, Any] | None = None):
        super().__init__(message or self.code)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}
        if (seen := _SEEN.get()) is not None:
            seen.append(self)


# The domain errors made while a view runs (see ``watch``).
_SEEN: ContextVar[list[AppError] | None] = ContextVar("boardkit_domain_errors", default=None)


@contextmanager
def watch() -> Iterator[list[AppError]]:
    """Note every domain error made while the block runs: a view that caught one (and answered
    with a message) has its transaction rolled back, whatever the service wrote before it failed."""
    seen: list[AppError] = []
    token = _SEEN.set(seen)
    try:
        yield seen
    finally:
        _SEEN.reset(token)


def any_raised(seen: list[AppError]) -> bool:
    """Whether one of ``seen`` was raised (an error only built, e.g. for later, has no traceback)."""
    return any(error.__traceback__ is not None for error in seen)


@contextmanager
def settled() -> Iterator[None]:
    """Errors raised out of this block were dealt with in it (its own savepoint rolled back): they
    do not roll back the request (see ``Ctx.savepoint``)."""
    seen = _SEEN.get()
    mark = len(seen) if seen is not None else 0
    try:
        yield
    except AppError:
        if seen is not None:
            del seen[mark:]
        raise


class NotAuthenticated(AppError):
    status = 401
    code = "not_authenticated"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class TooLarge(AppError):
    status = 413
    code = "too_large"


class UnsupportedType(AppError):
    status = 415
    code = "unsupported_media_type"


class RuleViolation(AppError):
    status = 422
    code = "rule_violation"


class ValidationFailed(AppError):
    status = 422
    code = "validation_failed"


class RateLimited(AppError):
    status = 429
    code = "rate_limited"


class ServiceUnavailable(AppError):
    """The database is busy beyond the busy timeout, or the data directory cannot be written."""

    status = 503
    code = "service_unavailable"

    def __init__(self, message: str = "", *, code: str | None = None, retry_after: int = 2):
        super().__init__(message, code=code)
        self.retry_after = retry_after
