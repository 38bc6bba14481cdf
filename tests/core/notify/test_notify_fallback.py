"""An SMS gateway that answers 500 or times out: retried, then the person falls back to e-mail or
paper, and the administration sees the failure."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.app import build_runner
from boardkit.config import Settings
from boardkit.core import notify
from boardkit.core.db import Database
from boardkit.core.notify.models import NoticeDelivery
from boardkit.meetings.models import Letter
from tests.core.notify.notify_env import Env, build, drain, send
from tests.helpers import login_as
from tests.http_gateway import Gateway
from tests.smtp import SMTPServer


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sms() -> Iterator[Gateway]:
    gateway = Gateway()
    gateway.start()
    yield gateway
    gateway.stop()


@pytest.fixture
def env(db: Database) -> Env:
    return build(db)


@pytest.fixture
def sms_settings(settings: Settings, db: Database, smtp: SMTPServer, sms: Gateway) -> Settings:
    return settings.with_(
        database_url=db.url,
        smtp_url=smtp.url,
        sms_url=sms.url,
        sms_key="k",
        http_timeout_seconds=0.3,
        max_attempts=3,
    )


def deliveries(db: Database, notice_id: int) -> dict[int | None, NoticeDelivery]:
    with db.transaction() as s:
        rows = s.scalars(select(NoticeDelivery).where(NoticeDelivery.notice_id == notice_id)).all()
        s.expunge_all()
    return {r.person_id: r for r in rows if r.person_id is not None}


def test_gateway_500_is_retried_then_each_falls_back(
    db: Database, env: Env, sms_settings: Settings, smtp: SMTPServer, sms: Gateway, client: TestClient
) -> None:
    sms.mode = "500"
    notice_id = send(db, env, sms_settings)
    drain(build_runner(db, sms_settings), db)

    assert sms.attempts == 3 * 3  # Bo, Gurli and Hugo, each tried max_attempts times
    assert sms.calls == []
    rows = deliveries(db, notice_id)
    bo, gurli, hugo = rows[env.people["Bo"]], rows[env.people["Gurli"]], rows[env.people["Hugo"]]
    # Gurli has an e-mail address: she gets the notice by e-mail.
    assert (gurli.failed_channel, gurli.channel, gurli.status) == ("sms", "email", "sent")
    assert "HTTP 500" in gurli.error
    assert [m["To"] for m in smtp.inbox.to("gurli@test.dk")] == ["Gurli <gurli@test.dk>"]
    # Hugo has nothing else: his household gets a letter.
    assert (hugo.failed_channel, hugo.channel, hugo.status) == ("sms", "paper", "paper")
    # Bo shares a home with Anna, who got the e-mail: the household is reached, no letter.
    assert (bo.failed_channel, bo.channel, bo.status) == ("sms", "none", "household")
    with db.transaction() as s:
        letter_homes = s.scalars(select(Letter.tenancy_id).where(Letter.kind == "notice")).all()
        assert letter_homes.count(env.tenancies["T8"]) == 1
        assert env.tenancies["T1"] not in letter_homes
        assert notify.read_stats(s, notice_id=notice_id).failed == 3

    # The administration sees the failures, with the reason; nobody else does.
    login_as(client, db, "admin@test.dk")
    page = client.get("/admin/notices/failed")
    assert page.status_code == 200
    for name in ("Bo", "Gurli", "Hugo"):
        assert f"<td>{name}</td>" in page.text
    assert "HTTP 500" in page.text and "Brev på papir" in page.text
    assert "/admin/notices/failed" in client.get("/admin/").text
    login_as(client, db, "anna@test.dk")
    assert client.get("/admin/notices/failed").status_code == 404


def test_gateway_timeout_is_retried_then_email(
    db: Database, env: Env, sms_settings: Settings, smtp: SMTPServer, sms: Gateway
) -> None:
    sms.mode, sms.slow_seconds = "slow", 1.0
    notice_id = send(
        db, env, sms_settings, addressees=[notify.Addressee(env.people["Gurli"], env.tenancies["T7"])]
    )
    drain(build_runner(db, sms_settings), db)
    assert sms.attempts == 3
    gurli = deliveries(db, notice_id)[env.people["Gurli"]]
    assert (gurli.failed_channel, gurli.channel, gurli.status) == ("sms", "email", "sent")
    assert "Timeout" in gurli.error
    assert len(smtp.inbox.to("gurli@test.dk")) == 1


def test_gateway_refusal_falls_back_at_once(
    db: Database, env: Env, sms_settings: Settings, smtp: SMTPServer, sms: Gateway
) -> None:
    sms.mode = "400"
    notice_id = send(
        db, env, sms_settings, addressees=[notify.Addressee(env.people["Hugo"], env.tenancies["T8"])]
    )
    drain(build_runner(db, sms_settings), db)
    assert sms.attempts == 1  # a 4xx will not get better by trying again
    hugo = deliveries(db, notice_id)[env.people["Hugo"]]
    assert (hugo.channel, hugo.status) == ("paper", "paper") and "HTTP 400" in hugo.error


def test_undeliverable_email_falls_back_to_paper(db: Database, env: Env, sms_settings: Settings) -> None:
    """The SMTP server is away for good: once the mail job gives up, Anna's home gets a letter."""
    dead = sms_settings.with_(smtp_url="smtp://127.0.0.1:9")  # nothing listens on the discard port
    notice_id = send(db, env, dead, addressees=[notify.Addressee(env.people["Anna"], env.tenancies["T1"])])
    drain(build_runner(db, dead), db)
    anna = deliveries(db, notice_id)[env.people["Anna"]]
    assert (anna.failed_channel, anna.channel, anna.status) == ("email", "paper", "paper")
    with db.transaction() as s:
        assert s.scalars(select(Letter.tenancy_id)).all() == [env.tenancies["T1"]]
