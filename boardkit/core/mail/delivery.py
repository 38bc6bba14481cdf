"""Delivery: the ``mail.deliver`` job hands a message to the SMTP server (or writes an ``.eml``
file when no server is configured), at most once."""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
import time
from collections.abc import Callable
from email.utils import parseaddr
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote, urlsplit

from sqlalchemy import CursorResult, bindparam, update
from sqlalchemy.orm import Session

from boardkit.core import jobs
from boardkit.core.db import Database, utcnow
from boardkit.core.mail.message import WIRE, build_message
from boardkit.core.models import OutboxEmail
from boardkit.fileio import write_atomic

log = logging.getLogger("boardkit.mail")


class MaybeDelivered(Exception):
    """The connection broke while the SMTP server was being given the message: it may have it."""


def _hand_over(
    smtp: smtplib.SMTP, sender: str, to: str, data: bytes, handing_over: Callable[[], bool]
) -> bool:
    """``SMTP.sendmail`` in its steps, to know whether a failure came before the message was
    handed over (refused, or the connection lost before DATA: safe to try again) or while it was
    (:class:`MaybeDelivered`). ``handing_over()`` is called once the server has accepted the
    recipient, just before DATA: it records that the message is being handed over, or answers
    False when the message is no longer ours to send (then nothing is sent; False is returned)."""
    smtp.ehlo_or_helo_if_needed()
    code, reply = smtp.mail(sender)
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = smtp.rcpt(to)
    if code not in (250, 251):
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused({to: (code, reply)})
    if not handing_over():
        smtp.rset()
        return False
    try:
        code, reply = smtp.data(data)
    except smtplib.SMTPDataError:
        raise  # DATA itself refused (not 354): nothing was handed over
    except (OSError, smtplib.SMTPException) as exc:
        raise MaybeDelivered(f"{type(exc).__name__}: {exc}") from exc
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)
    return True


def _always() -> bool:
    return True


class Transport:
    """Where delivered mail goes: an SMTP server, or ``.eml`` files in a folder.

    One SMTP connection per worker thread is kept open between messages (checked with NOOP
    before reuse, closed after ``IDLE`` seconds unused), so a worker delivers a thousand
    invitations at well over a hundred a second instead of paying for a connection, EHLO and
    login each time.
    """

    IDLE = 20.0

    def __init__(
        self, smtp_url: str, mail_dir: Path, sender: str, timeout: float = 20.0, secret_key: str = ""
    ) -> None:
        self.smtp_url = smtp_url
        self.mail_dir = mail_dir
        self.sender = sender
        self.timeout = timeout
        self.secret_key = secret_key  # unseals the personal links of the messages it sends
        self._tls: ssl.SSLContext | None = None
        self._local = threading.local()  # each thread's kept connection (smtp) and its last use (used)

    @property
    def tls(self) -> ssl.SSLContext:
        """Made once: loading the system's certificates takes ~80 ms, too long to repeat per message."""
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return self._tls

    def send(self, email: OutboxEmail, handing_over: Callable[[], bool] = _always) -> str | None:
        """Deliver one message; returns the .eml path in file mode, "" once the SMTP server has
        it, None when ``handing_over()`` said it is no longer ours to send (see ``_hand_over``;
        in file mode it is called before the file is written).

        Raises OSError or ``smtplib.SMTPException`` when the message was not handed over (so
        sending again is safe), :class:`MaybeDelivered` when the connection broke while the server
        was being given the message (it may have it).
        """
        msg = build_message(email, self.sender, self.secret_key)
        if not self.smtp_url:
            if not handing_over():
                return None
            path = self.mail_dir / f"{email.id:08d}.eml"
            write_atomic(path, bytes(msg))  # holds the login link itself: for the server's user only
            log.info("no SMTP server configured: mail to %s saved as %s", email.to_address, path)
            return str(path)
        smtp = self._connection()
        try:
            data = msg.as_bytes(policy=WIRE)
            handed = _hand_over(smtp, parseaddr(self.sender)[1], email.to_address, data, handing_over)
        except BaseException:
            self._drop()
            raise
        self._local.used = time.monotonic()
        return "" if handed else None

    def _connection(self) -> smtplib.SMTP:
        """The kept connection if it is fresh and the server still answers NOOP, else a new one."""
        kept: smtplib.SMTP | None = getattr(self._local, "smtp", None)
        idle = time.monotonic() - getattr(self._local, "used", 0.0)
        if kept is not None and idle < 1.0:
            return kept  # answered a moment ago (should it fail now, the job is retried later)
        if kept is not None and idle < self.IDLE:
            try:
                if kept.noop()[0] == 250:
                    return kept
            except (OSError, smtplib.SMTPException):
                pass
        self._drop()
        url = urlsplit(self.smtp_url)
        host, port = url.hostname or "127.0.0.1", url.port
        smtp: smtplib.SMTP
        if url.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(host, port or 465, timeout=self.timeout, context=self.tls)
        else:
            smtp = smtplib.SMTP(host, port or 25, timeout=self.timeout)
        try:
            if url.scheme == "smtp+starttls":
                smtp.starttls(context=self.tls)
            if url.username:
                smtp.login(unquote(url.username), unquote(url.password or ""))
        except BaseException:
            smtp.close()
            raise
        self._local.smtp = smtp
        return smtp

    def _drop(self) -> None:
        smtp, self._local.smtp = getattr(self._local, "smtp", None), None
        if smtp is not None:
            smtp.close()

    def close(self) -> None:
        """Close this thread's kept connection (its job runner calls this when the queue runs dry)."""
        smtp, self._local.smtp = getattr(self._local, "smtp", None), None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


