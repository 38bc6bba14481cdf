"""Urafstemning: the demand recorded at a department meeting, the question it opens, and the
administration's registration of a returned paper ballot."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from boardkit.api.models.common import Out, Time
from boardkit.api.schema import Body, MaybeMoment, Number, Text


class UrafstemningBody(Body):
    question: Text = Field("", description="The proposal the households vote yes, no or blank on")
    source_question_id: Number = Field(None, description="The question voted on at the meeting, if any")
    agenda_item_id: Number = Field(None, description="The agenda item of the proposal, if any")
    demanding: Number = Field(None, description="How many of those present demand the urafstemning")
    present: Number = Field(None, description="How many voters are present")
    opens_at: MaybeMoment = Field(None, description="Default now")
    closes_at: MaybeMoment = Field(None, description="After opens_at, at most 8 weeks after it")


class PaperBallotBody(Body):
    code: Text = Field("", description="The one-time code printed on the household's ballot letter")
    choices: list[Text] = Field(
        default_factory=list, description="1 or 2 votes, each yes | no | blank (the household has 2 in all)"
    )


class Demand(Out):
    demanding: int
    present: int
    share: float = Field(description="The organisation's share of those present (at most 0.25)")
    needed: int


class UrafstemningOption(Out):
    key: Literal["yes", "no", "blank"]
    label: str


class UrafstemningResult(Out):
    yes: int
    no: int
    blank: int
    adopted: bool


class UrafstemningOut(Out):
    id: int
    kind: Literal["urafstemning"]
    department_id: int
    meeting_id: int | None
    agenda_item_id: int | None
    source_question_id: int | None
    text: str
    status: Literal["recorded", "open", "closed", "cancelled"]
    called_by: Literal["meeting", "board"]
    demand: Demand | None
    options: list[UrafstemningOption]
    opens_at: Time | None
    closes_at: Time | None
    households: int = Field(description="Households on the roll made the day it was called (2 votes each)")
    result: UrafstemningResult | None = Field(None, description="After the close")


class PaperBallotOut(Out):
    status: Literal["registered"]
    votes: int = Field(description="The votes registered from the ballot")
    message: str
