"""Expense reports: the yearly mileage summary for tax reporting, and a board's budget overview.

Mileage counts the calendar year the trip was made (the 20,000 km step restarts with it); the
budget counts a claim's financial year (``rules.financial_year``). The tax and budget figures are
claims that are approved, exported or paid; submitted and attested claims show as pending.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from boardkit.core import spreadsheet
from boardkit.core.errors import NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.core.templating import TZ
from boardkit.expenses import export, mileage
from boardkit.expenses.models import APPROVED, VEHICLES, ExpenseAccount, ExpenseClaim, ExpenseLine
from boardkit.org import service as org_service

PENDING = ("submitted", "attested")
FIRST_YEAR, LAST_YEAR = 2000, 2100
# A file format for the administration's spreadsheet, like export.CSV_COLUMNS: not UI text.
CSV_COLUMNS = ("År", "Udlægger", "Køretøj", "Km", "Beløb", "Ture", "Takster", "Afventer km", "Afventer beløb")
VEHICLE_NAMES = {"car": "Bil", "bicycle": "Cykel"}


@dataclass
class RateUse:
    rate_ore: int
    km_tenths: int = 0
    amount_ore: int = 0


@dataclass
class VehicleMileage:
    vehicle: str
    km_tenths: int = 0
    amount_ore: int = 0
    trips: int = 0
    rates: list[RateUse] = field(default_factory=list)  # highest rate (below the step) first
    pending_km_tenths: int = 0
    pending_amount_ore: int = 0
    pending_trips: int = 0


@dataclass
class MileageSummary:
    person_id: int
    name: str
    year: int
    vehicles: list[VehicleMileage] = field(default_factory=list)

    @property
    def km_tenths(self) -> int:
        return sum(v.km_tenths for v in self.vehicles)

    @property
    def amount_ore(self) -> int:
        return sum(v.amount_ore for v in self.vehicles)


@dataclass
class AccountBudget:
    account_id: int
    code: str
    name: str
    active: bool
    yearly_budget_ore: int
    spent_ore: int = 0  # this board's approved, exported and paid claims
    pending_ore: int = 0  # this board's submitted and attested claims
    organisation_spent_ore: int = 0  # every board of the organisation, approved and later

    @property
    def remaining_ore(self) -> int:
        return self.yearly_budget_ore - self.spent_ore

    @property
    def percent_used(self) -> int | None:
        """Spent as a whole percentage of the budget; None when the account has no budget."""
        if self.yearly_budget_ore <= 0:
            return None
        return (self.spent_ore * 100 + self.yearly_budget_ore // 2) // self.yearly_budget_ore


@dataclass
class BudgetOverview:
    board_id: int
    board_name: str
    organisation_id: int
    year: int
    accounts: list[AccountBudget] = field(default_factory=list)

    @property
    def budget_ore(self) -> int:
        return sum(a.yearly_budget_ore for a in self.accounts)

    @property
    def spent_ore(self) -> int:
        return sum(a.spent_ore for a in self.accounts)

    @property
    def pending_ore(self) -> int:
        return sum(a.pending_ore for a in self.accounts)


def check_year(year: int) -> int:
    """The year, or 422 when it is not a sensible one."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(
            _("Nogle felter skal rettes."), fields={"year": _("Skriv et årstal, fx 2026.")}
        )
    return year


def default_organisation(db: Session, *, principal: Principal) -> int | None:
    """The one organisation I administer, sit on a board of or have claimed from; None if not one."""
    found = export.administered_organisations(db, principal)
    if principal.board_roles:
        found |= set(
            db.scalars(
                select(org_service.Board.organisation_id).where(
                    org_service.Board.id.in_(principal.board_roles)
                )
            )
        )
    if principal.person_id is not None:
        found |= set(
            db.scalars(
                select(ExpenseClaim.organisation_id).where(ExpenseClaim.claimant_id == principal.person_id)
            )
        )
    return next(iter(found)) if len(found) == 1 else None


def _mileage_scope(
    principal: Principal, organisation_id: int, person_id: int | None
) -> list[ColumnElement[bool]]:
    """The claims whose mileage I may see: all (staff of the organisation), my departments', my own."""
    me = principal.person_id
    if me is None:
        raise NotFound()
    if person_id is not None and person_id != me and not principal.is_staff:
        raise NotFound()
    where = [ExpenseClaim.organisation_id == organisation_id]
    if person_id is not None:
        where.append(ExpenseClaim.claimant_id == person_id)
    if organisation_id not in principal.staff_organisation_ids:
        seen = [ExpenseClaim.claimant_id == me]
        if principal.staff_department_ids:
            seen.append(ExpenseClaim.department_id.in_(principal.staff_department_ids))
        where.append(or_(*seen))
    return where