_SENDING = (
    update(OutboxEmail)
    .where(OutboxEmail.id == bindparam("email"), OutboxEmail.status == "queued")
    .values(status="sending", attempts=OutboxEmail.attempts + 1)
    .execution_options(synchronize_session=False)
)
_SENT = (
    update(OutboxEmail)
    .where(OutboxEmail.id == bindparam("email"), OutboxEmail.status == "sending")
    .values(
        status="sent",
        sent_at=bindparam("at"),
        eml_path=bindparam("path"),
        sealed="",  # the personal links are delivered: the outbox keeps no way to open them
        last_error="",
    )
    .execution_options(synchronize_session=False)
)


UNCERTAIN_CRASH = (
    "The worker stopped while handing this message over; it may have arrived, so it is not sent again."
)


def make_deliver_handler(transport: Transport) -> jobs.OwnHandler:
    """The ``mail.deliver`` job, at most once (see the module's docstring); it opens its own
    short transactions, so no write lock is held while the SMTP server is talked to."""

    def deliver(database: Database, payload: dict[str, Any]) -> Callable[[Session], None] | None:
        email_id = payload["email_id"]
        with database.transaction() as db:
            email = db.get(OutboxEmail, email_id)
            if email is None or email.status not in ("queued", "sending"):
                return None  # sent, failed or uncertain: never twice
            if email.status == "sending":
                email.status, email.last_error = "uncertain", UNCERTAIN_CRASH
                email.sealed = ""  # not sent again by itself: its personal links are wiped
                log.warning("mail %s was being sent when its worker stopped: marked uncertain", email_id)
                return None
            db.expunge(email)  # read after the commit (to build the message), never written through

        def handing_over() -> bool:
            """ "sending", committed once the SMTP server has taken the recipient and just before
            DATA: a worker that dies before this leaves the message queued (sent by the retry),
            one that dies after it leaves the message uncertain (never sent twice)."""
            with database.transaction() as db:
                taken = cast(CursorResult[Any], db.execute(_SENDING, {"email": email_id}))
            return taken.rowcount == 1

        try:
            path = transport.send(email, handing_over)
            if path is None:
                return None  # another worker took the message (this job's lease had run out)
        except MaybeDelivered as exc:
            _set(database, email_id, status="uncertain", sealed="", last_error=str(exc))
            log.warning("mail %s may or may not have been delivered: %s", email_id, exc)
            return None
        except (OSError, smtplib.SMTPException) as exc:
            _set(database, email_id, status="queued", last_error=f"{type(exc).__name__}: {exc}")
            raise jobs.RetryLater(f"{type(exc).__name__}: {exc}") from exc
        except BaseException:
            _set(database, email_id, status="queued", last_error="")  # nothing was handed over
            raise
        at = utcnow()

        def sent(db: Session) -> None:  # written with the job's "done", in one short transaction
            db.execute(_SENT, {"email": email_id, "path": path, "at": at})

        return sent

    return deliver


def _set(database: Database, email_id: int, **values: Any) -> None:
    with database.transaction() as db:
        db.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id == email_id, OutboxEmail.status.in_(("queued", "sending")))
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def mark_failed(db: Session, *, email_id: int, error: str) -> None:
    email = db.get(OutboxEmail, email_id)
    if email is not None and email.status not in ("sent", "uncertain"):
        email.status = "failed"
        email.sealed = ""  # never to be sent: its personal links are wiped
        email.last_error = error[-2000:]
