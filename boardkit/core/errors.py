"""Errors that services raise and both the web pages and the API know how to answer."""

from __future__ import annotations

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
