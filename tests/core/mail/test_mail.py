"""Mail leaves through a real SMTP server, survives an outage, and never arrives twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email.utils import parseaddr

import pytest
from sqlalchemy import select, update

from boardkit.app import build_runner
from boardkit.config import Settings
from boardkit.core import mail
from boardkit.core.db import Database, utcnow
from boardkit.core.models import Job, OutboxEmail
from boardkit.org.models import Person
from tests.helpers import csrf_from
from tests.smtp import SMTPServer, text_part


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


def queue(db: Database, n: int, language: str = "da", secret_key: str = "test-secret-key") -> None:
    with db.transaction() as s:
        for i in range(n):
            mail.queue_mail(
                s,
                to=mail.Recipient(f"person{i}@example.dk", f"Søren Ærø {i}", language),
                template="login_link",
                context={
                    "name": f"Søren Ærø {i}",
                    "link": f"http://testserver/login/link/t{i}",
                    "minutes": 15,
                },
                secret_key=secret_key,
            )


def test_mail_has_text_and_html_in_the_recipients_language(
    db: Database, settings: Settings, smtp: SMTPServer
) -> None:
    runner = build_runner(db, settings.with_(smtp_url=smtp.url))
    queue(db, 1, language="en")
    queue(db, 1, language="da")
    assert runner.run_until_idle() == 2
    en, da = smtp.inbox.messages
    assert en["Subject"] == "Your login link for boardkit"
    assert da["Subject"] == "Dit login-link til boardkit"
    assert {p.get_content_type() for p in da.walk()} >= {"text/plain", "text/html"}
    assert "Søren Ærø 0" in text_part(da)
    assert "http://testserver/login/link/t0" in text_part(da)


@pytest.mark.postgres
def test_mail_waits_for_an_smtp_outage_and_arrives_exactly_once(db: Database, settings: Settings) -> None:
    server = SMTPServer()  # not started: the server is down
    runner = build_runner(db, settings.with_(smtp_url=server.url, retry_base_seconds=60.0))
    queue(db, 3)

    assert runner.run_until_idle() == 3  # each attempted once, each failed
    with db.transaction() as s:
        assert s.scalars(select(OutboxEmail.status)).all() == ["queued"] * 3
        jobs = s.scalars(select(Job)).all()
        assert {j.status for j in jobs} == {"queued"}
        assert all("Connection" in j.last_error or "refused" in j.last_error for j in jobs)

    assert runner.run_until_idle(now=utcnow() + timedelta(seconds=1)) == 0  # backing off: not yet due
    assert runner.run_until_idle(now=utcnow() + timedelta(seconds=90)) == 3  # retried, still down
    with db.transaction() as s:
        assert {j.attempts for j in s.scalars(select(Job))} == {2}
    assert server.inbox.messages == []

    server.start()
    try:
        assert runner.run_until_idle(now=utcnow() + timedelta(minutes=10)) == 3
        runner.run_until_idle(now=utcnow() + timedelta(hours=2))  # nothing left to do, nothing resent
        received = sorted(parseaddr(m["To"])[1] for m in server.inbox.messages)
        assert received == [f"person{i}@example.dk" for i in range(3)]
        assert len({m["Message-ID"] for m in server.inbox.messages}) == 3
        with db.transaction() as s:
            assert s.scalars(select(OutboxEmail.status)).all() == ["sent"] * 3
            assert {j.status for j in s.scalars(select(Job))} == {"done"}
    finally:
        server.stop()


@pytest.mark.postgres
def test_a_message_already_sent_is_never_sent_again(
    db: Database, settings: Settings, smtp: SMTPServer
) -> None:
    runner = build_runner(db, settings.with_(smtp_url=smtp.url))
    queue(db, 1)
    runner.run_until_idle()
    with db.transaction() as s:  # a second job for the same e-mail (a duplicate enqueue, a crashed worker)
        email_id = s.scalar(select(OutboxEmail.id))
        s.add(Job(kind=mail.DELIVER, payload={"email_id": email_id}))
    runner.run_until_idle()
    assert len(smtp.inbox.messages) == 1


def test_without_smtp_mail_is_written_as_eml_files(db: Database, settings: Settings) -> None:
    runner = build_runner(db, settings)
    queue(db, 2)
    runner.run_until_idle()
    files = sorted(settings.mail_dir.glob("*.eml"))
    assert len(files) == 2
    assert b"Subject: Dit login-link til boardkit" in files[0].read_bytes()


def test_gives_up_after_max_attempts_and_marks_the_mail_failed(db: Database, settings: Settings) -> None:
    server = SMTPServer()
    runner = build_runner(db, settings.with_(smtp_url=server.url, retry_base_seconds=0.0, max_attempts=2))
    queue(db, 1)
    runner.run_until_idle()
    runner.run_until_idle(now=utcnow() + timedelta(seconds=1))
    with db.transaction() as s:
        assert s.scalar(select(OutboxEmail.status)) == "failed"
        assert s.scalar(select(Job.status)) == "failed"


@pytest.mark.parametrize("name", ["Anna\nHansen", "Anna\r\nBcc: ude@example.dk", "Anna\u2028\tHansen\x0b"])
def test_a_name_with_a_line_break_does_not_break_mail_to_them(
    client, demo: Database, settings: Settings, smtp: SMTPServer, name: str
) -> None:  # type: ignore[no-untyped-def]
    """A name typed with Enter (or worse) is one line in the headers; every mail still arrives."""
    with demo.transaction() as s:
        s.execute(update(Person).where(Person.email == "beboer@demo.boardkit.dk").values(name=name))
    token = csrf_from(client.get("/login").text)
    client.post("/login", data={"email": "beboer@demo.boardkit.dk", "csrf_token": token})
    build_runner(demo, settings.with_(smtp_url=smtp.url)).run_until_idle()
    with demo.transaction() as s:
        assert s.scalar(select(OutboxEmail.status)) == "sent"
    [message] = smtp.inbox.messages
    assert "Bcc" not in message and message["To"].count("\n") == 0
    shown, address = parseaddr(message["To"])
    assert address == "beboer@demo.boardkit.dk" and shown.startswith("Anna") and "\n" not in shown
    assert " ".join(shown.split()) == shown  # one line, single spaces
