"""The notification service's part of the application: the notices pages, the delivery job with
its fall-back to the next channel, the reminder and digest tasks, and the menu's unread count."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from boardkit.core import mail, web
from boardkit.core.models import Job
from boardkit.core.notify import channels, periodic
from boardkit.core.notify.receipts import count_unread
from boardkit.core.notify.views import admin_routes, routes
from boardkit.core.registry import Registry


def register(reg: Registry) -> None:
    settings = reg.settings
    reg.routes(routes)
    reg.mount("/admin/notices", admin_routes, name="notify_admin")  # before org's "/admin"

    def delivery_failed(db: Session, job: Job) -> None:  # the person falls back to the next channel
        if not job.payload.get("reminder"):
            channels.delivery_failed(
                db, delivery_id=job.payload["delivery_id"], error=job.last_error, settings=settings
            )

    def email_failed(db: Session, job: Job) -> None:  # what the e-mail carried goes on paper
        channels.email_failed(db, email_id=job.payload["email_id"], error=job.last_error, settings=settings)

    reg.job(
        channels.DELIVER,
        channels.make_deliver_handler(settings),
        own_transactions=True,
        on_failure=delivery_failed,
    )
    reg.on_failure(mail.DELIVER, email_failed)

    def reminders(db: Session, payload: dict[str, Any]) -> None:
        periodic.run_reminders(db, settings=settings)

    def digest(db: Session, payload: dict[str, Any]) -> None:
        periodic.run_digest(db, settings=settings)

    reg.every(periodic.REMINDERS, reminders, seconds=periodic.REMINDER_EVERY_SECONDS)
    reg.every(periodic.DIGEST, digest, seconds=periodic.DIGEST_EVERY_SECONDS)
    web.register_unread_counter(count_unread)
