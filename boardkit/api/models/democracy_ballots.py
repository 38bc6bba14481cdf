"""Digital voting after a department meeting: casting a vote, letter votes, opening the digital
vote, a question's state and result, the stored ballots and the participation register."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from boardkit.api.models.common import Out, Time, Votes
from boardkit.api.schema import Body, Id, Moment, Number, Text


class BallotBody(Body):
    """The logged-in voter's own vote; there is no field for another household."""

    question_id: Id = Field(description="An open question whose roll holds you")
    choice: Text = Field(description="An option's key: yes, no, blank; an election's p<person id> or blank")
    units: Number = Field(
        None, description="1 (default), or 2 where the organisation lets one person use both units"
    )


class LetterVoteBody(Body):
    household_id: Id = Field(description="A household on the question's roll (GET …/roll: households[].id)")
    choices: list[str] = Field(description="1 or 2 choices (one per voter; 2 units at most per household)")


class DigitalBody(Body):
    closes_at: Moment = Field(description="At most 7 × 24 hours after the meeting's recorded end")


class ReceiptOut(Out):
    """The receipt says nothing of the choice."""

    status: Literal["registered"]
    message: str = Field(examples=["Din stemme er registreret"])


class OptionOut(Out):
    key: str
    label: str


class HouseholdUnitsOut(Out):
    household_id: int
    address: str
    units: int = Field(description="2 per household, shared across the meeting, online and letters")
    used: int
    left: int
    my_units: int = Field(description="Units you used yourself (online, or present when the meeting counted)")
    may_vote: bool
    may_use_both: bool = Field(description="One person may put both units on one ballot")


class ResultOut(Out):
    counts: Votes = Field(description="The total per choice: the meeting's counts plus the ballots")
    meeting: Votes
    ballots: Votes
    total: int
    ballots_total: int
    outcome: Literal["adopted", "rejected", "elected"]
    elected: list[str] = Field(default_factory=list, description="Elections: the elected choice keys")
    tie: bool


class QuestionStateOut(Out):
    id: int
    meeting_id: int | None
    agenda_item_id: int | None
    kind: Literal["proposal", "election", "urafstemning"]
    text: str
    status: Literal["recorded", "open", "closed", "cancelled"]
    options: list[OptionOut]
    opens_at: Time | None
    closes_at: Time | None
    closed_at: Time | None
    household: HouseholdUnitsOut | None = Field(description="Your household on the roll (voters only)")
    result: ResultOut | None = Field(description="Only after the close")
    may_manage: bool


class BallotOut(Out):
    id: str = Field(description="A random id given at the close")
    choice: str


class BallotList(Out):
    """The stored ballots of a closed question, for anyone entitled to recompute the result."""

    items: list[BallotOut]
    result: ResultOut


class ParticipationOut(Out):
    household_id: int
    number: str
    address: str
    units: int
    channel: Literal["meeting", "online", "letter"]
    at: Time


class ParticipationList(Out):
    """Who voted, never how (after the close: the dirigent, the counting committee, the managers)."""

    items: list[ParticipationOut]
