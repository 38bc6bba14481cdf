"""Mail that leaves: rendered into the outbox in the cause's transaction, delivered by a job.

With ``BOARDKIT_SMTP_URL`` unset, delivery writes ``.eml`` files under the data directory
instead (listed on an administration page), so a demo never loses a login link.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy.orm import Session

from boardkit.core import i18n, jobs
from boardkit.core.db import utcnow
from boardkit.core.models import OutboxEmail
from boardkit.core.templating import render

DELIVER = "mail.deliver"
log = logging.getLogger("boardkit.mail")


@dataclass(frozen=True)
class Recipient:
    address: str
    name: str = ""
    language: str = "da"
    person_id: int | None = None


def queue_mail(
    db: Session, *, to: Recipient, template: str, context: dict[str, Any], domain: str = "boardkit.local"
) -> OutboxEmail:
    """Render ``email/<template>/`` in the recipient's language and queue its delivery."""
    with i18n.language(to.language):
        ctx = {**context, "recipient": to}
        subject = render(f"email/{template}/subject.txt", ctx).strip()
        text = render(f"email/{template}/body.txt", ctx)
        html = render(f"email/{template}/body.html", ctx)
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
    )
    db.add(email)
    db.flush()
    jobs.enqueue(db, DELIVER, {"email_id": email.id})
    return email


def build_message(email: OutboxEmail, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = email.subject
    msg["From"] = sender
    msg["To"] = formataddr((email.to_name, email.to_address))
    msg["Message-ID"] = email.message_id
    msg["Date"] = format_datetime(email.created_at)
    msg["Content-Language"] = email.language
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(email.body_text)
    msg.add_alternative(email.body_html, subtype="html")
    return msg


class Transport:
    """Where delivered mail goes: an SMTP server, or ``.eml`` files in a folder."""

    def __init__(self, smtp_url: str, mail_dir: Path, sender: str, timeout: float = 20.0) -> None:
        self.smtp_url = smtp_url
        self.mail_dir = mail_dir
        self.sender = sender
        self.timeout = timeout

    def send(self, email: OutboxEmail) -> str:
        """Deliver one message; returns the .eml path in file mode. Raises OSError when unreachable."""
        msg = build_message(email, self.sender)
        if not self.smtp_url:
            self.mail_dir.mkdir(parents=True, exist_ok=True)
            path = self.mail_dir / f"{email.id:08d}.eml"
            path.write_bytes(bytes(msg))
            log.info("no SMTP server configured: mail to %s saved as %s", email.to_address, path)
            return str(path)
        url = urlsplit(self.smtp_url)
        host, port = url.hostname or "127.0.0.1", url.port
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if url.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(host, port or 465, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port or 25, timeout=self.timeout)
        with smtp:
            if url.scheme == "smtp+starttls":
                smtp.starttls(context=context)
            if url.username:
                smtp.login(unquote(url.username), unquote(url.password or ""))
            smtp.send_message(msg, from_addr=parseaddr(self.sender)[1], to_addrs=[email.to_address])
        return ""


def make_deliver_handler(transport: Transport) -> jobs.Handler:
    def deliver(db: Session, payload: dict[str, Any]) -> None:
        email = db.get(OutboxEmail, payload["email_id"])
        if email is None or email.status == "sent":
            return  # never twice
        email.attempts += 1
        try:
            email.eml_path = transport.send(email)
        except (OSError, smtplib.SMTPException) as exc:
            raise jobs.RetryLater(f"{type(exc).__name__}: {exc}") from exc
        email.status = "sent"
        email.sent_at = utcnow()
        email.last_error = ""

    return deliver


def mark_failed(db: Session, *, email_id: int, error: str) -> None:
    email = db.get(OutboxEmail, email_id)
    if email is not None and email.status != "sent":
        email.status = "failed"
        email.last_error = error[-2000:]
