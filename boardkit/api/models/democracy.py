"""Resident democracy: the electoral roll of a department meeting and the check-in at the door.
(Other parts of the democracy API may add their models here too.)"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from boardkit.api.models.common import Date, Out, Time
from boardkit.api.schema import Body, Day, Flag, Number


class AttendanceOut(Out):
    households: int = Field(description="Households on the roll")
    voters: int = Field(description="People on the roll (tenants and adult household members)")
    residents_present: int = Field(description="Checked in and not out; a person in two homes counts once")
    households_represented: int
    units_present: int = Field(
        description="2 per household at most: 1 per voter present (or 2, see the roll)"
    )


class VoterOut(Out):
    id: int = Field(description="The voter's place on this roll (voter_id)")
    person_id: int | None
    name: str
    role: Literal["tenant", "household_member"]
    checked_in: bool = Field(description="Present now: checked in and not checked out")
    checked_in_at: Time | None
    checked_out_at: Time | None


class HouseholdOut(Out):
    id: int
    number: str
    address: str
    paper: bool = Field(description="No voter has a digital channel: told by letter")
    units: int
    units_present: int
    voters: list[VoterOut]


class RollOut(Out):
    id: int
    meeting_id: int
    reference_date: Date
    one_person_both_units: bool = Field(description="The organisation lets one person present use both units")
    ended_at: Time | None = Field(description="The meeting's recorded end: check-in closed")
    check_in_open: bool = Field(description="From 2 hours before the meeting until its recorded end")
    check_in_message: str | None = Field(description="Why checking in is not possible now (Danish)")
    counts: AttendanceOut
    households: list[HouseholdOut] = Field(description="In address order; with ?q= only the matches")


class RollBody(Body):
    reference_date: Day = Field(
        None, description="Who lived there that day (default: the day the invitations went out, else today)"
    )


class CheckInBody(Body):
    """One of ``voter_id`` and ``person_id``. ``checked_out: true`` registers that the voter left."""

    voter_id: Number = Field(
        None, description="A voter of this meeting's roll (GET …/roll: households[].voters[].id)"
    )
    person_id: Number = Field(
        None, description="A person on the roll; a person in two homes is checked in (or out) in both"
    )
    checked_out: Flag = Field(
        False, description="true: check out (the row is kept; checking in again undoes it)"
    )


class CheckInOut(Out):
    voter_ids: list[int]
    household_ids: list[int]
    checked_in: bool = Field(description="The state now")
    changed: bool = Field(description="false: it already was so (the call is idempotent)")
    counts: AttendanceOut
