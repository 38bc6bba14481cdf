"""The channels: e-mail (the outbox), SMS and Digital Post (HTTP, one job per delivery), paper
(the domain's print batch, through the registry) — and the fallback when a channel fails for good.

SMS and Digital Post are POSTed as JSON with ``Authorization: Bearer <key>`` to
``BOARDKIT_SMS_URL`` / ``BOARDKIT_DIGITAL_POST_URL``. A timeout, a connection error, 429 or a 5xx
answer is retried by the job runner's backoff; a 4xx answer is final at once. When a delivery
fails for good the person falls back to e-mail (when they have an address and e-mail was not what
failed), else to a paper letter for their household (unless the household already has one, or
someone else in it was reached digitally); the failure stays on the delivery for the
administration's list.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.config import Settings
from boardkit.core import i18n, jobs, mail
from boardkit.core.db import Database, utcnow
from boardkit.core.i18n import _
from boardkit.core.notify import registry
from boardkit.core.notify.models import DIGITAL, Notice, NoticeDelivery
from boardkit.core.notify.receipts import link_token

DELIVER = "notify.deliver"
log = logging.getLogger("boardkit.notify")


class Refused(Exception):
    """The gateway said no for good (a 4xx answer): retrying will not help."""


def receipt_url(settings: Settings, notice: Notice, person_id: int) -> str:
    return (
        f"{settings.base_url}/n/{link_token(settings.secret_key, notice_id=notice.id, person_id=person_id)}"
    )


def remind_after(notice: Notice, sent_at: datetime) -> datetime | None:
    return sent_at + timedelta(days=notice.reminder_days) if notice.reminder_days is not None else None


def mark_sent(row: NoticeDelivery, notice: Notice, now: datetime) -> None:
    row.status, row.sent_at, row.remind_after = "sent", now, remind_after(notice, now)


def _domain(settings: Settings) -> str:
    return urlsplit(settings.base_url).hostname or "boardkit.local"


def render_email(
    row: NoticeDelivery, notice: Notice, settings: Settings, *, template: str = "notice", link: str = ""
) -> Any:
    """The notice (or its reminder) as an e-mail to the row's person, not yet queued."""
    assert row.person_id is not None
    return mail.render_mail(
        to=mail.Recipient(row.address, row.name, row.language, row.person_id),
        template=template,
        context={
            "name": row.name,
            "subject": notice.subject,
            "body": notice.body,
            "important": notice.important,
            "link": link or receipt_url(settings, notice, row.person_id),
        },
        domain=_domain(settings),
        organisation_id=notice.organisation_id,
        secret_key=settings.secret_key,  # seals the read-receipt link
    )


NAME, LINK = "\x1bBK-NAME\x1b", "\x1bBK-LINK\x1b"  # stand-ins, replaced per recipient


def _personal(row: NoticeDelivery, notice: Notice, settings: Settings, shared: Any) -> Any:
    """The message rendered once for the language, made this person's (name and link put in)."""
    assert row.person_id is not None
    link = receipt_url(settings, notice, row.person_id)
    return mail.compose_mail(
        to=mail.Recipient(row.address, row.name, row.language, row.person_id),
        template=shared.template,
        subject=shared.subject,
        text=shared.body_text.replace(NAME, row.name).replace(LINK, link),
        html=shared.body_html.replace(NAME, html.escape(row.name)).replace(LINK, html.escape(link)),
        domain=_domain(settings),
        organisation_id=notice.organisation_id,
        secret_key=settings.secret_key,  # seals the read-receipt link
    )


def queue_emails(
    db: Session, rows: Sequence[NoticeDelivery], notice: Notice, settings: Settings, now: datetime
) -> None:
    """E-mail the rows' people (one outbox message and delivery job each); they count as sent.

    The templates are rendered once per language (a thousand renderings would take seconds)."""
    shared: dict[str, Any] = {}
    emails = []
    for row in rows:
        if row.language not in shared:
            stand_in = NoticeDelivery(address="x@invalid", name=NAME, language=row.language, person_id=0)
            shared[row.language] = render_email(stand_in, notice, settings, link=LINK)
        emails.append(_personal(row, notice, settings, shared[row.language]))
    mail.queue_rendered(db, emails)
    for row, email in zip(rows, emails, strict=True):
        row.email_id = email.id
        mark_sent(row, notice, now)


def queue_http(db: Session, rows: Sequence[NoticeDelivery], *, reminder: bool = False) -> None:
    for row in rows:
        jobs.enqueue(db, DELIVER, {"delivery_id": row.id, "reminder": reminder})


def paper_letters(
    db: Session, notice: Notice, households: Sequence[registry.Household], settings: Settings
) -> list[NoticeDelivery]:
    """One letter per household into the print batch, and a delivery row for each."""
    letters = [
        registry.PaperLetter(
            notice_id=notice.id,
            organisation_id=notice.organisation_id,
            household=h,
            kind=notice.kind,
            subject=notice.subject,
            body=notice.body,
            link=settings.base_url + notice.link_path,
            important=notice.important,
        )
        for h in households
    ]
    ids = registry.paper(db, letters)
    now = utcnow()
    rows = [
        NoticeDelivery(
            notice_id=notice.id,
            tenancy_id=h.tenancy_id,
            channel="paper",
            status="letter",
            name=", ".join(h.resident_names),
            address=", ".join(h.address_lines)[:320],
            letter_id=letter_id,
            sent_at=now,
        )
        for h, letter_id in zip(households, ids, strict=True)
    ]
    db.add_all(rows)
    return rows


# --- SMS and Digital Post ----------------------------------------------------------------


