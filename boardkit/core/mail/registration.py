"""The mail domain's part of the application: the delivery job over the configured transport."""

from __future__ import annotations

from sqlalchemy.orm import Session

from boardkit.core.mail.delivery import Transport, make_deliver_handler, mark_failed
from boardkit.core.mail.outbox import DELIVER
from boardkit.core.models import Job
from boardkit.core.registry import Registry


def register(reg: Registry) -> None:
    settings = reg.settings
    transport = Transport(
        settings.smtp_url, settings.mail_dir, settings.mail_from, secret_key=settings.secret_key
    )

    def failed(db: Session, job: Job) -> None:
        mark_failed(db, email_id=job.payload["email_id"], error=job.last_error)

    reg.job(DELIVER, make_deliver_handler(transport), own_transactions=True, on_failure=failed)
    reg.on_idle(transport.close)
