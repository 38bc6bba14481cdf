"""Mileage at the year's rates, with the 20,000 km step counted across all of a claimant's claims."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from boardkit.core.db import Database
from boardkit.core.errors import RuleViolation
from boardkit.expenses import flow, mileage
from boardkit.expenses.models import ExpenseLine, MileageRate
from tests.expenses.expense_env import BOOKKEEPER, TREASURER, new_claim, through, trip, who


def rate(year: int = 2025) -> MileageRate:
    return MileageRate(year=year, vehicle="car", rate_ore=381, rate_above_ore=223, threshold_km=20_000)


def test_parse_km() -> None:
    assert mileage.parse_km("12,5") == 125
    assert mileage.parse_km(12.5) == 125
    assert mileage.parse_km(7) == 70
    assert mileage.parse_km("0.05") == 1  # rounded to tenths, half up
    for bad in ("", "tolv", "nan", "inf", None, True, [], "1" * 20):
        assert mileage.parse_km(bad) is None


def test_split_at_the_step() -> None:
    parts = mileage.split(rate(), km_before_tenths=199_900, km_tenths=200)
    assert [(p.km_tenths, p.rate_ore, p.amount_ore) for p in parts] == [(100, 381, 3810), (100, 223, 2230)]
    below = mileage.split(rate(), km_before_tenths=0, km_tenths=125)
    assert [(p.km_tenths, p.amount_ore) for p in below] == [(125, 4763)]  # 12.5 × 3.81 = 47.625 → 47.63
    above = mileage.split(rate(), km_before_tenths=200_000, km_tenths=10)
    assert [(p.rate_ore, p.amount_ore) for p in above] == [(223, 223)]
    exactly = mileage.split(rate(), km_before_tenths=199_000, km_tenths=1_000)
    assert [(p.rate_ore, p.amount_ore) for p in exactly] == [(381, 38100)]


@pytest.mark.postgres
def test_rates_are_seeded_by_the_migration(demo: Database) -> None:
    with demo.transaction() as s:
        rows = {(r.year, r.vehicle): (r.rate_ore, r.rate_above_ore) for r in s.scalars(select(MileageRate))}
    assert rows[(2025, "car")] == (381, 223)
    assert rows[(2026, "car")] == (394, 228)
    assert rows[(2025, "bicycle")] == (63, None)
    assert rows[(2026, "bicycle")] == (64, None)


@pytest.mark.postgres
def test_the_step_is_counted_across_claims_and_restarts_next_year(demo: Database) -> None:
    with demo.transaction() as s:
        first = new_claim(s, TREASURER, purpose="Kurser i foråret")
        for month in range(1, 10):  # 9 × 2,000 km = 18,000 km
            trip(s, TREASURER, first, 2000, date(2025, month, 3))
        second = new_claim(s, TREASURER, purpose="Kurser i efteråret")
        trip(s, TREASURER, second, 1990, date(2025, 11, 3))  # 19,990 km
        crossing = trip(s, TREASURER, second, 20, date(2025, 12, 31))
        next_year = trip(s, TREASURER, second, 20, date(2026, 1, 1))
        bike = trip(s, TREASURER, second, 20, date(2025, 12, 31), vehicle="bicycle", to="Kontoret")
        first_id, second_id = first.id, second.id
    with demo.transaction() as s:
        line = s.get(ExpenseLine, crossing)
        assert line is not None
        assert line.amount_ore == 10 * 381 + 10 * 223
        assert line.calculation["km_before"] == "19990"
        assert [p["rate_ore"] for p in line.calculation["parts"]] == [381, 223]
        assert line.calculation["text"] == "10 km × 3,81 kr + 10 km × 2,23 kr"
        fresh = s.get(ExpenseLine, next_year)
        assert fresh is not None and fresh.amount_ore == 20 * 394 and fresh.calculation["km_before"] == "0"
        cycle = s.get(ExpenseLine, bike)
        assert cycle is not None and cycle.amount_ore == 20 * 63

    # A rejected claim no longer counts: the second claim is priced again on submit.
    through(demo, first_id, to="submitted")
    with demo.transaction() as s:
        flow.reject_claim(s, principal=who(s, BOOKKEEPER), claim_id=first_id, reason="Forkert konto")
    with demo.transaction() as s:
        flow.submit_claim(s, principal=who(s, TREASURER), claim_id=second_id, secret_key="test-secret-key")
    with demo.transaction() as s:
        line = s.get(ExpenseLine, crossing)
        assert line is not None and line.amount_ore == 20 * 381
        assert line.calculation["km_before"] == "1990"


def test_a_year_without_rates_is_refused(demo: Database) -> None:
    with demo.transaction() as s:
        claim = new_claim(s, TREASURER)
        with pytest.raises(RuleViolation) as err:
            trip(s, TREASURER, claim, 10, date(2024, 6, 1))
        assert err.value.code == "no_mileage_rate"
        assert claim.lines == []
