"""Login, logout, language and the profile page (language, channel, API tokens, sessions)."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from boardkit.accounts import service
from boardkit.core import auth, i18n, notify
from boardkit.core.errors import NotFound, RateLimited
from boardkit.core.i18n import LANGUAGES, _, ngettext
from boardkit.core.web import LANG_COOKIE, SESSION_COOKIE, Ctx, form_errors, page, redirect, render, writes
from boardkit.meetings import service as meetings_service
from boardkit.org import service as org_service


def _start_session(ctx: Ctx, secret: str, next_path: str) -> RedirectResponse:
    ctx.set_cookie(SESSION_COOKIE, secret, max_age=ctx.settings.session_days * 86400)
    return RedirectResponse(service.safe_next(next_path) or ctx.url("home"), status_code=303)


@page
def login(ctx: Ctx) -> Response:
    next_path = service.safe_next(ctx.param("next"))
    if ctx.request.method == "GET":
        if ctx.identity is not None:
            return RedirectResponse(next_path or ctx.url("home"), status_code=303)
        return render(
            ctx,
            "accounts/login.html",
            next_path=next_path,
            sent=False,
            minutes=ctx.settings.login_link_minutes,
        )
    email = ctx.value("email")
    next_path = service.safe_next(ctx.value("next"))
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        return form_errors(
            ctx,
            "accounts/login.html",
            {"email": _("Skriv en gyldig e-mailadresse, fx navn@eksempel.dk.")},
            next_path=next_path,
            sent=False,
            minutes=ctx.settings.login_link_minutes,
        )
    link = ctx.settings.base_url + ctx.url("accounts:login_link", token="TOKEN").replace("TOKEN", "{token}")
    try:
        service.request_login_link(
            ctx.db, settings=ctx.settings, email=email, ip=ctx.client_ip, link_url=link, next_path=next_path
        )
    except RateLimited as exc:
        return form_errors(
            ctx,
            "accounts/login.html",
            {"email": exc.message},
            next_path=next_path,
            sent=False,
            minutes=ctx.settings.login_link_minutes,
            status_code=429,
        )
    return render(
        ctx,
        "accounts/login.html",
        next_path=next_path,
        sent=True,
        values={"email": email},
        minutes=ctx.settings.login_link_minutes,
    )


@page
def login_password(ctx: Ctx) -> Response:
    next_path = service.safe_next(ctx.value("next"))
    common = {"next_path": next_path, "sent": False, "minutes": ctx.settings.login_link_minutes}
    try:
        secret = service.login_with_password(
            ctx.db,
            settings=ctx.settings,
            email=ctx.value("pw_email"),
            password=ctx.value("password"),
            user_agent=ctx.request.headers.get("user-agent", ""),
            ip=ctx.client_ip,
        )
    except RateLimited as exc:
        return form_errors(ctx, "accounts/login.html", {"pw_email": exc.message}, status_code=429, **common)
    if secret is None:
        # Keep the recorded attempt: the failure counts towards the rate limit.
        values = {"pw_email": ctx.value("pw_email")}
        return render(
            ctx,
            "accounts/login.html",
            status_code=400,
            values=values,
            errors={"pw_email": _("E-mailadressen eller adgangskoden er forkert.")},
            **common,
        )
    return _start_session(ctx, secret, next_path)


@writes
def _login_link(ctx: Ctx) -> Response:
    secret = ctx.param("token")
    if ctx.request.method == "GET":
        # A page with a button, not an instant login: mail scanners that open links must not use them up.
        token = auth.peek_login_token(ctx.db, secret=secret)
        person = org_service.get_person(ctx.db, person_id=token.person_id) if token else None
        return render(
            ctx,
            "accounts/confirm.html",
            valid=person is not None,
            token=secret,
            name=person.name if person else "",
            minutes=ctx.settings.login_link_minutes,
            status_code=200 if person else 410,
        )
    result = service.login_with_link(
        ctx.db,
        settings=ctx.settings,
        secret=secret,
        user_agent=ctx.request.headers.get("user-agent", ""),
        ip=ctx.client_ip,
    )
    if result is None:
        return render(
            ctx,
            "accounts/confirm.html",
            valid=False,
            token=secret,
            name="",
            minutes=ctx.settings.login_link_minutes,
            status_code=410,
        )
    return _start_session(ctx, *result)


login_link = page(_login_link)


@page
def logout(ctx: Ctx) -> Response:
    if ctx.session_id is not None and ctx.identity is not None:
        auth.revoke_session(ctx.db, person_id=ctx.identity.person_id, session_id=ctx.session_id)
    ctx.set_cookie(SESSION_COOKIE, "")
    ctx.flash(_("Du er logget ud."), "info")
    return redirect(ctx, "accounts:login")


@page
def language(ctx: Ctx) -> Response:
    lang = ctx.value("language")
    if lang not in LANGUAGES:
        raise NotFound()
    if ctx.identity is not None:
        person = org_service.get_person(ctx.db, person_id=ctx.person_id)
        org_service.update_person(ctx.db, person, actor_id=person.id, organisation_id=None, language=lang)
    ctx.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400)
    return RedirectResponse(service.safe_next(ctx.value("next")) or ctx.url("home"), status_code=303)


def _profile_context(ctx: Ctx, **extra: object) -> dict[str, Any]:
    person = org_service.get_person(ctx.db, person_id=ctx.person_id)
    return {
        "person": person,
        "channels": [(c, CHANNEL_LABELS[c]()) for c in org_service.CHANNELS],
        "language_options": list(LANGUAGES.items()),
        "tokens": auth.list_api_tokens(ctx.db, person_id=person.id),
        "sessions": auth.list_sessions(ctx.db, person_id=person.id),
        "current_session_id": ctx.session_id,
        "device": service.device_label,
        "can_set_password": ctx.principal.is_staff,
        "new_token": None,
        "calendar_feed": _calendar_feed(ctx, person.id),
        "digest_options": [("now", _("Straks")), ("weekly", _("Ugentligt sammendrag"))],
        "notice_digest": "weekly" if notify.wants_digest(ctx.db, person_id=person.id) else "now",
        "active_nav": "accounts:profile",
        **extra,
    }


def _calendar_feed(ctx: Ctx, person_id: int) -> dict[str, str]:
    url = meetings_service.calendar_feed_url(
        ctx.db, person_id=person_id, base_url=ctx.settings.base_url, secret_key=ctx.settings.secret_key
    )
    return {"url": url, "webcal": meetings_service.webcal(url)}


CHANNEL_LABELS = {
    "email": lambda: _("E-mail"),
    "sms": lambda: _("SMS"),
    "digital_post": lambda: _("Digital Post"),
    "paper": lambda: _("Brev på papir"),
}


@page
def profile(ctx: Ctx) -> Response:
    context = _profile_context(ctx)
    person = context["person"]
    if ctx.request.method == "GET":
        return render(ctx, "accounts/profile.html", **context)
    errors = service.update_profile(
        ctx.db,
        person,
        language=ctx.value("language"),
        channel=ctx.value("preferred_channel"),
        phone=ctx.value("phone"),
    )
    digest = ctx.value("notice_digest", "now")
    if digest not in ("now", "weekly"):
        errors["notice_digest"] = _("Vælg straks eller ugentligt sammendrag.")
    if errors:
        return form_errors(ctx, "accounts/profile.html", errors, **context)
    if "notice_digest" in ctx.form:
        notify.set_digest(ctx.db, person_id=person.id, digest=digest == "weekly")
    ctx.set_cookie(LANG_COOKIE, ctx.value("language"), max_age=365 * 86400)
    with i18n.language(ctx.value("language")):
        ctx.flash(_("Dine oplysninger er gemt."))
    return redirect(ctx, "accounts:profile")


@page
def token_create(ctx: Ctx) -> Response:
    person = org_service.get_person(ctx.db, person_id=ctx.person_id)
    name = ctx.value("name")[:100]
    if not name:
        context = _profile_context(ctx)
        return form_errors(
            ctx, "accounts/profile.html", {"name": _("Giv nøglen et navn, fx “Min iPad”.")}, **context
        )
    _token, secret = service.create_token(ctx.db, person, name=name)
    ctx.db.flush()
    return render(ctx, "accounts/profile.html", **_profile_context(ctx, new_token=secret))


@page
def token_revoke(ctx: Ctx) -> Response:
    person = org_service.get_person(ctx.db, person_id=ctx.person_id)
    if not service.revoke_token(ctx.db, person, token_id=ctx.int_param("token_id")):
        raise NotFound()
    ctx.flash(_("Nøglen er tilbagekaldt."))
    return redirect(ctx, "accounts:profile")


@page
def session_revoke(ctx: Ctx) -> Response:
    if not auth.revoke_session(ctx.db, person_id=ctx.person_id, session_id=ctx.int_param("session_id")):
        raise NotFound()
    ctx.flash(_("Enheden er logget ud."))
    return redirect(ctx, "accounts:profile")


@page
def sessions_revoke_all(ctx: Ctx) -> Response:
    _sessions, tokens = service.log_out_everywhere(ctx.db, person_id=ctx.person_id)
    ctx.set_cookie(SESSION_COOKIE, "")
    if tokens:
        message = ngettext(
            "Du er logget ud på alle enheder, og %(num)s API-nøgle er tilbagekaldt.",
            "Du er logget ud på alle enheder, og %(num)s API-nøgler er tilbagekaldt.",
            tokens,
        )
        ctx.flash(message, "info")
    else:
        ctx.flash(_("Du er logget ud på alle enheder."), "info")
    return redirect(ctx, "accounts:login")


@page
def password(ctx: Ctx) -> Response:
    if not ctx.principal.is_staff:
        raise NotFound()
    person = org_service.get_person(ctx.db, person_id=ctx.person_id)
    new, repeat = ctx.value("new_password"), ctx.value("repeat_password")
    error = None
    if new != repeat:
        error = _("De to adgangskoder er ikke ens.")
    else:
        try:
            service.set_password(ctx.db, person, settings=ctx.settings, password=new)
        except ValueError as exc:
            error = str(exc)
    if error:
        return form_errors(ctx, "accounts/profile.html", {"new_password": error}, **_profile_context(ctx))
    ctx.flash(_("Din adgangskode er gemt."))
    return redirect(ctx, "accounts:profile")


routes = [
    Route("/login", login, methods=["GET", "POST"], name="login"),
    Route("/login/password", login_password, methods=["POST"], name="login_password"),
    Route("/login/link/{token}", login_link, methods=["GET", "POST"], name="login_link"),
    Route("/logout", logout, methods=["POST"], name="logout"),
    Route("/language", language, methods=["POST"], name="language"),
    Route("/profile", profile, methods=["GET", "POST"], name="profile"),
    Route("/profile/tokens", token_create, methods=["POST"], name="token_create"),
    Route("/profile/tokens/{token_id:id}/revoke", token_revoke, methods=["POST"], name="token_revoke"),
    Route(
        "/profile/sessions/{session_id:id}/revoke", session_revoke, methods=["POST"], name="session_revoke"
    ),
    Route("/profile/sessions/revoke-all", sessions_revoke_all, methods=["POST"], name="sessions_revoke_all"),
    Route("/profile/password", password, methods=["POST"], name="password"),
]
