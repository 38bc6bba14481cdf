"""Request bodies read by the declared models: every problem a Danish message under its field (422)."""

from __future__ import annotations

from starlette.testclient import TestClient

from boardkit.core.db import Database
from tests.helpers import api_token
from tests.meetings.minutes.minutes_env import held_department_meeting

CHAIR = "formand@demo.boardkit.dk"


def _fields(
    client: TestClient, headers: dict[str, str], method: str, path: str, body: object
) -> dict[str, str]:
    r = client.request(method, "/api/v1" + path, headers=headers, json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "validation_failed"
    return r.json()["error"]["fields"]


def test_each_wrong_field_gets_its_danish_message(client: TestClient, demo: Database) -> None:
    chair = api_token(demo, CHAIR)
    fields = _fields(
        client,
        chair,
        "POST",
        "/meetings",
        {"board_id": "x", "title": 5, "starts_at": "2027-01-01T10:00", "ends_at": None, "override_notice": 1},
    )
    assert fields == {
        "board_id": "Skal være et helt tal.",
        "title": "Skal være en tekst.",
        "starts_at": "Tidspunktet mangler tidszone: skriv fx 2027-03-15T19:00:00+01:00 eller …Z.",
        "ends_at": "Skal være et tidspunkt i ISO 8601, fx 2027-03-15T19:00:00+01:00.",
        "override_notice": "Skal være true eller false.",
    }
    assert _fields(client, chair, "POST", "/meetings", {}) == {
        "board_id": "Skal udfyldes.",
        "starts_at": "Skal udfyldes, fx 2027-03-15T19:00:00+01:00.",
        "ends_at": "Skal udfyldes, fx 2027-03-15T19:00:00+01:00.",
    }
    assert _fields(client, chair, "POST", "/expense-claims", {"purpose": "x"}) == {
        "board_id": "Vælg bestyrelsen."
    }


def test_nested_entries_are_reported_by_their_place(client: TestClient, demo: Database) -> None:
    meeting_id = held_department_meeting(demo)
    body = {
        "attendance": [{"person_id": "x"}, 5],
        "items": [{"agenda_item_id": "a"}, 5, {"agenda_item_id": 1, "votes": 3, "notes": 1}],
        "residents_present": 1.5,
    }
    assert _fields(client, api_token(demo, CHAIR), "PUT", f"/meetings/{meeting_id}/minutes", body) == {
        "attendance.0": "Skriv person_id (tal) og status.",
        "attendance.1": "Skriv person_id (tal) og status.",
        "items.0.agenda_item_id": "Skriv punktets agenda_item_id.",
        "items.1.agenda_item_id": "Skriv punktets agenda_item_id.",
        "items.2.notes": "Skal være en tekst.",
        "items.2.votes": "Skal være et objekt med for, against og blank.",
        "residents_present": "Skal være et helt tal.",
    }


def test_a_body_that_is_not_an_object_is_400(client: TestClient, demo: Database) -> None:
    r = client.post("/api/v1/meetings", headers=api_token(demo, CHAIR), json=[1])
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "malformed_json"
