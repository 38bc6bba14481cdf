"""Notices, search, print batches and the expense reports: the answers."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from boardkit.api.models.common import Out, Page, Time


class Notice(Out):
    id: int
    kind: str
    subject: str
    body: str
    url: str
    important: bool
    statutory: bool
    object_type: str | None
    object_id: int | None
    created_at: Time
    read: bool
    read_at: Time | None
    channel: Literal["email", "sms", "digital_post", "paper", "none"]


class NoticeList(Page):
    items: list[Notice]
    unread: int


class Hit(Out):
    kind: Literal[
        "meeting",
        "agenda_item",
        "proposal",
        "attachment",
        "minutes",
        "decision",
        "forum_thread",
        "library_document",
    ]
    id: int
    title: str
    highlights: list[str] = Field(
        description="Fragments of the text as HTML: escaped, with <mark> around the matched words"
    )
    date: Time | None
    url: str = Field(description="The page that shows it")


class SearchResults(Out):
    items: list[Hit]
    more: bool = Field(description="More matched than shown: add words to narrow")
    next: str | None


class PrintBatch(Out):
    id: int
    organisation_id: int
    status: Literal["open", "closed", "printed"]
    letters: int
    created_at: Time
    printed_at: Time | None


class PrintedBatch(PrintBatch):
    invitations_printed: int


class PrintBatchList(Page):
    items: list[PrintBatch]


class RateUse(Out):
    rate_ore: int
    km_tenths: int
    amount_ore: int


class VehicleMileage(Out):
    vehicle: str
    km_tenths: int
    amount_ore: int
    trips: int
    rates: list[RateUse] = Field(description="highest rate (below the step) first")
    pending_km_tenths: int
    pending_amount_ore: int
    pending_trips: int


class MileageSummary(Out):
    person_id: int
    name: str
    year: int
    vehicles: list[VehicleMileage]
    km_tenths: int
    amount_ore: int


class MileageReport(Out):
    year: int
    organisation_id: int
    items: list[MileageSummary]
    csv_url: str


class AccountBudget(Out):
    account_id: int
    code: str
    name: str
    active: bool
    yearly_budget_ore: int
    spent_ore: int = Field(description="this board's approved, exported and paid claims")
    pending_ore: int = Field(description="this board's submitted and attested claims")
    organisation_spent_ore: int = Field(description="every board of the organisation, approved and later")
    remaining_ore: int
    percent_used: int | None


class BudgetOverview(Out):
    board_id: int
    board_name: str
    organisation_id: int
    year: int
    budget_ore: int
    spent_ore: int
    pending_ore: int
    accounts: list[AccountBudget]
