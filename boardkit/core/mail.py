"""Mail that leaves: rendered into the outbox in the cause's transaction, delivered by a job.

With ``BOARDKIT_SMTP_URL`` unset, delivery writes ``.eml`` files under the data directory
instead (listed on an administration page), so a demo never loses a login link.

Never twice (at most once): the ``mail.deliver`` job records "sending" in a short transaction of
its own before it hands a message to the SMTP server, and "sent" after. A message that is still
"sending" when its job comes round again was in the hands of a worker that died (or of a
connection that broke after the server had the whole message): it may have arrived, so it is
not sent again but marked "uncertain" for the administration, who can send again if need be. A
refusal or a broken connection before the message was handed over is retried as usual.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import Compat32
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from boardkit.core import i18n, jobs
from boardkit.core.db import Database, utcnow
from boardkit.core.models import OutboxEmail
from boardkit.core.templating import render

DELIVER = "mail.deliver"


class _Wire(Compat32):
    """Compat32 with CRLF, writing short ASCII headers as they are: folding every header through
    ``email.header.Header`` costs more than the rest of a message when a thousand are sent."""

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        if isinstance(value, str) and value.isascii() and len(name) + len(value) < 76 and "\n" not in value:
            return f"{name}: {value}{self.linesep}"
        return str(super()._fold(name, value, sanitize))  # type: ignore[misc]


WIRE = _Wire(linesep="\r\n")
UTF8 = Charset("utf-8")
UTF8.body_encoding = QP  # readable, and what spam filters expect of mostly-ASCII Danish text
UTF8_B64 = Charset("utf-8")  # attachments: base64 is encoded in C, quoted-printable in Python
log = logging.getLogger("boardkit.mail")


@dataclass(frozen=True)
class Recipient:
    address: str
    name: str = ""
    language: str = "da"
    person_id: int | None = None


def queue_mail(
    db: Session,
    *,
    to: Recipient,
    template: str,
    context: dict[str, Any],
    domain: str = "boardkit.local",
    attachments: list[dict[str, str]] | None = None,
) -> OutboxEmail:
    """Render ``email/<template>/`` in the recipient's language and queue its delivery.

    ``attachments`` are small text files ``{"filename", "content_type", "content"}``; a
    ``text/calendar`` one is also put beside the text and HTML, where Outlook looks for invites.
    """
    email = render_mail(to=to, template=template, context=context, domain=domain, attachments=attachments)
    queue_rendered(db, [email])
    return email


def queue_rendered(db: Session, emails: list[OutboxEmail]) -> None:
    """Queue messages made by :func:`render_mail`, many in one flush (a thousand invitations at once)."""
    db.add_all(emails)
    db.flush()
    for email in emails:
        jobs.enqueue(db, DELIVER, {"email_id": email.id})


def render_mail(
    *,
    to: Recipient,
    template: str,
    context: dict[str, Any],
    domain: str = "boardkit.local",
    attachments: list[dict[str, str]] | None = None,
) -> OutboxEmail:
    """One message rendered in the recipient's language, not yet queued."""
    with i18n.language(to.language):
        ctx = {**context, "recipient": to}
        subject = render(f"email/{template}/subject.txt", ctx).strip()
        text = render(f"email/{template}/body.txt", ctx)
        html = render(f"email/{template}/body.html", ctx)
    return compose_mail(
        to=to,
        template=template,
        subject=subject,
        text=text,
        html=html,
        domain=domain,
        attachments=attachments,
    )


def compose_mail(
    *,
    to: Recipient,
    template: str,
    subject: str,
    text: str,
    html: str,
    domain: str = "boardkit.local",
    attachments: list[dict[str, str]] | None = None,
) -> OutboxEmail:
    """A message from text already rendered (one rendering shared by many recipients)."""
    email = OutboxEmail(
        person_id=to.person_id,
        to_address=to.address,
        to_name=to.name,
        template=template,
        language=i18n.normalise(to.language),
        subject=" ".join(subject.split()),
        body_text=text,
        body_html=html,
        message_id=f"<{secrets.token_hex(16)}@{domain}>",
        attachments=list(attachments or []),
    )
    return email


def build_message(email: OutboxEmail, sender: str) -> Message:
    """The MIME message: text and HTML (and a calendar invite beside them, where Outlook looks for
    it), attachments after. Built with the classic MIME classes, which are four times faster than
    ``EmailMessage`` — it matters when a worker delivers a thousand invitations."""
    body = MIMEMultipart("alternative", boundary=_boundary())
    body.attach(_text_part(email.body_text, "plain"))
    body.attach(_text_part(email.body_html, "html"))
    files = []
    for a in email.attachments or []:
        subtype, params = _mime(a["content_type"])
        if subtype == "calendar":
            body.attach(_text_part(a["content"], subtype, params, charset=UTF8_B64))
        part = _text_part(a["content"], subtype, params, charset=UTF8_B64)
        part.add_header("Content-Disposition", "attachment", filename=a["filename"])
        files.append(part)
    msg: MIMEMultipart = body
    if files:
        del body["MIME-Version"]
        msg = MIMEMultipart("mixed", boundary=_boundary())
        msg.attach(body)
        for part in files:
            msg.attach(part)
    msg["Subject"] = (
        email.subject
        if email.subject.isascii()
        else Header(email.subject, "utf-8", header_name="Subject").encode()
    )
    msg["From"] = formataddr(parseaddr(sender), "utf-8")
    msg["To"] = formataddr((email.to_name, email.to_address), "utf-8")
    msg["Message-ID"] = email.message_id
    msg["Date"] = format_datetime(email.created_at)
    msg["Content-Language"] = email.language
    msg["Auto-Submitted"] = "auto-generated"
    return msg


