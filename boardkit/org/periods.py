"""Dates of the organisation: today in Copenhagen, memberships in force on a day, overlapping terms."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, or_

from boardkit.core.db import utcnow
from boardkit.core.templating import TZ
from boardkit.org.models import (
    Membership,
)


def today() -> date:
    return utcnow().astimezone(TZ).date()


def active_memberships_clause(day: date) -> ColumnElement[bool]:
    return (Membership.start_date <= day) & (or_(Membership.end_date.is_(None), Membership.end_date >= day))


def periods_overlap(start: date, end: date | None, other_start: date, other_end: date | None) -> bool:
    """Two membership periods (end dates inclusive, None for open-ended) share at least one day."""
    return start <= (other_end or date.max) and other_start <= (end or date.max)
