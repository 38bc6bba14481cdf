"""Dates and moments of the organisation: today in Copenhagen, the moments a membership's dates
stand for, memberships in office at a moment, overlapping terms."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, or_

from boardkit.core.db import utcnow
from boardkit.core.templating import TZ
from boardkit.org.models import (
    Membership,
)
from boardkit.org.models import day_end as day_end
from boardkit.org.models import day_start as day_start
from boardkit.org.models import last_day as last_day


def local_day(moment: datetime) -> date:
    """The local date a moment falls on."""
    return moment.astimezone(TZ).date()


def today() -> date:
    return utcnow().astimezone(TZ).date()


def in_office_clause(now: datetime) -> ColumnElement[bool]:
    """Memberships in office at the moment ``now``: started, and not yet ended."""
    return (Membership.starts_at <= now) & (or_(Membership.ends_at.is_(None), Membership.ends_at > now))


def periods_overlap(start: date, end: date | None, other_start: date, other_end: date | None) -> bool:
    """Two membership periods (end dates inclusive, None for open-ended) share at least one day."""
    return start <= (other_end or date.max) and other_start <= (end or date.max)


def moments_overlap(
    start: datetime, end: datetime | None, other_start: datetime, other_end: datetime | None
) -> bool:
    """Two terms given as moments (end exclusive, None for open-ended) share any time: a successor
    may start at the very moment a predecessor ends."""
    return start < (other_end or datetime.max.replace(tzinfo=UTC)) and other_start < (
        end or datetime.max.replace(tzinfo=UTC)
    )
