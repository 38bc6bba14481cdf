"""Handover packs: making one, the departing member's checklist and the answers."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from boardkit.api.models.common import Out, Time, Url
from boardkit.api.schema import Body, Id, Text


class HandoverBody(Body):
    successor_person_id: Id | None = Field(None, description="A member or substitute of the board")


class ChecklistBody(Body):
    lines: list[Literal["returned", "handed_over", "nothing_open"]] = Field(
        default_factory=list, description="Every line must be ticked: returned, handed_over, nothing_open"
    )
    remark: Text = ""


class HandoverTable(Out):
    caption: str
    columns: list[str]
    rows: list[list[str]]
    empty: str


class HandoverSection(Out):
    key: str
    title: str
    note: str
    tables: list[HandoverTable]


class ChecklistItem(Out):
    kind: str
    label: str
    opens: str
    state: str


class HandoverChecklist(Out):
    items: list[ChecklistItem]
    lines: dict[str, bool]
    remark: str
    confirmed_at: Time | None


class HandoverPackOut(Out):
    id: int
    board_id: int
    reason: Literal["change", "on_demand"]
    status: Literal["open", "confirmed", "acknowledged", "closed"]
    departing_role: str | None = Field(description="The departing member's role on the board (never a name)")
    successor_person_id: int | None
    created_at: Time
    acknowledged_at: Time | None
    checklist: HandoverChecklist | None = Field(description="Null when the pack has no departing member")
    pdf: Url
    pdf_ready: bool = Field(
        description="False while the PDF is being made (it is drawn on request meanwhile)"
    )
    facts: list[list[str]]
    sections: list[HandoverSection]
