"""Expense reports: the yearly mileage summary (rates, pending, year, who sees), the budget, CSV, API."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.core.errors import NotFound, ValidationFailed
from boardkit.core.permissions import ANONYMOUS
from boardkit.expenses import flow, reports, service
from boardkit.expenses.models import ExpenseAccount, ExpenseClaim
from boardkit.org.models import Board
from tests.expenses.expense_env import (
    ADMIN,
    BOOKKEEPER,
    CHAIR,
    MEMBER_SOEBAKKEN,
    SECRET,
    SOEBAKKEN,
    TREASURER,
    board,
    member_email,
    new_claim,
    receipt,
    through,
    trip,
    who,
)
from tests.helpers import api_token

pytestmark = pytest.mark.postgres  # see tests/conftest.py

REPORTS = "/api/v1/expense-reports"


def organisation(db: Database) -> int:
    with db.transaction() as s:
        found = s.scalar(select(Board.organisation_id).where(Board.id == board(s)))
        assert found is not None
        return found


def approve(db: Database, claim_id: int, claimant: str = TREASURER) -> None:
    """Through attestation, then approved (by two people when above the second-approval limit)."""
    through(db, claim_id, to="attested", claimant=claimant)
    for approver in (BOOKKEEPER, ADMIN):
        with db.transaction() as s:
            if flow.approve_claim(s, principal=who(s, approver), claim_id=claim_id).status == "approved":
                return
    raise AssertionError("not approved")


def trips(db: Database, days_km: list[tuple[date, int]], email: str = TREASURER, **kw: str) -> int:
    with db.transaction() as s:
        claim = new_claim(s, email, purpose="Kørsel")
        for day, km in days_km:
            trip(s, email, claim, km, day, **kw)
        return claim.id


def summary(db: Database, email: str, year: int, person: str | None = None) -> list[reports.MileageSummary]:
    org = organisation(db)
    with db.transaction() as s:
        person_id = who(s, person).person_id if person else None
        return reports.mileage_summary(
            s, principal=who(s, email), organisation_id=org, year=year, person_id=person_id
        )


def test_km_and_amount_across_two_claims_with_the_step_as_two_rates(demo: Database) -> None:
    first = trips(demo, [(date(2025, month, 3), 1999) for month in range(1, 11)])  # 19,990 km
    second = trips(demo, [(date(2025, 11, 3), 30)])  # 10 km below the step, 20 km above
    bike = trips(demo, [(date(2025, 11, 4), 20)], vehicle="bicycle")
    chairs = trips(demo, [(date(2025, 5, 1), 100)], email=CHAIR)
    for claim_id in (first, second, bike):
        approve(demo, claim_id)
    approve(demo, chairs, claimant=CHAIR)

    (mine,) = summary(demo, TREASURER, 2025)
    car, cycle = mine.vehicles
    assert (car.vehicle, car.km_tenths, car.trips) == ("car", 200_200, 11)
    assert [(r.rate_ore, r.km_tenths, r.amount_ore) for r in car.rates] == [
        (381, 200_000, 20_000 * 381),
        (223, 200, 20 * 223),
    ]
    assert car.amount_ore == 20_000 * 381 + 20 * 223
    assert (cycle.vehicle, cycle.km_tenths, cycle.amount_ore, cycle.trips) == ("bicycle", 200, 20 * 63, 1)
    assert [(r.rate_ore, r.km_tenths) for r in cycle.rates] == [(63, 200)]
    assert mine.amount_ore == car.amount_ore + cycle.amount_ore and mine.km_tenths == 200_400
    assert car.pending_km_tenths == car.pending_amount_ore == car.pending_trips == 0

    everyone = summary(demo, BOOKKEEPER, 2025)
    with demo.transaction() as s:
        assert {r.person_id for r in everyone} == {who(s, TREASURER).person_id, who(s, CHAIR).person_id}
    chair = next(r for r in everyone if r.person_id != mine.person_id)
    assert chair.amount_ore == 100 * 381 and chair.vehicles[0].trips == 1
    assert [r.person_id for r in summary(demo, ADMIN, 2025, person=CHAIR)] == [chair.person_id]


def test_rejected_and_draft_claims_do_not_count_and_submitted_ones_are_pending(demo: Database) -> None:
    day = date(2026, 3, 2)
    paid = trips(demo, [(day, 100)])
    submitted = trips(demo, [(day, 50)])
    attested = trips(demo, [(day, 20)])
    rejected = trips(demo, [(day, 70)])
    trips(demo, [(day, 40)])  # a draft
    approve(demo, paid)
    with demo.transaction() as s:
        flow.mark_exported(s, principal=who(s, BOOKKEEPER), claim_id=paid)
        flow.mark_paid(s, principal=who(s, BOOKKEEPER), claim_id=paid)
    through(demo, submitted, to="submitted")
    through(demo, attested, to="attested")
    through(demo, rejected, to="submitted")
    with demo.transaction() as s:
        flow.reject_claim(s, principal=who(s, BOOKKEEPER), claim_id=rejected, reason="Forkert konto")

    ((car,),) = [r.vehicles for r in summary(demo, TREASURER, 2026)]
    assert (car.km_tenths, car.amount_ore, car.trips) == (1000, 100 * 394, 1)
    assert (car.pending_km_tenths, car.pending_amount_ore, car.pending_trips) == (700, 70 * 394, 2)
    assert [(r.rate_ore, r.km_tenths) for r in car.rates] == [(394, 1000)]


def test_the_year_is_the_day_travelled_and_the_budget_year_the_financial_year(demo: Database) -> None:
    claim_id = trips(demo, [(date(2025, 12, 31), 10), (date(2026, 1, 1), 10)])
    approve(demo, claim_id)
    ((old,),) = [r.vehicles for r in summary(demo, TREASURER, 2025)]
    ((new,),) = [r.vehicles for r in summary(demo, TREASURER, 2026)]
    assert (old.trips, old.amount_ore, [r.rate_ore for r in old.rates]) == (1, 10 * 381, [381])
    assert (new.trips, new.amount_ore, [r.rate_ore for r in new.rates]) == (1, 10 * 394, [394])
    assert summary(demo, TREASURER, 2024) == []

    # The financial year is the day submitted in Copenhagen: 23:30 UTC on 31 December is New Year's Day.
    amount = 10 * 381 + 10 * 394
    with demo.transaction() as s:
        board_id = board(s)
    for submitted, expected in (
        (datetime(2025, 12, 31, 22, 30), {2025: amount, 2026: 0}),
        (datetime(2025, 12, 31, 23, 30), {2025: 0, 2026: amount}),
    ):
        with demo.transaction() as s:
            claim = s.get(ExpenseClaim, claim_id)
            assert claim is not None
            claim.submitted_at = submitted.replace(tzinfo=UTC)
        with demo.transaction() as s:
            spent = {
                year: reports.budget_overview(
                    s, principal=who(s, CHAIR), board_id=board_id, year=year
                ).spent_ore
                for year in (2025, 2026)
            }
        assert spent == expected, submitted


def test_others_see_only_their_own_summary_and_outsiders_no_budget(demo: Database) -> None:
    approve(demo, trips(demo, [(date(2026, 2, 1), 12)]))
    org = organisation(demo)
    with demo.transaction() as s:
        member = member_email(s)
    assert summary(demo, MEMBER_SOEBAKKEN, 2026) == []  # own only: they have none
    assert summary(demo, member, 2026) == []
    assert summary(demo, CHAIR, 2026) == []  # the chair attests, but the tax summary is the person's own
    for email in (MEMBER_SOEBAKKEN, member):
        with pytest.raises(NotFound):
            summary(demo, email, 2026, person=TREASURER)
    with demo.transaction() as s, pytest.raises(NotFound):
        reports.mileage_summary(s, principal=ANONYMOUS, organisation_id=org, year=2026)
    with demo.transaction() as s, pytest.raises(ValidationFailed):
        reports.mileage_summary(s, principal=who(s, TREASURER), organisation_id=org, year=1066)
    with demo.transaction() as s:
        board_id = board(s)
        with pytest.raises(NotFound):
            reports.budget_overview(s, principal=who(s, MEMBER_SOEBAKKEN), board_id=board_id, year=2026)
        for email in (member, ADMIN):
            found = reports.budget_overview(s, principal=who(s, email), board_id=board_id, year=2026)
            assert found.spent_ore == 12 * 394


def test_budget_spent_and_pending_per_account(demo: Database) -> None:
    day = date(2026, 3, 2)
    with demo.transaction() as s:
        coffee = new_claim(s, TREASURER)
        receipt(s, TREASURER, coffee, 12_550, day)
        waiting = new_claim(s, TREASURER)
        receipt(s, TREASURER, waiting, 5_000, day)
        course = service.create_claim(
            s,
            principal=who(s, TREASURER),
            board_id=board(s),
            purpose="Kursus",
            account_code="121",
            bank_registration="1234",
            bank_account="0012345678",
            secret_key=SECRET,
        )
        receipt(s, TREASURER, course, 20_000, day)
        elsewhere = service.create_claim(
            s,
            principal=who(s, MEMBER_SOEBAKKEN),
            board_id=board(s, SOEBAKKEN),
            purpose="Kaffe i Søbakken",
            account_code="119",
            bank_registration="1234",
            bank_account="0012345678",
            secret_key=SECRET,
        )
        receipt(s, MEMBER_SOEBAKKEN, elsewhere, 7_000, day)
        ids = coffee.id, waiting.id, course.id, elsewhere.id
        s.scalars(select(ExpenseAccount).where(ExpenseAccount.code == "120")).one().active = False
    approve(demo, ids[0])
    through(demo, ids[1], to="submitted")
    approve(demo, ids[2])
    with demo.transaction() as s:  # another board's approved claim: the organisation's figure only
        other = s.get(ExpenseClaim, ids[3])
        assert other is not None
        other.status, other.submitted_at = "approved", datetime.now(UTC)
        board_id = board(s)
    with demo.transaction() as s:
        found = reports.budget_overview(s, principal=who(s, TREASURER), board_id=board_id, year=2026)
    assert found.board_id == board_id and found.year == 2026
    rows = {a.code: a for a in found.accounts}
    assert list(rows) == ["119", "121"]  # 120 is closed and unused
    b119, b121 = rows["119"], rows["121"]
    assert (b119.yearly_budget_ore, b119.spent_ore, b119.pending_ore) == (2_500_000, 12_550, 5_000)
    assert (b119.remaining_ore, b119.percent_used, b119.organisation_spent_ore) == (2_487_450, 1, 19_550)
    assert (b121.spent_ore, b121.pending_ore, b121.percent_used) == (20_000, 0, 2)
    assert (found.budget_ore, found.spent_ore, found.pending_ore) == (3_500_000, 32_550, 5_000)
    assert reports.AccountBudget(1, "1", "x", True, 0, spent_ore=5).percent_used is None


def test_the_csv_reads_back() -> None:
    rows = [
        reports.MileageSummary(
            7,
            "=Kasserer Jensen",
            2025,
            [
                reports.VehicleMileage(
                    "car",
                    km_tenths=200_205,
                    amount_ore=7_624_479,
                    trips=12,
                    rates=[reports.RateUse(381, 200_000, 7_620_000), reports.RateUse(223, 205, 4_479)],
                    pending_km_tenths=125,
                    pending_amount_ore=4_763,
                    pending_trips=1,
                ),
                reports.VehicleMileage("bicycle", km_tenths=200, amount_ore=1_260, trips=1),
            ],
        )
    ]
    data = reports.mileage_summary_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf")
    read = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert read[0] == list(reports.CSV_COLUMNS)
    assert read[1] == [
        "2025",
        "'=Kasserer Jensen",
        "Bil",
        "20020,5",
        "76244,79",
        "12",
        "20000 km × 3,81 kr + 20,5 km × 2,23 kr",
        "12,5",
        "47,63",
    ]
    assert read[2][2:6] == ["Cykel", "20", "12,60", "1"]
    assert len(read) == 3


def test_the_api(client: TestClient, demo: Database) -> None:
    approve(demo, trips(demo, [(date(2026, 2, 1), 12)]))
    me = api_token(demo, TREASURER)
    r = client.get(f"{REPORTS}/mileage", params={"year": "2026"}, headers=me)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["year"] == 2026 and body["organisation_id"] == organisation(demo)
    (item,) = body["items"]
    assert (item["km_tenths"], item["amount_ore"]) == (120, 12 * 394)
    assert item["vehicles"][0]["rates"] == [{"rate_ore": 394, "km_tenths": 120, "amount_ore": 12 * 394}]
    csv_response = client.get(body["csv_url"], headers=me)
    assert csv_response.status_code == 200 and csv_response.headers["content-type"].startswith("text/csv")
    read = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig")), delimiter=";"))
    assert [row[3:6] for row in read[1:]] == [["12", "47,28", "1"]]

    with demo.transaction() as s:
        board_id, treasurer = board(s), who(s, TREASURER).person_id
    budget = client.get(f"{REPORTS}/budget", params={"board_id": board_id, "year": 2026}, headers=me)
    assert budget.status_code == 200, budget.text
    accounts = {a["code"]: a for a in budget.json()["accounts"]}
    assert accounts["119"]["spent_ore"] == 12 * 394 and accounts["119"]["remaining_ore"] == 2_500_000 - 4728

    for path, params in (
        ("mileage", {"year": "abc"}),
        ("mileage", {"year": "1999"}),
        ("mileage", {"year": "2026", "person_id": "x"}),
        ("mileage.csv", {"year": "20260"}),
        ("budget", {"year": "2026"}),
        ("budget", {"board_id": "-1"}),
        ("budget", {"board_id": "²"}),
        ("mileage", {"year": "２０２６"}),
        ("budget", {"board_id": board_id, "year": "næste"}),
    ):
        bad = client.get(f"{REPORTS}/{path}", params=params, headers=me)
        assert bad.status_code == 422, (path, params, bad.text)
        assert bad.json()["error"]["code"] == "validation_failed"
    outsider = api_token(demo, MEMBER_SOEBAKKEN)
    assert client.get(f"{REPORTS}/budget", params={"board_id": board_id}, headers=outsider).status_code == 404
    theirs = client.get(f"{REPORTS}/mileage", params={"person_id": treasurer}, headers=outsider)
    assert theirs.status_code == 404
    assert client.get(f"{REPORTS}/mileage").status_code == 401