def sms_text(notice: Notice, row: NoticeDelivery, settings: Settings, *, reminder: bool) -> str:
    assert row.person_id is not None
    with i18n.language(row.language):
        prefix = _("Påmindelse:") + " " if reminder else (_("Vigtigt:") + " " if notice.important else "")
        return f"{prefix}{notice.subject}\n{receipt_url(settings, notice, row.person_id)}"


def _post(client: httpx.Client, url: str, key: str, payload: dict[str, Any]) -> None:
    try:
        response = client.post(url, json=payload, headers={"Authorization": f"Bearer {key}"})
    except httpx.HTTPError as exc:  # timeouts, refused connections, broken answers
        raise jobs.RetryLater(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise jobs.RetryLater(f"HTTP {response.status_code}: {response.text[:200]}")
    if response.status_code >= 400:
        raise Refused(f"HTTP {response.status_code}: {response.text[:200]}")


def make_deliver_handler(settings: Settings) -> jobs.OwnHandler:
    """The ``notify.deliver`` job (registered with ``own_transactions``): what to send is read in
    a read transaction, the gateway is called holding no database lock, and the delivery is marked
    sent in a short transaction after. A worker that dies between the call and the mark sends
    that one message again on the retry, with the same ``reference`` for the gateway to know it."""
    client = httpx.Client(timeout=settings.http_timeout_seconds)

    def deliver(database: Database, payload: dict[str, Any]) -> None:
        reminder = bool(payload.get("reminder"))
        with database.transaction(readonly=True) as db:
            request = _request(db, payload, settings, reminder=reminder)
        if request is None:
            return
        _post(client, *request)
        if not reminder:
            with database.transaction() as db:
                row = db.get(NoticeDelivery, payload["delivery_id"])
                notice = db.get(Notice, row.notice_id) if row is not None else None
                if row is not None and notice is not None and row.status == "queued":
                    mark_sent(row, notice, utcnow())

    return deliver


def _request(
    db: Session, payload: dict[str, Any], settings: Settings, *, reminder: bool
) -> tuple[str, str, dict[str, Any]] | None:
    """(url, key, JSON body) of the gateway call a delivery job makes; None: nothing to send."""
    row = db.get(NoticeDelivery, payload["delivery_id"])
    if row is None or row.person_id is None or (not reminder and row.status != "queued"):
        return None  # never twice
    notice = db.get(Notice, row.notice_id)
    assert notice is not None
    reference = f"notice-delivery-{row.id}" + ("-reminder" if reminder else "")
    if row.channel == "sms":
        text = sms_text(notice, row, settings, reminder=reminder)
        return (
            settings.sms_url,
            settings.sms_key,
            {"to": row.address, "message": text, "reference": reference},
        )
    if row.channel == "digital_post":
        contact = registry.contacts(db, [row.person_id]).get(row.person_id)
        recipient = {
            "person_id": row.person_id,
            "name": row.name,
            "external_id": contact and contact.external_id,
        }
        body = {
            "reference": reference,
            "recipient": recipient,
            "subject": sms_text(notice, row, settings, reminder=reminder).split("\n", 1)[0],
            "body": notice.body,
            "link": receipt_url(settings, notice, row.person_id),
            "important": notice.important,
        }
        return settings.digital_post_url, settings.digital_post_key, body
    return None


# --- failure and fallback ----------------------------------------------------------------


def _reason(error: str) -> str:
    """The last line of a job's error (a traceback ends with the exception itself)."""
    lines = [line.strip() for line in error.strip().splitlines() if line.strip()]
    return (lines[-1] if lines else "unknown error")[:1000]


def delivery_failed(db: Session, *, delivery_id: int, error: str, settings: Settings) -> None:
    """An SMS or Digital Post delivery failed for good: fall back (see the module's docstring)."""
    row = db.get(NoticeDelivery, delivery_id)
    if row is not None and row.status == "queued":
        fall_back(db, row, error=_reason(error), settings=settings)


def email_failed(db: Session, *, email_id: int, error: str, settings: Settings) -> None:
    """An e-mail (a notice or a digest) could not be delivered: those it carried fall back to paper."""
    rows = db.scalars(
        select(NoticeDelivery).where(NoticeDelivery.email_id == email_id, NoticeDelivery.status == "sent")
    ).all()
    for row in rows:
        fall_back(db, row, error=_reason(error), settings=settings)


def fall_back(db: Session, row: NoticeDelivery, *, error: str, settings: Settings) -> None:
    now = utcnow()
    notice = db.get(Notice, row.notice_id)
    assert notice is not None and row.person_id is not None
    row.failed_channel, row.error, row.failed_at = row.channel, error, now
    row.status, row.sent_at, row.remind_after = "failed", None, None
    contact = registry.contacts(db, [row.person_id]).get(row.person_id)
    if row.failed_channel != "email" and contact is not None and contact.email and contact.active:
        row.channel, row.address = "email", contact.email
        db.flush()
        queue_emails(db, [row], notice, settings, now)
        return
    if row.tenancy_id is None:
        return
    household = db.scalars(
        select(NoticeDelivery).where(
            NoticeDelivery.notice_id == row.notice_id,
            NoticeDelivery.tenancy_id == row.tenancy_id,
            NoticeDelivery.id != row.id,
        )
    ).all()
    if any(r.person_id is None for r in household):
        row.channel, row.status = "paper", "paper"  # the household's letter is on its way
        return
    if any(r.channel in DIGITAL and r.status in ("queued", "sent", "digest") for r in household):
        row.channel, row.status = "none", "household"  # the household is reached through someone else
        return
    homes = registry.households(db, [row.tenancy_id])
    if row.tenancy_id in homes:
        paper_letters(db, notice, [homes[row.tenancy_id]], settings)
        row.channel, row.status = "paper", "paper"
        for other in household:
            if other.status == "household":
                other.channel, other.status = "paper", "paper"
