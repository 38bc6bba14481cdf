"""Votes counted at a department meeting, elections, the meeting's end and its decision to vote
digitally: request bodies and answers."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from boardkit.api.models.common import Out, Time
from boardkit.api.schema import Body, MaybeMoment, Number, Text, one_of

COUNTS_TEXT = (
    "Whole numbers from 0; together at most the units present (2 per household, 1 per voter checked in)"
)


class CountsIn(Body):
    for_: Number = Field(None, alias="for")
    against: Number = None
    blank: Number = None


class CandidateIn(Body):
    person_id: Number = Field(None, description="A person on the meeting's roll")
    votes: Number = Field(None, description="At most the units present")


class VoteBody(Body):
    """A proposal's count (``counts``) or an election (``kind: election`` with ``candidates``)."""

    kind: Text = one_of(["proposal", "election"], "proposal")
    question: Text = Field("", description="The question as worded at the meeting")
    method: Text = one_of(["show_of_hands", "written"], "show_of_hands")
    counts: CountsIn | None = Field(None, description=COUNTS_TEXT)
    candidates: list[CandidateIn] = []
    blank: Number = Field(None, description="Elections: the blank votes")
    seats: Number = Field(None, description="Elections: members to elect (default 1)")
    substitutes: Number = Field(None, description="Elections: substitutes to elect, in order (default 0)")
    until_year: Number = Field(
        None, description="Elections: members until the ordinary meeting of (meeting year + 2)"
    )
    substitutes_until_year: Number = Field(
        None, description="Elections: substitutes until (meeting year + 1)"
    )


class EndBody(Body):
    ended_at: MaybeMoment = Field(None, description="Default now; not before the start, not in the future")


class DigitalDecisionBody(Body):
    agenda_item_id: Number = Field(None, description="The agenda item where the meeting decided it")
    text: Text = Field("", description="The decision as recorded")


class Option(Out):
    key: str = Field(description="yes | no | blank, or p<person id> for a candidate")
    label: str
    person_id: int | None = None


class Placed(Out):
    person_id: int
    name: str
    votes: int


class ElectionResult(Out):
    elected: list[Placed]
    substitutes: list[Placed] = Field(description="In order")
    blank: int
    tie: bool = Field(description="The last place is shared with the next candidate: settle it, then correct")


class QuestionOut(Out):
    id: int
    meeting_id: int
    agenda_item_id: int | None
    kind: Literal["proposal", "election"]
    text: str
    method: str
    status: Literal["recorded", "open", "closed", "cancelled"]
    options: list[Option]
    counts: dict[str, int] = Field(
        description="At the meeting: for / against / blank (proposal); p<person id> / blank (election)"
    )
    units_present: int
    counted_at: Time | None
    seats: int
    election: ElectionResult | None = Field(None, description="Elections: the result of the meeting's count")


class MeetingVotesOut(Out):
    meeting_id: int
    ended_at: Time | None
    digital_decided_at: Time | None
    digital_decision_item_id: int | None
    digital_decision_text: str
    residents_present: int = Field(description="Voters checked in at any time (also those who left)")
    households_represented: int
    units_present: int = Field(description="The units of the voters checked in now")
    questions: list[QuestionOut]
