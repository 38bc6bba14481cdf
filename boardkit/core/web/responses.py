"""Answers a view gives: a rendered page, a redirect, a form with its errors, an error page, a
JSON error (files: ``files``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse

from boardkit.core import i18n
from boardkit.core.errors import (
    ValidationFailed,
)
from boardkit.core.i18n import _
from boardkit.core.permissions import ANONYMOUS
from boardkit.core.templating import ENV
from boardkit.core.web.context import (
    FLASH_COOKIE,
    LANG_COOKIE,
    Ctx,
)


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


# Counts the signed-in person's unread notices for the badge in the menu: core.notify's counter,
# registered by notify's ``register`` (notify's pages build on this package: it cannot import notify).
_unread_counter: list[Callable[..., int]] = []


def register_unread_counter(counter: Callable[..., int]) -> None:
    """``counter(db, person_id=...)`` gives the number shown on the menu's notices badge."""
    _unread_counter[:] = [counter]


def _unread_notices(ctx: Ctx) -> int:
    if ctx.identity is None or not _unread_counter:
        return 0
    return _unread_counter[0](ctx.db, person_id=ctx.identity.person_id)


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
