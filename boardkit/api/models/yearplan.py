"""The board's year plan (årshjul): the recurring dates of this year and next."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from boardkit.api.models.common import Date, Out, Page

YearEventKind = Literal[
    "notice_by",
    "proposals_due",
    "material_due",
    "budget_meeting",
    "accounts_approval",
    "inspection",
    "constituting_meeting",
]


class YearPlanEvent(Out):
    kind: YearEventKind
    date: Date = Field(description="The day; an inspection walk's is the first of its month")
    title: str = Field(description="In the caller's language")
    note: str
    statutory: bool = Field(
        description="Set by the law or the statutes (lovkrav): the budget meeting and its deadlines"
    )


class YearPlan(Page):
    """Every event of the years in ``years``, by date (``next`` is always null)."""

    board_id: int
    board_name: str
    years: list[int] = Field(description="This year and next")
    financial_year_start: str = Field(description="The first day of the financial year, MM-DD")
    elections: list[Date] = Field(
        description="The board's ordinary department meetings (elections) the constituting meetings follow"
    )
    items: list[YearPlanEvent]
