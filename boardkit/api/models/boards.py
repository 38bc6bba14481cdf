"""Who I am and the boards I may see."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from boardkit.api.models.common import Date, Out, Page, Time
from boardkit.api.schema import Body, Day
from boardkit.core.i18n import lazy_gettext

BoardRole = Literal["chair", "vice_chair", "treasurer", "member", "substitute"]


class Board(Out):
    id: int
    name: str
    kind: Literal["department_board", "organisation_board", "committee"]
    role: BoardRole | None
    department_id: int | None
    department_name: str | None
    organisation_id: int
    organisation_name: str


class BoardMember(Out):
    person_id: int
    name: str
    role: BoardRole
    start_date: Date
    end_date: Date | None


class BoardDetail(Board):
    """One board with its current members."""

    members: list[BoardMember]


class BoardList(Page):
    items: list[Board]


class Me(Out):
    id: int
    name: str
    email: str | None
    language: Literal["da", "en"]
    preferred_channel: str
    roles: list[str]
    calendar_feed_url: str | None
    resident_department_ids: list[int]
    staff_organisation_ids: list[int]
    boards: list[Board]


class Membership(Out):
    """One of my board memberships: the role, the dates (end inclusive) and the exact moments."""

    id: int
    board_id: int
    board_name: str
    role: BoardRole
    start_date: Date
    end_date: Date | None
    starts_at: Time
    ends_at: Time | None = Field(
        description="When the seat ends exactly (access ends then); null: open-ended"
    )


class ResignBody(Body):
    """The last day on the board: the seat ends at the end of that day (local time)."""

    missing = {"date": lazy_gettext("Skriv den sidste dag i bestyrelsen, fx 2026-03-15.")}

    date: Day = Field(description="The last day on the board (YYYY-MM-DD), today or later")