def _boundary() -> str:
    """Chosen here, so the generator need not search the whole message for a safe one."""
    return f"=_bk_{secrets.token_hex(12)}"


def _text_part(
    content: str, subtype: str, params: dict[str, str] | None = None, charset: Charset = UTF8
) -> MIMENonMultipart:
    part = MIMENonMultipart("text", subtype)
    part.set_payload(content, charset)
    del part["MIME-Version"]  # said once, at the top; every header costs time when a thousand are sent
    for key, value in (params or {}).items():
        part.set_param(key, value)
    return part


def _mime(content_type: str) -> tuple[str, dict[str, str]]:
    """("calendar", {"method": "REQUEST"}) from "text/calendar; method=REQUEST; charset=UTF-8"."""
    kind, *rest = (p.strip() for p in content_type.split(";"))
    params = dict(p.split("=", 1) for p in rest if "=" in p)
    params.pop("charset", None)  # set from the text
    return kind.split("/", 1)[1], params


class MaybeDelivered(Exception):
    """The connection broke while the SMTP server was being given the message: it may have it."""


def _hand_over(smtp: smtplib.SMTP, sender: str, to: str, data: bytes) -> None:
    """``SMTP.sendmail`` in its steps, to know whether a failure came before the message was
    handed over (refused, or the connection lost before DATA: safe to try again) or while it was
    (:class:`MaybeDelivered`)."""
    smtp.ehlo_or_helo_if_needed()
    code, reply = smtp.mail(sender)
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = smtp.rcpt(to)
    if code not in (250, 251):
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused({to: (code, reply)})
    try:
        code, reply = smtp.data(data)
    except smtplib.SMTPDataError:
        raise  # DATA itself refused (not 354): nothing was handed over
    except (OSError, smtplib.SMTPException) as exc:
        raise MaybeDelivered(f"{type(exc).__name__}: {exc}") from exc
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)


class Transport:
    """Where delivered mail goes: an SMTP server, or ``.eml`` files in a folder.

    One SMTP connection is kept open between messages (checked with NOOP before reuse, closed
    after ``IDLE`` seconds unused), so a worker delivers a thousand invitations at well over a
    hundred a second instead of paying for a connection, EHLO and login each time.
    """

    IDLE = 20.0

    def __init__(self, smtp_url: str, mail_dir: Path, sender: str, timeout: float = 20.0) -> None:
        self.smtp_url = smtp_url
        self.mail_dir = mail_dir
        self.sender = sender
        self.timeout = timeout
        self._tls: ssl.SSLContext | None = None
        self._smtp: smtplib.SMTP | None = None
        self._used = 0.0
        self._lock = threading.Lock()

    @property
    def tls(self) -> ssl.SSLContext:
        """Made once: loading the system's certificates takes ~80 ms, too long to repeat per message."""
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return self._tls

    def send(self, email: OutboxEmail) -> str:
        """Deliver one message; returns the .eml path in file mode.

        Raises OSError or ``smtplib.SMTPException`` when the message was not handed over (so
        sending again is safe), :class:`MaybeDelivered` when the connection broke while the server
        was being given the message (it may have it).
        """
        msg = build_message(email, self.sender)
        if not self.smtp_url:
            self.mail_dir.mkdir(parents=True, exist_ok=True)
            path = self.mail_dir / f"{email.id:08d}.eml"
            path.write_bytes(bytes(msg))
            log.info("no SMTP server configured: mail to %s saved as %s", email.to_address, path)
            return str(path)
        with self._lock:
            smtp = self._connection()
            try:
                _hand_over(smtp, parseaddr(self.sender)[1], email.to_address, msg.as_bytes(policy=WIRE))
            except BaseException:
                self._drop()
                raise
            self._used = time.monotonic()
        return ""

    def _connection(self) -> smtplib.SMTP:
        """The kept connection if it is fresh and the server still answers NOOP, else a new one."""
        idle = time.monotonic() - self._used
        if self._smtp is not None and idle < 1.0:
            return self._smtp  # answered a moment ago (should it fail now, the job is retried later)
        if self._smtp is not None and idle < self.IDLE:
            try:
                if self._smtp.noop()[0] == 250:
                    return self._smtp
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
        self._smtp = smtp
        return smtp

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def close(self) -> None:
        """Close the kept connection (the job runner calls this when its queue runs dry)."""
        with self._lock:
            smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def __del__(self) -> None:
        if self._smtp is not None:
            self._smtp.close()


_SENT = (
    update(OutboxEmail)
    .where(OutboxEmail.id == bindparam("email"), OutboxEmail.status == "sending")
    .values(status="sent", sent_at=bindparam("at"), eml_path=bindparam("path"), last_error="")
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
                log.warning("mail %s was being sent when its worker stopped: marked uncertain", email_id)
                return None
            email.status, email.attempts = "sending", email.attempts + 1
        try:
            path = transport.send(email)
        except MaybeDelivered as exc:
            _set(database, email_id, status="uncertain", last_error=str(exc))
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
            .where(OutboxEmail.id == email_id, OutboxEmail.status == "sending")
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def mark_failed(db: Session, *, email_id: int, error: str) -> None:
    email = db.get(OutboxEmail, email_id)
    if email is not None and email.status not in ("sent", "uncertain"):
        email.status = "failed"
        email.last_error = error[-2000:]
