"""Expense claims, their lines and export batches: request bodies and answers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, RootModel

from boardkit.api.models.common import Date, Out, Page, Time
from boardkit.api.schema import Body, Day, Money, Number, Text, fail, one_of
from boardkit.core.i18n import _, lazy_gettext
from boardkit.expenses.service import mileage

ClaimStatus = Literal["draft", "submitted", "attested", "approved", "rejected", "exported", "paid"]


def _board(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise fail(_("Vælg bestyrelsen."))
    return value


def _stops(value: Any) -> list[str]:
    if value is None:
        value = []
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise fail(_("Skal være en liste af steder."))
    return value


def _km(value: Any) -> int:
    """Kilometres as a number or a text like "12,5", read as tenths of a km."""
    tenths = mileage.parse_km(value)
    if tenths is None:
        raise fail(_("Skriv antal kilometer som et tal, fx 12,5."))
    return tenths


Km = Annotated[
    int | None, BeforeValidator(_km), Field(json_schema_extra={"type": ["number", "string", "null"]})
]

# --- requests -------------------------------------------------------------------------------


class ClaimChange(Body):
    """My draft's fields; keys left out keep their value."""

    purpose: Text = ""
    account: Text = Field("", description="An account code (GET /expense-accounts)")
    bank_registration: Text = ""
    bank_account: Text = ""


class _ForBoard(Body):
    board_id: Annotated[int, BeforeValidator(_board)]


class NewClaim(ClaimChange, _ForBoard):
    """A draft claim for one of my boards (``board_id`` first, as errors list it)."""

    missing = {"board_id": lazy_gettext("Vælg bestyrelsen.")}


class ReceiptFields(Body):
    amount_ore: Money = None
    vat_ore: Money = None
    spent_on: Day = None
    description: Text = ""


class ReceiptLineIn(ReceiptFields):
    kind: Literal["receipt"]


class MileageLineIn(Body):
    kind: Literal["mileage"]
    travelled_on: Day = None
    from_place: Text = ""
    to_place: Text = ""
    stops: Annotated[list[str], BeforeValidator(_stops)] = []
    purpose: Text = ""
    km: Km = None
    vehicle: Text = one_of(["car", "bicycle"], "car")


class NewLine(RootModel[Annotated[ReceiptLineIn | MileageLineIn, Field(discriminator="kind")]]):
    """A receipt line to fill in by hand, or a mileage line."""


class Reason(Body):
    reason: Text = ""


class NewExport(Body):
    organisation_id: Number = None


# --- answers --------------------------------------------------------------------------------


class Account(Out):
    code: str
    name: str


class AccountList(Page):
    items: list[Account]


class ReceiptLine(Out):
    id: int
    kind: Literal["receipt"]
    amount_ore: int | None
    description: str
    vat_ore: int | None
    spent_on: Date | None
    filename: str | None
    image_url: str | None = Field(description="The cleaned copy")
    preview_url: str | None
    original_url: str | None


class MileageLine(Out):
    id: int
    kind: Literal["mileage"]
    amount_ore: int | None
    description: str
    travelled_on: Date | None
    from_place: str
    to_place: str
    stops: list[str]
    purpose: str
    km: float
    vehicle: Literal["car", "bicycle"]
    calculation: dict[str, Any] | None = Field(description="km before this line, the parts and rates used")


Line = Annotated[ReceiptLine | MileageLine, Field(discriminator="kind")]


class LineOut(RootModel[Line]):
    """A line of a claim."""


class ClaimSummary(Out):
    id: int
    status: ClaimStatus
    board_id: int
    claimant_id: int
    purpose: str
    account: Account
    total_ore: int
    created_at: Time | None
    submitted_at: Time | None
    attested_at: Time | None
    approved_at: Time | None
    rejected_at: Time | None
    exported_at: Time | None
    export_id: int | None = Field(description="the export batch the claim went out in")
    paid_at: Time | None
    reject_reason: str | None
    needs_second_approval: bool


class ClaimList(Page):
    items: list[ClaimSummary]


class Bank(Out):
    registration: str
    account: str


class DuplicateFlag(Out):
    id: int
    kind: str
    line_id: int | None
    other_claim_id: int | None
    other_line_id: int | None
    decision: str | None
    decided_at: Time | None


class HistoryEntry(Out):
    at: Time | None
    action: str
    actor_id: int | None
    line_id: int | None
    before: Any
    after: Any
    note: str | None


class Claim(ClaimSummary):
    """One claim with its lines, flags and history."""

    bank: Bank | None = Field(description="only for the claimant and the administration")
    lines: list[Line]
    flags: list[DuplicateFlag]
    history: list[HistoryEntry]


class Export(Out):
    id: int
    organisation_id: int
    created_by: int | None
    created_at: Time | None
    claims: list[int]
    paid: bool
    paid_at: Time | None
    csv_url: str
    pdf_url: str


class ExportList(Page):
    items: list[Export]
