"""Composition: what core.notify needs from the domains (core imports no domain, so they are
registered here). Called by ``create_app``/``build_runner`` (and so the CLI's serve and worker)
and by the tests; idempotent."""

from __future__ import annotations

from boardkit.core import notify
from boardkit.meetings.notice_letters import queue_notice_letters
from boardkit.org import notice_directory


def wire() -> None:
    notify.register_directory(
        contacts=notice_directory.contacts,
        households=notice_directory.households,
        homes=notice_directory.homes,
    )
    notify.register_channel("paper", queue_notice_letters)
