"""Shared bits for the minutes tests: held meetings, their items, minutes written through the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from starlette.testclient import TestClient

from boardkit.core.db import Database, utcnow
from boardkit.meetings.models import AgendaItem, Meeting
from boardkit.org.models import Board, Organisation
from tests.meetings.meeting_env import ENGPARKEN, make_meeting


def held_board_meeting(db: Database, board: str = ENGPARKEN) -> int:
    """The demo's board meeting held about a month ago."""
    with db.transaction() as s:
        found = s.scalar(
            select(Meeting.id)
            .join(Board, Board.id == Meeting.board_id)
            .where(Board.name == board, Meeting.kind == "board", Meeting.status == "held")
        )
    assert found is not None
    return found


def held_department_meeting(db: Database, *, days_ago: int = 3) -> int:
    """An ordinary Engparken department meeting that took place ``days_ago`` days ago (announced), with a
    closed item."""
    meeting_id = make_meeting(db, days=30, kind="ordinary_department", announced=True)
    with db.transaction() as s:
        s.execute(
            update(Meeting)
            .where(Meeting.id == meeting_id)
            .values(
                starts_at=utcnow() - timedelta(days=days_ago),
                ends_at=utcnow() - timedelta(days=days_ago) + timedelta(hours=2),
                status="held",
            )
        )
        item = s.scalar(
            select(AgendaItem).where(AgendaItem.meeting_id == meeting_id, AgendaItem.position == 9)
        )
        assert item is not None
        item.closed, item.title = True, "Klagesag"
    return meeting_id


def items_of(db: Database, meeting_id: int) -> list[tuple[int, str, bool]]:
    with db.transaction() as s:
        rows = s.execute(
            select(AgendaItem.id, AgendaItem.title, AgendaItem.closed)
            .where(AgendaItem.meeting_id == meeting_id)
            .order_by(AgendaItem.position)
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def set_rule(db: Database, key: str, value: Any) -> None:
    with db.transaction() as s:
        org = s.scalar(select(Organisation))
        assert org is not None
        org.rules = {**org.rules, key: value}


def minutes_body(db: Database, meeting_id: int, **extra: Any) -> dict[str, Any]:
    """Minutes with a note on every item and a decision with votes on the first and the closed one."""
    items = []
    for n, (item_id, title, closed) in enumerate(items_of(db, meeting_id)):
        entry: dict[str, Any] = {"agenda_item_id": item_id, "notes": f"Drøftelse af {title.lower()}."}
        if n == 0 or closed:
            entry["decision"] = "Fortroligt forlig indgået." if closed else "Vedtaget som foreslået."
        items.append(entry)
    return {"meeting_chair": "Søren Ødegård", "minute_taker": "Ayşe Şahin", "items": items, **extra}


def put(client: TestClient, headers: dict[str, str], meeting_id: int, body: dict[str, Any]) -> Any:
    return client.put(f"/api/v1/meetings/{meeting_id}/minutes", json=body, headers=headers)


def post(client: TestClient, headers: dict[str, str], meeting_id: int, action: str) -> Any:
    return client.post(f"/api/v1/meetings/{meeting_id}/minutes/{action}", headers=headers)
