"""Residents' proposals: what is handed in, the board's decision, and the answers."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from boardkit.api.models.common import Out, Page, Time
from boardkit.api.schema import Body, Text, one_of

ProposalStatus = Literal["received", "accepted", "needs_clarification", "rejected"]


class ProposalBody(Body):
    """A proposal (JSON, or multipart with ``file`` attachments)."""

    title: Text = Field("", json_schema_extra={"maxLength": 200})
    text: Text = Field(
        "", json_schema_extra={"maxLength": 10000}, description="Phrased so it can be answered yes/no"
    )


class DecisionBody(Body):
    status: Text = one_of(["accepted", "rejected", "needs_clarification"])
    reason: Text = ""


class Proposer(Out):
    id: int
    name: str


class ProposalAttachment(Out):
    id: int
    filename: str
    content_type: str
    size: int
    pages: int | None
    url: str


class Proposal(Out):
    id: int
    meeting_id: int
    title: str
    text: str
    status: ProposalStatus
    reason: str | None = Field(description="Shown to the proposer, the board and the administration")
    proposer: Proposer
    created_at: Time
    updated_at: Time | None
    decided_at: Time | None
    agenda_item_id: int | None
    attachments: list[ProposalAttachment]
    url: str = Field(description="The proposal's web page")


class ProposalList(Page):
    items: list[Proposal]
    proposals_due: Time | None
    open: bool
    may_propose: bool
