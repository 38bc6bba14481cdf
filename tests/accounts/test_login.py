"""Logging in by e-mailed link and by password; sessions, CSRF and rate limits."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from boardkit.core import mail
from boardkit.core.db import Database, utcnow
from boardkit.core.models import ApiToken, LoginToken, OutboxEmail, WebSession
from boardkit.org.models import Person
from tests.helpers import api_token, csrf_from, login_as, mail_text

FORMAND = "formand@demo.boardkit.dk"


def request_link(client: TestClient, email: str) -> str:
    page = client.get("/login")
    response = client.post("/login", data={"email": email, "csrf_token": csrf_from(page.text), "next": ""})
    assert response.status_code == 200
    return response.text


def link_from_outbox(db: Database, email: str) -> str:
    match = re.search(r"http://testserver(/login/link/[\w-]+)", mail_text(db, email))
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


@pytest.mark.postgres
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


@pytest.mark.postgres
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


def links_in_inbox(db: Database, email: str) -> list[str]:
    """Every login link sent to ``email`` (as the recipient gets them), oldest first."""
    with db.transaction() as s:
        emails = s.scalars(
            select(OutboxEmail).where(OutboxEmail.to_address == email).order_by(OutboxEmail.id)
        )
        texts = [mail.deliverable(e, "test-secret-key")[0] for e in emails]
    return [m.group(1) for t in texts for m in re.finditer(r"http://testserver(/login/link/[\w-]+)", t)]


@pytest.mark.postgres
def test_link_requests_from_many_addresses_neither_lock_out_nor_flood_the_owner(app, demo: Database) -> None:  # type: ignore[no-untyped-def]
    """Someone asks for 20 links for the chair's address from 20 IP addresses: the chair is not
    refused, gets at most 3 mails, and logs in with one of them."""
    for n in range(20):
        with TestClient(app, base_url="http://testserver", client=(f"203.0.113.{n}", 40000)) as stranger:
            assert "Tjek din e-mail" in request_link(stranger, FORMAND)
    with TestClient(app, base_url="http://testserver", client=("198.51.100.7", 40000)) as owner:
        assert "Tjek din e-mail" in request_link(owner, FORMAND)  # not 429: nobody can lock them out
        links = links_in_inbox(demo, FORMAND)
        assert len(links) == 3  # a cap on links that still work, not a block
        confirm = owner.get(links[-1])
        done = owner.post(links[-1], data={"csrf_token": csrf_from(confirm.text)}, follow_redirects=False)
        assert done.status_code == 303 and owner.get("/", follow_redirects=False).status_code == 200
    with TestClient(app, base_url="http://testserver", client=("203.0.113.99", 40000)) as stranger:
        page = stranger.get(links[0])
        assert page.status_code == 410  # the other links in the inbox stopped working at the login
        request_link(stranger, FORMAND)
    assert len(links_in_inbox(demo, FORMAND)) == 4  # with the open links used up, a new one is sent


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


def test_log_out_everywhere_also_revokes_api_tokens(client: TestClient, demo: Database) -> None:
    """A lost tablet may hold an API token as well as a session: both stop working, and the page says so."""
    headers = api_token(demo, FORMAND)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    login_as(client, demo, FORMAND)
    profile = client.get("/profile")
    assert "tilbagekalder alle dine API-nøgler" in profile.text
    done = client.post("/profile/sessions/revoke-all", data={"csrf_token": csrf_from(profile.text)})
    assert "Du er logget ud på alle enheder, og 1 API-nøgle er tilbagekaldt." in done.text
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_token"
    with demo.transaction() as s:
        assert all(t.revoked_at is not None for t in s.scalars(select(ApiToken)))


def test_a_form_token_belongs_to_its_session(client: TestClient, demo: Database, app) -> None:  # type: ignore[no-untyped-def]
    """A CSRF cookie planted in someone's browser, with a token its planter got for their own (or no)
    session, is refused in the victim's session; the victim's own token works."""
    anonymous = csrf_from(client.get("/login").text)
    login_as(client, demo, "beboer2@demo.boardkit.dk")  # the planter's session, same cookie
    planted = csrf_from(client.get("/profile").text)
    login_as(client, demo, "beboer@demo.boardkit.dk")  # the victim's session, same CSRF cookie
    form = {"language": "en", "preferred_channel": "email", "phone": ""}
    for token in (anonymous, planted):
        r = client.post("/profile", data={**form, "csrf_token": token})
        assert r.status_code == 403 and "Formularen var udløbet" in r.text
    with demo.transaction() as s:
        assert s.scalar(select(Person.language).where(Person.email == "beboer@demo.boardkit.dk")) == "da"
    own = csrf_from(client.get("/profile").text)
    assert client.post("/profile", data={**form, "csrf_token": own}).status_code == 200
    # A form from a session that has ended asks for a login rather than blaming the form.
    with demo.transaction() as s:
        s.execute(update(WebSession).values(revoked_at=utcnow()))
    r = client.post("/profile", data={**form, "csrf_token": own})
    assert r.status_code == 401 and "Log ind for at fortsætte" in r.text


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


@pytest.mark.postgres
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


@pytest.mark.postgres
def test_a_login_with_a_huge_address_is_refused_not_a_server_error(
    client: TestClient, demo: Database
) -> None:
    """The rate limit's key must fit its column (PostgreSQL refused a 5,000-character one: a 500)."""
    token = csrf_from(client.get("/login").text)
    junk = "ø" * 5000 + "@example.dk"
    for _ in range(2):  # the second attempt counts the first under the same (hashed) key
        r = client.post("/login/password", data={"pw_email": junk, "password": "x", "csrf_token": token})
        assert r.status_code == 400, r.text[:200]
