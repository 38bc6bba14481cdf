"""The in-app list, the read-receipt link, the API, the digest choice on the profile and the weekly digest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.app import build_runner
from boardkit.config import Settings
from boardkit.core import notify
from boardkit.core.db import Database
from boardkit.core.notify import periodic
from boardkit.core.notify.models import NoticeDelivery
from boardkit.core.templating import TZ
from tests.core.notify.notify_env import Env, build, drain, send
from tests.helpers import api_token, csrf_from, login_as
from tests.smtp import SMTPServer, text_part


@pytest.fixture
def env(db: Database) -> Env:
    return build(db)


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


def test_list_page_open_marks_read_and_badges(
    db: Database, env: Env, app_settings: Settings, client: TestClient
) -> None:
    anna = notify.Addressee(env.people["Anna"], env.tenancies["T1"])
    first = send(db, env, app_settings, subject="Vaskeriet lukker", addressees=[anna])
    send(
        db,
        env,
        app_settings,
        subject="Vandet lukkes",
        important=True,
        addressees=[anna],
        link_path="/timeline",
    )
    send(db, env, app_settings, subject="Kun til Ib", addressees=[notify.Addressee(env.people["Ib"])])
    login_as(client, db, "anna@test.dk")
    page = client.get("/notifications")
    assert page.status_code == 200
    assert "Vaskeriet lukker" in page.text and "Vandet lukkes" in page.text and "Kun til Ib" not in page.text
    assert page.text.count("bk-notice--unread") == 2 and "Vigtigt" in page.text
    assert 'href="/notifications"' in page.text  # the header's link
    opened = client.get(f"/notifications/{first}/open", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/meetings/1"
    assert client.get("/notifications").text.count("bk-notice--unread") == 1
    ib_notice = first + 2
    assert client.get(f"/notifications/{ib_notice}/open", follow_redirects=False).status_code == 404
    assert client.get("/n/not-a-token", follow_redirects=False).status_code == 404
    assert client.get("/n/" + "x" * 500, follow_redirects=False).status_code == 404


def test_api_lists_and_reads(db: Database, env: Env, app_settings: Settings, client: TestClient) -> None:
    anna = notify.Addressee(env.people["Anna"], env.tenancies["T1"])
    notice_id = send(db, env, app_settings, addressees=[anna], object_type="minutes", object_id=3)
    other = send(db, env, app_settings, addressees=[notify.Addressee(env.people["Ib"])])
    headers = api_token(db, "anna@test.dk")
    listed = client.get("/api/v1/notifications", headers=headers).json()
    assert listed["next"] is None and listed["unread"] == 1
    (item,) = listed["items"]
    assert item["id"] == notice_id and item["read"] is False and item["url"] == "http://testserver/meetings/1"
    assert item["object_type"] == "minutes" and item["object_id"] == 3 and item["channel"] == "email"
    for _ in range(2):  # idempotent
        read = client.post(f"/api/v1/notifications/{notice_id}/read", headers=headers)
        assert read.status_code == 200 and read.json()["read"] is True
    assert client.get("/api/v1/notifications?unread=1", headers=headers).json()["items"] == []
    missing = client.post(f"/api/v1/notifications/{other}/read", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert client.post("/api/v1/notifications/99999999/read", headers=headers).status_code == 404
    assert client.get("/api/v1/notifications").status_code == 401
    spec = client.get("/api/v1/openapi.json").json()
    assert "/notifications/{notice_id}/read" in spec["paths"]


def test_profile_digest_choice(db: Database, env: Env, client: TestClient) -> None:
    login_as(client, db, "anna@test.dk")
    page = client.get("/profile")
    assert 'name="notice_digest"' in page.text
    form = {"csrf_token": csrf_from(page.text), "language": "da", "preferred_channel": "email", "phone": ""}
    assert client.post("/profile", data={**form, "notice_digest": "weekly"}).status_code == 200
    with db.transaction() as s:
        assert notify.wants_digest(s, person_id=env.people["Anna"])
    bad = client.post("/profile", data={**form, "notice_digest": "hourly"})
    assert bad.status_code == 422
    with db.transaction() as s:
        assert notify.wants_digest(s, person_id=env.people["Anna"])
    client.post("/profile", data={**form, "notice_digest": "now"})
    with db.transaction() as s:
        assert not notify.wants_digest(s, person_id=env.people["Anna"])


@pytest.mark.postgres
def test_weekly_digest_once_and_urgent_at_once(
    db: Database, env: Env, settings: Settings, smtp: SMTPServer
) -> None:
    cfg = settings.with_(database_url=db.url, smtp_url=smtp.url)
    with db.transaction() as s:
        notify.set_digest(s, person_id=env.people["Anna"], digest=True)
    anna = [notify.Addressee(env.people["Anna"], env.tenancies["T1"])]
    waiting = [send(db, env, cfg, subject=f"Nyhed {n}", addressees=anna) for n in (1, 2)]
    send(db, env, cfg, subject="Indkaldelse", statutory=True, addressees=anna)
    send(db, env, cfg, subject="Vand lukket", important=True, addressees=anna)
    runner = build_runner(db, cfg)
    drain(runner, db)
    assert sorted(m["Subject"] for m in smtp.inbox.messages) == ["Indkaldelse", "Vigtigt: Vand lukket"]

    now = datetime.now(TZ)
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    next_monday = monday + timedelta(days=7)
    with db.transaction() as s:  # Sunday evening, and Monday before 08:00: not yet
        assert periodic.run_digest(s, settings=cfg, now=next_monday - timedelta(hours=3)) == 0
        assert periodic.run_digest(s, settings=cfg, now=next_monday + timedelta(hours=7)) == 0
    with db.transaction() as s:
        assert periodic.run_digest(s, settings=cfg, now=next_monday + timedelta(hours=9)) == 1
    with db.transaction() as s:
        assert periodic.run_digest(s, settings=cfg, now=next_monday + timedelta(hours=10)) == 0
    drain(runner, db)
    digest = [m for m in smtp.inbox.messages if "meddelelser" in m["Subject"]]
    assert len(digest) == 1
    body = text_part(digest[0])
    assert "Nyhed 1" in body and "Nyhed 2" in body and body.count("http://testserver/n/") == 2
    with db.transaction() as s:
        rows = s.scalars(select(NoticeDelivery).where(NoticeDelivery.notice_id.in_(waiting))).all()
        assert {r.status for r in rows} == {"sent"}
        assert all(r.remind_after is not None for r in rows)