def _add_line(summary: VehicleMileage, line: ExpenseLine, status: str) -> None:
    if status not in APPROVED:
        summary.pending_km_tenths += line.km_tenths
        summary.pending_amount_ore += line.amount_ore
        summary.pending_trips += 1
        return
    summary.km_tenths += line.km_tenths
    summary.amount_ore += line.amount_ore
    summary.trips += 1
    parts = (line.calculation or {}).get("parts") or [
        {"km": mileage.format_km(line.km_tenths), "rate_ore": 0, "amount_ore": line.amount_ore}
    ]
    for part in parts:
        rate = next((r for r in summary.rates if r.rate_ore == part["rate_ore"]), None)
        if rate is None:
            rate = RateUse(rate_ore=int(part["rate_ore"]))
            summary.rates.append(rate)
        rate.km_tenths += mileage.parse_km(part["km"]) or 0
        rate.amount_ore += int(part["amount_ore"])
    summary.rates.sort(key=lambda r: -r.rate_ore)


def mileage_summary(
    db: Session, *, principal: Principal, organisation_id: int, year: int, person_id: int | None = None
) -> list[MileageSummary]:
    """Per claimant and vehicle, the year's km, amount, rates used and trips; pending apart."""
    check_year(year)
    rows = db.execute(
        select(ExpenseLine, ExpenseClaim.claimant_id, ExpenseClaim.status)
        .join(ExpenseClaim, ExpenseClaim.id == ExpenseLine.claim_id)
        .where(
            *_mileage_scope(principal, organisation_id, person_id),
            ExpenseClaim.status.in_(APPROVED + PENDING),
            ExpenseLine.kind == "mileage",
            ExpenseLine.spent_on >= date(year, 1, 1),
            ExpenseLine.spent_on <= date(year, 12, 31),
        )
        .order_by(ExpenseLine.id)
    ).all()
    claimants = {claimant_id for _line, claimant_id, _status in rows}
    names = {
        p.id: p.name
        for p in db.scalars(select(org_service.Person).where(org_service.Person.id.in_(claimants)))
    }
    people: dict[int, dict[str, VehicleMileage]] = {}
    for line, claimant_id, status in rows:
        vehicles = people.setdefault(claimant_id, {})
        _add_line(vehicles.setdefault(line.vehicle, VehicleMileage(line.vehicle)), line, status)
    order = {v: n for n, v in enumerate(VEHICLES)}
    found = [
        MileageSummary(
            pid, names.get(pid, ""), year, sorted(v.values(), key=lambda m: order.get(m.vehicle, 9))
        )
        for pid, v in people.items()
    ]
    return sorted(found, key=lambda s: (s.name.lower(), s.person_id))


def _rates_text(rates: Sequence[RateUse]) -> str:
    return " + ".join(f"{mileage.format_km(r.km_tenths)} km × {export.kroner(r.rate_ore)} kr" for r in rates)


def mileage_summary_csv(rows: Sequence[MileageSummary]) -> bytes:
    """The summary for Danish Excel: UTF-8 with BOM, ``;``, one row per person and vehicle."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for person in rows:
        for v in person.vehicles:
            writer.writerow(
                [
                    person.year,
                    spreadsheet.cell(person.name),
                    VEHICLE_NAMES.get(v.vehicle, v.vehicle),
                    mileage.format_km(v.km_tenths),
                    export.kroner(v.amount_ore),
                    v.trips,
                    _rates_text(v.rates),
                    mileage.format_km(v.pending_km_tenths),
                    export.kroner(v.pending_amount_ore),
                ]
            )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def budget_overview(db: Session, *, principal: Principal, board_id: int, year: int) -> BudgetOverview:
    """Per account of the board's organisation: the budget, the board's spent and pending, the rest."""
    check_year(year)
    board = org_service.get_board(db, principal=principal, board_id=board_id)  # 404 for outsiders
    start, end = datetime(year, 1, 1, tzinfo=TZ), datetime(year + 1, 1, 1, tzinfo=TZ)
    sums = db.execute(
        select(
            ExpenseClaim.account_id,
            ExpenseClaim.board_id,
            ExpenseClaim.status,
            func.coalesce(func.sum(ExpenseLine.amount_ore), 0),
        )
        .join(ExpenseLine, ExpenseLine.claim_id == ExpenseClaim.id)
        .where(
            ExpenseClaim.organisation_id == board.organisation_id,
            ExpenseClaim.status.in_(APPROVED + PENDING),
            ExpenseClaim.submitted_at >= start,
            ExpenseClaim.submitted_at < end,
        )
        .group_by(ExpenseClaim.account_id, ExpenseClaim.board_id, ExpenseClaim.status)
    ).all()
    accounts = db.scalars(
        select(ExpenseAccount)
        .where(
            ExpenseAccount.organisation_id == board.organisation_id,
            or_(ExpenseAccount.active, ExpenseAccount.id.in_({row[0] for row in sums})),
        )
        .order_by(ExpenseAccount.code)
    )
    found = {a.id: AccountBudget(a.id, a.code, a.name, a.active, a.yearly_budget_ore) for a in accounts}
    for account_id, claim_board_id, status, total in sums:
        row = found[account_id]
        if status in APPROVED:
            row.organisation_spent_ore += int(total)
        if claim_board_id == board.id and status in APPROVED:
            row.spent_ore += int(total)
        elif claim_board_id == board.id:
            row.pending_ore += int(total)
    return BudgetOverview(board.id, board.name, board.organisation_id, year, list(found.values()))
