"""Shared bits for the residents' view of meetings: announcing, closed and person-case items, publishing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.app import build_runner
from boardkit.config import Settings
from boardkit.core.db import Database, utcnow
from boardkit.meetings.models import Meeting
from boardkit.org.models import Person
from tests.helpers import api_token
from tests.meetings.meeting_env import CHAIR
from tests.meetings.minutes.minutes_env import minutes_body, post, put

CLOSED_TITLE = "Tilbud på nye vinduer i blok 2"
CLOSED_TEXT = "Tre tilbud; det billigste er fra Glarmester Holm."
CASE_TITLE = "Klage over støj fra nabo i opgang 3"
CASE_TEXT = "Sagen om lejeren i stuen til venstre."
CLOSED_DECISION = "Fortroligt forlig indgået."  # what minutes_body writes for closed items


def announce(db: Database, meeting_id: int) -> None:
    """As if the invitations went out."""
    with db.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        meeting.invited_at, meeting.status = utcnow(), "invited"


def add_closed_items(client: TestClient, db: Database, meeting_id: int) -> tuple[int, int]:
    """A closed item and a person case, through the API: (closed item id, person case id)."""
    chair = api_token(db, CHAIR)
    url = f"/api/v1/meetings/{meeting_id}/agenda-items"
    closed = client.post(
        url, json={"title": CLOSED_TITLE, "description": CLOSED_TEXT, "closed": True}, headers=chair
    )
    case = client.post(
        url, json={"title": CASE_TITLE, "description": CASE_TEXT, "person_case": True}, headers=chair
    )
    assert closed.status_code == case.status_code == 201, (closed.text, case.text)
    assert case.json()["closed"] is True and case.json()["person_case"] is True  # a person case is closed
    return closed.json()["id"], case.json()["id"]


def approve_all(client: TestClient, db: Database, meeting_id: int) -> None:
    """Every member whose approval counts approves (the API lists them)."""
    chair = api_token(db, CHAIR)
    for a in client.get(f"/api/v1/meetings/{meeting_id}/minutes", headers=chair).json()["approvals"]:
        with db.transaction() as s:
            email = s.scalar(select(Person.email).where(Person.id == a["person_id"]))
        assert post(client, api_token(db, str(email)), meeting_id, "approve").status_code == 200


def write_and_approve(client: TestClient, db: Database, meeting_id: int, **extra: Any) -> None:
    chair = api_token(db, CHAIR)
    r = put(client, chair, meeting_id, minutes_body(db, meeting_id, **extra))
    assert r.status_code == 200, r.text
    assert post(client, chair, meeting_id, "submit").status_code == 200
    approve_all(client, db, meeting_id)


def run_jobs(db: Database, settings: Settings) -> None:
    build_runner(db, settings).run_until_idle(now=utcnow() + timedelta(minutes=1))
