"""Notices to people by their channels, with read receipts, reminders and a weekly digest.

Used by every domain: ``send_notice`` (who gets what by which channel: ``service.py``; ``plan_notice``
says it beforehand, for a sender's confirmation),
``mark_read``/``mark_object_read``/``read_stats``/``list_notices`` (``receipts.py``). The
directory of people and the paper channel are registered by the domains (``registry.py``).
"""

from boardkit.core.notify.models import Notice, NoticeDelivery, NoticePreference
from boardkit.core.notify.receipts import (
    NoticeItem,
    ReadStats,
    count_unread,
    has_unread_about,
    list_notices,
    mark_object_read,
    mark_read,
    read_stats,
    set_digest,
    wants_digest,
)
from boardkit.core.notify.registry import (
    Contact,
    Household,
    PaperLetter,
    register_channel,
    register_directory,
    register_link_view,
)
from boardkit.core.notify.service import Addressee, Plan, plan_notice, send_notice

__all__ = [
    "Addressee",
    "Contact",
    "Household",
    "Notice",
    "NoticeDelivery",
    "NoticeItem",
    "NoticePreference",
    "PaperLetter",
    "Plan",
    "ReadStats",
    "count_unread",
    "has_unread_about",
    "list_notices",
    "mark_object_read",
    "mark_read",
    "plan_notice",
    "read_stats",
    "register_channel",
    "register_directory",
    "register_link_view",
    "send_notice",
    "set_digest",
    "wants_digest",
]
