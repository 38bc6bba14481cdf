"""Mail that leaves: rendered into the outbox in the cause's transaction, delivered by a job.

With ``BOARDKIT_SMTP_URL`` unset, delivery writes ``.eml`` files under the data directory
instead (owner-only files, for development and demos), so a demo never loses a login link.

The outbox is also the mail log the administration reads (``/admin/mail``), so it never holds a
usable personal link (a login link, an RSVP answer, a notice's read receipt, a calendar feed):
the stored text has each link's secret part masked, and the secret parts themselves are kept
encrypted (:mod:`boardkit.core.crypto`, the server's secret key) only until the message is
delivered or given up, when they are wiped. The delivery puts them back into the text it sends.

Never twice (at most once): the ``mail.deliver`` job records "sending" in a short transaction of
its own before it hands a message to the SMTP server, and "sent" after. A message that is still
"sending" when its job comes round again was in the hands of a worker that died (or of a
connection that broke after the server had the whole message): it may have arrived, so it is
not sent again but marked "uncertain" for the administration, who can send again if need be. A
refusal or a broken connection before the message was handed over is retried as usual.
"""

from __future__ import annotations

import json
import logging
import re
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

from boardkit.core import crypto, i18n, jobs
from boardkit.core.db import Database, utcnow
from boardkit.core.models import OutboxEmail
from boardkit.core.storage import write_private
from boardkit.core.templating import render

DELIVER = "mail.deliver"

# A link that acts for its holder without a login: its secret is the path segment after one of
# these (login link, RSVP answer, notice read receipt, calendar feed). Add new kinds here.
_SECRET_PATHS = r"(https?://[^\s\"'<>]*?/(?:login/link|rsvp|n|calendar)/)"
SECRET_LINK = re.compile(_SECRET_PATHS + r"([^\s\"'<>?#&]+)")
MASK = "********"
MASKED_LINK = re.compile(_SECRET_PATHS + re.escape(MASK) + r"(?![^\s\"'<>?#&])")
SEAL_PURPOSE = "outbox-links"


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


class SealBroken(ValueError):
    """The sealed links of a message cannot be opened (the secret key changed): it cannot be sent."""


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
    organisation_id: int | None = None,
    secret_key: str = "",
) -> OutboxEmail:
    """Render ``email/<template>/`` in the recipient's language and queue its delivery.

    ``attachments`` are small text files ``{"filename", "content_type", "content"}``; a
    ``text/calendar`` one is also put beside the text and HTML, where Outlook looks for invites.
    ``organisation_id`` is the organisation the message is about (None: personal, like a login
    link); only that organisation's staff see it in the mail log. ``secret_key`` is needed when the
    message carries a personal link (see the module's docstring).
    """
    email = render_mail(
        to=to,
        template=template,
        context=context,
        domain=domain,
        attachments=attachments,
        organisation_id=organisation_id,
        secret_key=secret_key,
    )
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
    organisation_id: int | None = None,
    secret_key: str = "",
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
        organisation_id=organisation_id,
        secret_key=secret_key,
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
    organisation_id: int | None = None,
    secret_key: str = "",
) -> OutboxEmail:
    """A message from text already rendered (one rendering shared by many recipients)."""
    body_text, body_html, sealed = seal(text, html, secret_key=secret_key)
    email = OutboxEmail(
        person_id=to.person_id,
        organisation_id=organisation_id,
        to_address=one_line(to.address),
        to_name=one_line(to.name)[:200],
        template=template,
        language=i18n.normalise(to.language),
        subject=one_line(subject),
        body_text=body_text,
        body_html=body_html,
        sealed=sealed,
        message_id=f"<{secrets.token_hex(16)}@{domain}>",
        attachments=list(attachments or []),
    )
    return email


def one_line(value: str) -> str:
    """A header value on one line: line breaks (a name typed with Enter) and control characters
    would end the header early, and every message to that person would break."""
    return " ".join("".join(c if c.isprintable() else " " for c in value).split())


def redact(text: str) -> str:
    """``text`` with the secret part of every personal link masked: what the mail log may show."""
    return SECRET_LINK.sub(lambda m: m.group(1) + MASK, text)


def seal(text: str, html: str, *, secret_key: str) -> tuple[str, str, str]:
    """(text, html) with personal links masked, and their secrets encrypted for the delivery ("" when
    there are none)."""
    found = [m.group(2) for body in (text, html) for m in SECRET_LINK.finditer(body)]
    if not found:
        return text, html, ""
    if not secret_key:
        raise ValueError(
            "a message with a personal link needs secret_key, so the link is not stored in clear"
        )
    sealed = crypto.encrypt(secret_key, json.dumps(found), purpose=SEAL_PURPOSE)
    return redact(text), redact(html), sealed


def deliverable(email: OutboxEmail, secret_key: str) -> tuple[str, str]:
    """The text and HTML as the recipient gets them: the masked links' secrets put back."""
    if not email.sealed:
        return email.body_text, email.body_html
    plain = crypto.decrypt(secret_key, email.sealed, purpose=SEAL_PURPOSE)
    if plain is None:
        raise SealBroken(f"the links of e-mail {email.id} cannot be unsealed (was the secret key changed?)")
    found = json.loads(plain)
    if sum(len(MASKED_LINK.findall(body)) for body in (email.body_text, email.body_html)) != len(found):
        raise SealBroken(f"the sealed links of e-mail {email.id} do not match its text")
    secrets_left = iter(found)

    def put_back(m: re.Match[str]) -> str:
        return m.group(1) + next(secrets_left)

    return MASKED_LINK.sub(put_back, email.body_text), MASKED_LINK.sub(put_back, email.body_html)


def build_message(email: OutboxEmail, sender: str, secret_key: str = "") -> Message:
    """The MIME message: text and HTML (and a calendar invite beside them, where Outlook looks for
    it), attachments after. Built with the classic MIME classes, which are four times faster than
    ``EmailMessage`` — it matters when a worker delivers a thousand invitations."""
    text, html = deliverable(email, secret_key)
    body = MIMEMultipart("alternative", boundary=_boundary())
    body.attach(_text_part(text, "plain"))
    body.attach(_text_part(html, "html"))
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
    subject = one_line(email.subject)  # rows stored before names were made one line are mended here
    msg["Subject"] = (
        subject if subject.isascii() else Header(subject, "utf-8", header_name="Subject").encode()
    )
    msg["From"] = formataddr(parseaddr(one_line(sender)), "utf-8")
    msg["To"] = formataddr((one_line(email.to_name), one_line(email.to_address)), "utf-8")
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

    def __init__(
        self, smtp_url: str, mail_dir: Path, sender: str, timeout: float = 20.0, secret_key: str = ""
    ) -> None:
        self.smtp_url = smtp_url
        self.mail_dir = mail_dir
        self.sender = sender
        self.timeout = timeout
        self.secret_key = secret_key  # unseals the personal links of the messages it sends
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
        msg = build_message(email, self.sender, self.secret_key)
        if not self.smtp_url:
            path = self.mail_dir / f"{email.id:08d}.eml"
            write_private(path, bytes(msg))  # holds the login link itself: for the server's user only
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
            email.status, email.attempts = "sending", email.attempts + 1
        try:
            path = transport.send(email)
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
            .where(OutboxEmail.id == email_id, OutboxEmail.status == "sending")
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def mark_failed(db: Session, *, email_id: int, error: str) -> None:
    email = db.get(OutboxEmail, email_id)
    if email is not None and email.status not in ("sent", "uncertain"):
        email.status = "failed"
        email.sealed = ""  # never to be sent: its personal links are wiped
        email.last_error = error[-2000:]
