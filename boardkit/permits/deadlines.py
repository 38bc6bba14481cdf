"""How a permit case is decided, and by when.

Each kind has a track (almenlejeloven):
* ``notice`` — the resident tells, the administration acknowledges (e.g. a dishwasher, § 35);
* ``report`` — anmeldelse: the resident may start when no written, reasoned objection has arrived
  within **8 weeks, July not counted**; the day after that deadline the case passes by silence;
* ``application`` — nothing happens without an explicit decision.

An organisation can require explicit approval for reports instead of the silence rule, and a
case that needs a building permit never passes by silence.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

REPORT_WEEKS = 8


class Track(StrEnum):
    NOTICE = "notice"
    REPORT = "report"
    APPLICATION = "application"


class Route(StrEnum):
    """What a submitted case waits for."""

    ACKNOWLEDGE = "acknowledge"  # a notice: acknowledged, no approval step
    SILENCE = "silence"  # a report: "no objection" by itself after the deadline
    DECISION = "decision"  # an explicit decision by the administration (or a delegated board)


def route(track: Track, *, explicit_approval: bool = False, needs_building_permit: bool = False) -> Route:
    """What a case of this track waits for, under the organisation's rule and the case's facts."""
    if track is Track.NOTICE:
        return Route.ACKNOWLEDGE
    if track is Track.REPORT and not explicit_approval and not needs_building_permit:
        return Route.SILENCE
    return Route.DECISION


def objection_deadline(received: date, *, weeks: int = REPORT_WEEKS) -> date:
    """The last day a written, reasoned objection to a report can arrive: ``weeks`` weeks of days
    after the day it was received, the days of July not counted (so it never falls in July).

    >>> objection_deadline(date(2025, 6, 20))
    datetime.date(2025, 9, 15)
    """
    remaining = weeks * 7
    day = received
    while remaining:
        day += timedelta(days=1)
        if day.month != 7:
            remaining -= 1
    return day


def passes_by_silence_on(received: date, *, weeks: int = REPORT_WEEKS) -> date:
    """The day a report with no objection becomes "no objection": the day after the deadline."""
    return objection_deadline(received, weeks=weeks) + timedelta(days=1)
