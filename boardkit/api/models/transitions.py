"""Changes of a board's memberships: elections, substitutes moving up, resignations, move-outs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from boardkit.api.models.boards import BoardRole
from boardkit.api.models.common import Date, Out, Page, Time


class TransitionChange(Out):
    action: Literal["start", "end", "extend"] = Field(
        description="start: a new seat; end: a seat ends at effective_at; extend: a seat's term changes"
    )
    person_id: int
    name: str
    role: BoardRole
    membership_id: int | None = Field(description="The seat that ends or is extended (null for start)")
    end_date: Date | None = Field(description="The last day of the (new or extended) term")
    until_year: int | None = Field(
        description="A term that runs until the ordinary department meeting of this year (no end date)"
    )
    position: int | None = Field(description="A substitute's place in line (1 moves up first)")
    reason: str | None = Field(
        description="Why a seat ends: election, role_change, substitute_up, resignation, move_out"
    )


class Transition(Out):
    id: int
    board_id: int
    kind: Literal["election", "substitute_up", "resignation", "move_out"]
    status: Literal["proposed", "done", "dismissed"]
    effective_at: Time = Field(description="When the seats end and start (an election: the meeting's end)")
    meeting_id: int | None
    changes: list[TransitionChange]
    summary: list[str] = Field(description="Each change in a sentence, in the caller's language")
    decided_at: Time | None


class TransitionList(Page):
    items: list[Transition]
