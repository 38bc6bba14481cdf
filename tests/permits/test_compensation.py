"""Godtgørelse: the issue's kitchen example, lines that do not count, the dated maximum, the life."""

from __future__ import annotations

from datetime import date

import pytest

from boardkit.core.errors import ValidationFailed
from boardkit.permits.compensation import DatedAmount, InvoiceLine, compensation, months_between, valid_cvr

FIRM = {"cvr": "10150817", "vat_registered": True}  # a valid CVR number (modulus 11)
KITCHEN = InvoiceLine("Køkken, Nørgaard Snedkeri ApS", 7_500_000, **FIRM)  # type: ignore[arg-type]


def test_the_kitchen_example_gives_56_250_kr() -> None:
    owed = compensation([KITCHEN], life_years=20, taken_into_use=date(2020, 6, 1), moved_out=date(2025, 6, 1))
    assert owed.owed_ore == 5_625_000
    assert (owed.months_used, owed.life_months, owed.excluded) == (60, 240, [])


def test_own_labour_white_goods_and_firms_without_cvr_or_vat_do_not_count() -> None:
    lines = [
        KITCHEN,
        InvoiceLine("Eget arbejde, 40 timer", 1_000_000, own_labour=True, **FIRM),  # type: ignore[arg-type]
        InvoiceLine("Opvaskemaskine", 500_000, white_goods=True, **FIRM),  # type: ignore[arg-type]
        InvoiceLine("Maler uden CVR", 300_000, cvr="", vat_registered=True),
        InvoiceLine("Forkert CVR", 300_000, cvr="10150818", vat_registered=True),
        InvoiceLine("Ikke momsregistreret", 200_000, cvr="10150817", vat_registered=False),
    ]
    owed = compensation(lines, life_years=20, taken_into_use=date(2020, 6, 1), moved_out=date(2025, 6, 1))
    assert owed.eligible_ore == 7_500_000 and owed.owed_ore == 5_625_000
    assert [line.description for line, _why in owed.excluded] == [line.description for line in lines[1:]]


def test_the_maximum_in_force_when_taken_into_use_applies_when_lower() -> None:
    maxima = [DatedAmount(date(2019, 1, 1), 6_000_000), DatedAmount(date(2021, 1, 1), 9_000_000)]
    lower = compensation(
        [KITCHEN], life_years=20, taken_into_use=date(2020, 6, 1), moved_out=date(2025, 6, 1), maxima=maxima
    )
    assert (lower.base_ore, lower.owed_ore) == (6_000_000, 4_500_000)
    higher = compensation(
        [KITCHEN], life_years=20, taken_into_use=date(2021, 6, 1), moved_out=date(2026, 6, 1), maxima=maxima
    )
    assert (higher.base_ore, higher.owed_ore) == (7_500_000, 5_625_000)


def test_nothing_is_owed_after_the_whole_life_and_all_when_moving_out_at_once() -> None:
    start = date(2020, 6, 1)
    assert (
        compensation([KITCHEN], life_years=10, taken_into_use=start, moved_out=date(2031, 1, 1)).owed_ore == 0
    )
    assert compensation([KITCHEN], life_years=10, taken_into_use=start, moved_out=start).owed_ore == 7_500_000


@pytest.mark.parametrize("life", [9, 21, 0])
def test_a_life_outside_10_to_20_years_is_refused(life: int) -> None:
    with pytest.raises(ValidationFailed) as refused:
        compensation([KITCHEN], life_years=life, taken_into_use=date(2020, 1, 1), moved_out=date(2025, 1, 1))
    assert refused.value.fields == {"life_years": "out_of_range"}
    assert "mellem 10 og 20 år" in refused.value.message


def test_whole_months_and_cvr_checks() -> None:
    assert months_between(date(2020, 6, 15), date(2020, 7, 14)) == 0
    assert months_between(date(2020, 6, 15), date(2020, 7, 15)) == 1
    assert months_between(date(2020, 6, 15), date(2019, 1, 1)) == 0
    assert valid_cvr("10150817") and valid_cvr("1015 0817")
    assert not valid_cvr("10150818") and not valid_cvr("1015081") and not valid_cvr("0015081x")
