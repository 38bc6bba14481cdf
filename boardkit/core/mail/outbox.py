"""The outbox: mail rendered from templates in each recipient's language and queued in the cause's
transaction, with a ``mail.deliver`` job that sends it after the commit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from boardkit.core import i18n, jobs
from boardkit.core.mail.links import seal
from boardkit.core.models import OutboxEmail
from boardkit.core.templating import render

DELIVER = "mail.deliver"


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
