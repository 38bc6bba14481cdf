"""Composition: what core.notify and the audit log need from the domains (core imports no domain,
so they are registered here). Called by ``create_app``/``build_runner`` (and so the CLI's serve and worker)
and by the tests; idempotent."""

from __future__ import annotations

from boardkit import audit_objects
from boardkit.core import notify, web
from boardkit.meetings.minutes.notice_letters import queue_notice_letters
from boardkit.meetings.minutes.views import minutes_by_link
from boardkit.org import notice_directory


def wire() -> None:
    notify.register_directory(
        contacts=notice_directory.contacts,
        households=notice_directory.households,
        homes=notice_directory.homes,
    )
    notify.register_channel("paper", queue_notice_letters)
    notify.register_link_view("minutes", minutes_by_link)
    web.register_unread_counter(notify.count_unread)
    audit_objects.register()
