"""Who I am and the boards I may see."""

from __future__ import annotations

from typing import Literal

from boardkit.api.models.common import Date, Out, Page

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
