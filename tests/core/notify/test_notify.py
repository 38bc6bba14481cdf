"""Notices through real servers: aiosmtpd for e-mail, a local HTTP gateway for SMS and Digital Post,
paper letters into the print batch; read receipts and the reminder."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta
from email.header import decode_header, make_header
from email.message import Message

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.app import build_runner
from boardkit.config import Settings
from boardkit.core import notify
from boardkit.core.db import Database, utcnow
from boardkit.core.notify import periodic
from boardkit.core.notify.models import NoticeDelivery
from boardkit.meetings.invitations import letters
from boardkit.meetings.models import Letter
from tests.core.notify.notify_env import Env, build, drain, send
from tests.http_gateway import Gateway
from tests.smtp import SMTPServer, text_part


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
def post() -> Iterator[Gateway]:
    gateway = Gateway()
    gateway.start()
    yield gateway
    gateway.stop()


@pytest.fixture
def notify_settings(
    settings: Settings, db: Database, smtp: SMTPServer, sms: Gateway, post: Gateway
) -> Settings:
    return settings.with_(
        database_url=db.url,
        smtp_url=smtp.url,
        sms_url=sms.url,
        sms_key="sms-key",
        http_timeout_seconds=0.5,
        max_attempts=3,
    )


@pytest.fixture
def env(db: Database) -> Env:
    return build(db)


def subject(msg: Message) -> str:
    return str(make_header(decode_header(msg["Subject"])))


def links(smtp: SMTPServer, address: str) -> list[str]:
    return [
        m for msg in smtp.inbox.to(address) for m in re.findall(r"http://testserver/n/[\w-]+", text_part(msg))
    ]


@pytest.mark.postgres
def test_each_person_by_their_channel_and_paper_into_a_print_batch(
    db: Database, env: Env, notify_settings: Settings, smtp: SMTPServer, sms: Gateway, post: Gateway
) -> None:
    notice_id = send(db, env, notify_settings)
    drain(build_runner(db, notify_settings), db)

    # E-mail: those whose channel it is (Dora asked for paper; Erik's home did, but he still gets it).
    received = sorted(m["To"] for m in smtp.inbox.messages)
    assert received == ["Anna <anna@test.dk>", "Erik <erik@test.dk>", "Ib <ib@test.dk>"]
    assert all(len(links(smtp, a)) == 1 for a in ("anna@test.dk", "erik@test.dk", "ib@test.dk"))
    # SMS: once each to those who chose it, with the key and a read-receipt link.
    assert sorted(c.body["to"] for c in sms.calls) == ["+4511111111", "+4522222222", "+4533333333"]
    assert {c.authorization for c in sms.calls} == {"Bearer sms-key"}
    assert all(re.search(r"http://testserver/n/[\w-]+$", c.body["message"]) for c in sms.calls)
    assert all(c.body["message"].startswith("Referatet fra afdelingsmødet") for c in sms.calls)

    # Paper: one letter for each household nobody in which is reached digitally, or that asked for it.
    with db.transaction() as s:
        made = s.scalars(select(Letter).order_by(Letter.id)).all()
        assert sorted(letter.tenancy_id for letter in made) == sorted(
            env.tenancies[k] for k in ("T2", "T3", "T4", "T5", "T6")
        )
        assert {letter.kind for letter in made} == {"notice"}
        assert len({letter.batch_id for letter in made}) == 1
        pdf = letters.render_batch(list(made)).pdf
        stats = notify.read_stats(s, notice_id=notice_id)
        jens = s.scalar(select(NoticeDelivery).where(NoticeDelivery.person_id == env.people["Jens"]))
        assert jens is not None and jens.status == "unreachable"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert text.count("Referatet fra afdelingsmødet") >= 5
    assert "http://testserver/meetings/1" in text
    assert (stats.households_total, stats.households_read, stats.persons_total, stats.persons_read) == (
        8,
        0,
        10,
        0,
    )
    assert stats.by_channel["letters"] == 5
    assert (
        stats.by_channel["email"] == 3
        and stats.by_channel["sms"] == 3
        and "digital_post" not in stats.by_channel
    )


def test_digital_post_reaches_everyone_without_another_digital_channel(
    db: Database, env: Env, notify_settings: Settings, smtp: SMTPServer, post: Gateway
) -> None:
    """Configured, Digital Post is always usable: Carl and Jens get it, and their homes need no paper."""
    with_post = notify_settings.with_(digital_post_url=post.url, digital_post_key="post-key")
    notice_id = send(db, env, with_post)
    drain(build_runner(db, with_post), db)
    got = sorted(c.body["recipient"]["person_id"] for c in post.calls)
    assert got == sorted(env.people[n] for n in ("Carl", "Frida", "Jens"))
    assert {c.authorization for c in post.calls} == {"Bearer post-key"}
    assert all(c.body["link"].startswith("http://testserver/n/") for c in post.calls)
    with db.transaction() as s:
        made = s.scalars(select(Letter.tenancy_id)).all()
        assert sorted(made) == sorted(env.tenancies[k] for k in ("T3", "T4", "T5"))
        assert notify.read_stats(s, notice_id=notice_id).by_channel["digital_post"] == 3


@pytest.mark.postgres
def test_reminder_reaches_exactly_the_unread_digital_recipients_once(
    db: Database, env: Env, notify_settings: Settings, smtp: SMTPServer, sms: Gateway, client: TestClient
) -> None:
    notice_id = send(db, env, notify_settings, object_type="minutes", object_id=5)
    runner = build_runner(db, notify_settings)
    drain(runner, db)
    # Anna opens the e-mail's link (no login needed); Bo opens the minutes in the web.
    response = client.get(links(smtp, "anna@test.dk")[0], follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/meetings/1"
    with db.transaction() as s:
        notify.mark_object_read(s, person_id=env.people["Bo"], object_type="minutes", object_id=5)
        notify.mark_object_read(
            s, person_id=env.people["Bo"], object_type="minutes", object_id=5
        )  # idempotent
        stats = notify.read_stats(s, notice_id=notice_id)
    assert (stats.households_read, stats.persons_read) == (1, 2)  # Anna and Bo share a home

    smtp.inbox.messages.clear()
    sms.calls.clear()
    with db.transaction() as s:
        assert periodic.run_reminders(s, settings=notify_settings, now=utcnow() + timedelta(days=6)) == 0
    with db.transaction() as s:
        assert (
            periodic.run_reminders(s, settings=notify_settings, now=utcnow() + timedelta(days=7, hours=1))
            == 4
        )
    drain(runner, db)
    assert sorted(m["To"] for m in smtp.inbox.messages) == ["Erik <erik@test.dk>", "Ib <ib@test.dk>"]
    assert {subject(m) for m in smtp.inbox.messages} == {"Påmindelse: Referatet fra afdelingsmødet"}
    assert "Du har endnu ikke læst denne meddelelse" in text_part(smtp.inbox.messages[0])
    assert sorted(c.body["to"] for c in sms.calls) == ["+4522222222", "+4533333333"]
    assert all(c.body["message"].startswith("Påmindelse:") for c in sms.calls)

    # A second run sends nothing.
    with db.transaction() as s:
        assert periodic.run_reminders(s, settings=notify_settings, now=utcnow() + timedelta(days=30)) == 0
    drain(runner, db)
    assert len(smtp.inbox.messages) == 2 and len(sms.calls) == 2


def test_important_notice_says_so_in_the_subject(
    db: Database, env: Env, notify_settings: Settings, smtp: SMTPServer
) -> None:
    send(db, env, notify_settings, important=True, addressees=[notify.Addressee(env.people["Anna"])])
    drain(build_runner(db, notify_settings), db)
    (msg,) = smtp.inbox.messages
    assert subject(msg) == "Vigtigt: Referatet fra afdelingsmødet"


def test_bad_link_path_is_refused(db: Database, env: Env, notify_settings: Settings) -> None:
    for bad in ("https://evil.example/", "//evil.example/x", "meetings/1"):
        with pytest.raises(ValueError):
            send(db, env, notify_settings, link_path=bad)
