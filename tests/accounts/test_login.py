"""Logging in by e-mailed link and by password; sessions, CSRF and rate limits."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update
from starlette.testclient import TestClient

from boardkit.core.db import Database, utcnow
from boardkit.core.models import LoginToken, OutboxEmail, WebSession
from tests.helpers import csrf_from, login_as

FORMAND = "formand@demo.boardkit.dk"


def request_link(client: TestClient, email: str) -> str:
    page = client.get("/login")
    response = client.post("/login", data={"email": email, "csrf_token": csrf_from(page.text), "next": ""})
    assert response.status_code == 200
    return response.text


def link_from_outbox(db: Database, email: str) -> str:
    with db.transaction() as s:
        body = s.scalars(
            select(OutboxEmail.body_text)
            .where(OutboxEmail.to_address == email)
            .order_by(OutboxEmail.id.desc())
        ).first()
    assert body, f"no mail to {email}"
    match = re.search(r"http://testserver(/login/link/[\w-]+)", body)
    assert match
    return match.group(1)


def test_login_by_link_shows_both_boards(client: TestClient, demo: Database) -> None:
    html = request_link(client, FORMAND)
    assert "Tjek din e-mail" in html
    path = link_from_outbox(demo, FORMAND)
    confirm = client.get(path)
    assert confirm.status_code == 200
    assert "Log ind" in confirm.text
    done = client.post(path, data={"csrf_token": csrf_from(confirm.text)}, follow_redirects=False)
    assert done.status_code == 303
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert "Afdelingsbestyrelsen i Engparken" in dashboard.text
    assert "Organisationsbestyrelsen" in dashboard.text
    assert "Du sidder i 2 bestyrelser." in dashboard.text


def test_a_link_works_once(client: TestClient, demo: Database) -> None:
    request_link(client, FORMAND)
    path = link_from_outbox(demo, FORMAND)
    token = csrf_from(client.get(path).text)
    assert client.post(path, data={"csrf_token": token}, follow_redirects=False).status_code == 303
    client.cookies.clear()
    token = csrf_from(client.get("/login").text)
    again = client.post(path, data={"csrf_token": token}, follow_redirects=False)
    assert again.status_code == 410
    assert "Linket virker ikke længere" in again.text


def test_an_expired_link_is_refused(client: TestClient, demo: Database) -> None:
    request_link(client, FORMAND)
    path = link_from_outbox(demo, FORMAND)
    with demo.transaction() as s:
        s.execute(update(LoginToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    page = client.get(path)
    assert page.status_code == 410
    assert client.post(path, data={"csrf_token": csrf_from(page.text)}).status_code == 410


def test_unknown_address_gets_the_same_answer_and_no_mail(client: TestClient, demo: Database) -> None:
    html = request_link(client, "nobody@example.dk")
    assert "Tjek din e-mail" in html
    with demo.transaction() as s:
        assert s.scalar(select(OutboxEmail.id).where(OutboxEmail.to_address == "nobody@example.dk")) is None


def test_bad_email_keeps_what_was_typed(client: TestClient, demo: Database) -> None:
    page = client.get("/login")
    response = client.post("/login", data={"email": "søren@@x", "csrf_token": csrf_from(page.text)})
    assert response.status_code == 422
    assert "Skriv en gyldig e-mailadresse" in response.text
    assert 'value="søren@@x"' in response.text


def test_forms_without_csrf_token_are_refused(client: TestClient, demo: Database) -> None:
    client.get("/login")
    response = client.post("/login", data={"email": FORMAND})
    assert response.status_code == 403
    with demo.transaction() as s:
        assert s.scalar(select(OutboxEmail.id)) is None


def test_login_requests_are_rate_limited_per_account(client: TestClient, demo: Database) -> None:
    token = csrf_from(client.get("/login").text)
    statuses = [
        client.post("/login", data={"email": FORMAND, "csrf_token": token}).status_code for _ in range(12)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429, 429]


def test_password_login_for_staff(client: TestClient, demo: Database, app_settings) -> None:  # type: ignore[no-untyped-def]
    login_as(client, demo, "admin@demo.boardkit.dk")
    profile = client.get("/profile")
    token = csrf_from(profile.text)
    r = client.post(
        "/profile/password", data={"csrf_token": token, "new_password": "kort", "repeat_password": "kort"}
    )
    assert r.status_code == 422 and "mindst 12 tegn" in r.text
    r = client.post(
        "/profile/password",
        data={
            "csrf_token": token,
            "new_password": "en lang og god sætning",
            "repeat_password": "en lang og god sætning",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    client.cookies.clear()
    token = csrf_from(client.get("/login").text)
    bad = client.post(
        "/login/password",
        data={"pw_email": "admin@demo.boardkit.dk", "password": "forkert", "csrf_token": token},
    )
    assert bad.status_code == 400
    good = client.post(
        "/login/password",
        data={
            "pw_email": "admin@demo.boardkit.dk",
            "password": "en lang og god sætning",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert good.status_code == 303
    assert client.get("/admin/").status_code == 200


def test_residents_cannot_set_a_password(client: TestClient, demo: Database) -> None:
    login_as(client, demo, "beboer@demo.boardkit.dk")
    token = csrf_from(client.get("/profile").text)
    r = client.post(
        "/profile/password", data={"csrf_token": token, "new_password": "x" * 20, "repeat_password": "x" * 20}
    )
    assert r.status_code == 404


def test_log_out_everywhere_revokes_every_session(client: TestClient, demo: Database, app) -> None:  # type: ignore[no-untyped-def]
    login_as(client, demo, FORMAND)
    with TestClient(app, base_url="http://testserver") as other:
        login_as(other, demo, FORMAND)
        assert other.get("/", follow_redirects=False).status_code == 200
        token = csrf_from(client.get("/profile").text)
        client.post("/profile/sessions/revoke-all", data={"csrf_token": token})
        assert other.get("/", follow_redirects=False).status_code == 303  # sent to the login page
    with demo.transaction() as s:
        assert all(ws.revoked_at is not None for ws in s.scalars(select(WebSession)))


def test_anonymous_visitors_are_sent_to_login(client: TestClient, demo: Database) -> None:
    r = client.get("/profile", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fprofile"


def test_next_path_cannot_leave_the_site(client: TestClient, demo: Database) -> None:
    page = client.get("/login?next=//evil.example/x")
    assert "evil.example" not in page.text


def test_security_headers_and_cookie_flags(client: TestClient, demo: Database) -> None:
    r = client.get("/login")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_profile_changes_language_and_channel(client: TestClient, demo: Database) -> None:
    login_as(client, demo, "beboer@demo.boardkit.dk")
    token = csrf_from(client.get("/profile").text)
    r = client.post(
        "/profile", data={"csrf_token": token, "language": "en", "preferred_channel": "sms", "phone": ""}
    )
    assert r.status_code == 422
    assert "telefonnummer" in r.text
    r = client.post(
        "/profile",
        data={"csrf_token": token, "language": "en", "preferred_channel": "sms", "phone": "+45 12 34 56 78"},
    )
    assert r.status_code == 200
    assert "Your details have been saved." in r.text
    assert '<html lang="en">' in r.text
    home = client.get("/").text  # a resident without a board: their department, in English
    assert "Your department: Engparken" in home and "<h1>Overview</h1>" in home


def test_login_requests_are_rate_limited_per_ip(app_settings, db: Database) -> None:  # type: ignore[no-untyped-def]
    from boardkit.app import create_app

    app = create_app(app_settings.with_(login_limit_per_ip=5), db=db, start_worker=False)
    with TestClient(app, base_url="http://testserver") as client:
        token = csrf_from(client.get("/login").text)
        statuses = [
            client.post("/login", data={"email": f"person{i}@example.dk", "csrf_token": token}).status_code
            for i in range(7)
        ]
    assert statuses == [200] * 5 + [429, 429]
