"""Minutes in the search index: the board finds drafts, residents only published open text, never closed."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.core import search
from boardkit.core.db import Database
from boardkit.core.models import Job
from boardkit.meetings.minutes.search import minutes_documents
from boardkit.org import service as org_service
from tests.helpers import api_token, person_id
from tests.meetings.meeting_env import CHAIR, MEMBER_SOEBAKKEN, RESIDENT, TREASURER
from tests.meetings.minutes.minutes_env import held_department_meeting, minutes_body, post, put

pytestmark = pytest.mark.postgres  # see tests/conftest.py


def visible_texts(db: Database, email: str, meeting_id: int) -> str:
    with db.transaction() as s:
        scopes = search.reader_scopes(org_service.build_principal(s, person_id=person_id(db, email)))
        return "\n".join(d.text for d in minutes_documents(s, [meeting_id]) if d.scopes & scopes)


def test_who_finds_the_minutes(client: TestClient, demo: Database) -> None:
    meeting_id = held_department_meeting(demo)
    chair, treasurer = api_token(demo, CHAIR), api_token(demo, TREASURER)
    body = minutes_body(demo, meeting_id)
    body["attendance"] = [{"person_id": person_id(demo, e), "status": "present"} for e in (CHAIR, TREASURER)]
    put(client, chair, meeting_id, body)
    with demo.transaction() as s:
        jobs = s.scalars(select(Job.payload).where(Job.kind == search.INDEX)).all()
    assert {"kind": "minutes", "ids": [meeting_id]} in jobs  # indexed after the commit
    assert "Vedtaget som foreslået." in visible_texts(demo, TREASURER, meeting_id)
    assert visible_texts(demo, RESIDENT, meeting_id) == ""  # a draft
    post(client, chair, meeting_id, "submit")
    post(client, chair, meeting_id, "approve")
    post(client, treasurer, meeting_id, "approve")
    assert "Fortroligt forlig" in visible_texts(demo, TREASURER, meeting_id)  # the closed decision
    assert post(client, chair, meeting_id, "publish").status_code == 200
    resident = visible_texts(demo, RESIDENT, meeting_id)
    assert "Vedtaget som foreslået." in resident
    assert "Fortroligt" not in resident and "Klagesag" not in resident
    assert visible_texts(demo, MEMBER_SOEBAKKEN, meeting_id) == ""
