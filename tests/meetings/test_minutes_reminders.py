"""The timeline's "minutes due": the chair is reminded once, a week ahead, unless they are published."""

from __future__ import annotations

import pytest

from boardkit.config import Settings
from boardkit.core.db import Database
from tests.helpers import api_token
from tests.meetings.meeting_env import CHAIR, TREASURER
from tests.meetings.minutes.minutes_env import held_department_meeting, minutes_body, post, put
from tests.meetings.test_reminders import at, only, reminder_mails, run

pytestmark = pytest.mark.postgres  # see tests/conftest.py


def test_the_chair_is_reminded_once_when_the_minutes_are_due(demo: Database, settings: Settings) -> None:
    due_soon = held_department_meeting(demo, days_ago=24)  # due in 4 days
    not_yet = held_department_meeting(demo, days_ago=10)  # due in 18 days
    only(demo, due_soon, not_yet)
    assert run(demo, settings, at(0, 7)) == 0  # not before eight
    assert run(demo, settings, at(0, 9)) == 1
    mails = reminder_mails(demo)
    assert [m.to_address for m in mails] == [CHAIR]
    assert "Referatet af Ordinært afdelingsmøde skal være udgivet senest" in mails[0].body_text
    assert mails[0].subject.startswith("Påmindelse: referatet af Ordinært afdelingsmøde skal udgives senest")
    assert run(demo, settings, at(1, 9)) == 0  # once
    assert run(demo, settings, at(12, 9)) == 1  # the other meeting's minutes come due a week before
    assert len(reminder_mails(demo)) == 2


def test_published_minutes_are_not_chased(client, demo: Database, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    meeting_id = held_department_meeting(demo, days_ago=30)  # overdue
    only(demo, meeting_id)
    chair, treasurer = api_token(demo, CHAIR), api_token(demo, TREASURER)
    body = minutes_body(demo, meeting_id)
    body["attendance"] = [
        {"person_id": p, "status": "present"}
        for p in (
            client.get("/api/v1/me", headers=chair).json()["id"],
            client.get("/api/v1/me", headers=treasurer).json()["id"],
        )
    ]
    put(client, chair, meeting_id, body)
    post(client, chair, meeting_id, "submit")
    post(client, chair, meeting_id, "approve")
    post(client, treasurer, meeting_id, "approve")
    assert post(client, chair, meeting_id, "publish").status_code == 200
    assert run(demo, settings, at(0, 9)) == 0
    timeline = client.get(f"/api/v1/meetings/{meeting_id}/timeline", headers=chair).json()
    assert timeline["minutes_due"]["status"] == "done"
