"""The report's deadline: 8 weeks after it was received, July not counted (the issue's table and
the boundaries around July), and which cases may pass by silence at all."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from boardkit.permits.deadlines import Route, Track, objection_deadline, passes_by_silence_on, route


@pytest.mark.parametrize(
    ("received", "deadline"),
    [
        # the table
        (date(2025, 3, 3), date(2025, 4, 28)),
        (date(2025, 6, 20), date(2025, 9, 15)),
        (date(2025, 7, 10), date(2025, 9, 25)),
        (date(2025, 9, 1), date(2025, 10, 27)),
        # around July: the 56th counted day would be 1 July → it moves past July
        (date(2025, 5, 5), date(2025, 6, 30)),
        (date(2025, 5, 6), date(2025, 8, 1)),
        # received on the last day of June, on 1 July, on the last day of July: counting starts 1 August
        (date(2025, 6, 30), date(2025, 9, 25)),
        (date(2025, 7, 1), date(2025, 9, 25)),
        (date(2025, 7, 31), date(2025, 9, 25)),
        (date(2025, 8, 1), date(2025, 9, 26)),
        # over the new year and a leap day (no July inside: 56 plain days)
        (date(2027, 12, 20), date(2028, 2, 14)),
        (date(2028, 1, 10), date(2028, 3, 6)),
    ],
)
def test_the_deadline_counts_eight_weeks_without_july(received: date, deadline: date) -> None:
    assert objection_deadline(received) == deadline
    assert passes_by_silence_on(received) == deadline + timedelta(days=1)


def test_a_deadline_never_falls_in_july() -> None:
    day = date(2025, 1, 1)
    while day.year == 2025:
        assert objection_deadline(day).month != 7, day
        day += timedelta(days=1)


def test_only_a_report_passes_by_silence_and_not_when_the_organisation_or_a_building_permit_says_no() -> None:
    assert route(Track.REPORT) is Route.SILENCE
    assert route(Track.REPORT, explicit_approval=True) is Route.DECISION
    assert route(Track.REPORT, needs_building_permit=True) is Route.DECISION
    assert route(Track.APPLICATION) is Route.DECISION
    assert route(Track.APPLICATION, needs_building_permit=True) is Route.DECISION
    assert route(Track.NOTICE) is Route.ACKNOWLEDGE
