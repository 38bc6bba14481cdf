"""Decision status (open, in progress, done): who sets it, the register's filter, the API, its survival
when minutes are approved again; the board's decisions and carried-over items for a handover pack."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.core.models import AuditEntry
from boardkit.meetings.minutes import service as minutes_service
from boardkit.meetings.models import AgendaItem, Decision, Meeting
from tests.helpers import api_token, csrf_from, login_as
from tests.meetings.meeting_env import (
    ADMIN,
    CHAIR,
    ENGPARKEN,
    MEMBER_SOEBAKKEN,
    RESIDENT,
    RESIDENT_SOEBAKKEN,
    TREASURER,
    board_id,
    email_of_role,
    make_meeting,
)
from tests.meetings.minutes.minutes_env import (
    held_department_meeting,
    items_of,
    minutes_body,
    post,
    put,
)
from tests.meetings.minutes.test_minutes import approve_all


def approved_minutes(client: TestClient, demo: Database, **extra: Any) -> int:
    """An Engparken department meeting with approved minutes: a decision on its first and its closed item."""
    meeting_id = held_department_meeting(demo)
    chair = api_token(demo, CHAIR)
    body = minutes_body(demo, meeting_id, households_represented=31, residents_present=40, **extra)
    assert put(client, chair, meeting_id, body).status_code == 200
    post(client, chair, meeting_id, "submit")
    approve_all(client, demo, meeting_id)
    return meeting_id


def decisions_of(client: TestClient, headers: dict[str, str], **query: str) -> list[dict[str, Any]]:
    r = client.get("/api/v1/decisions", params=query, headers=headers)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def open_decision(client: TestClient, demo: Database, meeting_id: int) -> int:
    chair = api_token(demo, CHAIR)
    found = [d for d in decisions_of(client, chair) if d["meeting_id"] == meeting_id and not d["closed"]]
    assert found and found[0]["status"] == "open" and found[0]["status_changed_at"] is None
    return int(found[0]["id"])


def test_the_chair_sets_a_status_through_the_api_audited(client: TestClient, demo: Database) -> None:
    meeting_id = approved_minutes(client, demo)
    decision_id = open_decision(client, demo, meeting_id)
    chair = api_token(demo, CHAIR)
    url = f"/api/v1/decisions/{decision_id}"
    r = client.patch(url, json={"status": "in_progress", "note": "Tilbud er indhentet."}, headers=chair)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "in_progress" and r.json()["status_note"] == "Tilbud er indhentet."
    assert r.json()["status_changed_at"] and r.json()["meeting_title"]
    r = client.patch(url, json={"status": "done"}, headers=chair)  # no note: the note is kept
    assert r.json()["status"] == "done" and r.json()["status_note"] == "Tilbud er indhentet."
    with demo.transaction() as s:
        entries = s.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "decision.status", AuditEntry.object_id == decision_id
            )
        ).all()
        assert [e.changes.get("status") for e in entries] == [
            ["open", "in_progress"],
            ["in_progress", "done"],
        ]
    # Filters
    assert [d["id"] for d in decisions_of(client, chair, status="done")] == [decision_id]
    assert decision_id not in [d["id"] for d in decisions_of(client, chair, status="open")]
    assert client.get("/api/v1/decisions?status=later", headers=chair).status_code == 422


def test_who_may_set_a_status(client: TestClient, demo: Database) -> None:
    meeting_id = approved_minutes(client, demo)
    decision_id = open_decision(client, demo, meeting_id)
    url = f"/api/v1/decisions/{decision_id}"
    body = {"status": "done"}
    # A board member who is not chair or vice chair: 403; strangers: 404.
    assert client.patch(url, json=body, headers=api_token(demo, TREASURER)).status_code == 403
    for email in (MEMBER_SOEBAKKEN, RESIDENT_SOEBAKKEN, RESIDENT):  # residents: not published yet
        assert client.patch(url, json=body, headers=api_token(demo, email)).status_code == 404
    assert (
        client.patch("/api/v1/decisions/999999", json=body, headers=api_token(demo, CHAIR)).status_code == 404
    )
    r = client.patch(url, json={"status": "finished"}, headers=api_token(demo, CHAIR))
    assert r.status_code == 422 and "status" in r.json()["error"]["fields"]
    r = client.patch(url, json={"status": "done", "note": "x" * 2001}, headers=api_token(demo, CHAIR))
    assert r.status_code == 422 and "note" in r.json()["error"]["fields"]
    vice = email_of_role(demo, ENGPARKEN, "vice_chair")
    assert client.patch(url, json={"status": "in_progress"}, headers=api_token(demo, vice)).status_code == 200
    assert client.patch(url, json=body, headers=api_token(demo, ADMIN)).json()["status"] == "done"


def test_the_register_page_shows_filters_and_changes_the_status(client: TestClient, demo: Database) -> None:
    meeting_id = approved_minutes(client, demo)
    decision_id = open_decision(client, demo, meeting_id)
    login_as(client, demo, TREASURER)
    page = client.get("/decisions").text
    assert "Status: Åben" in page and f"/decisions/{decision_id}/status" not in page  # no form for her
    r = client.post(
        f"/decisions/{decision_id}/status", data={"csrf_token": csrf_from(page), "status": "done"}
    )
    assert r.status_code == 200 and "Kun formanden" in r.text  # the flash after the redirect
    login_as(client, demo, CHAIR)
    page = client.get("/decisions?status=open").text
    assert f"/decisions/{decision_id}/status" in page
    r = client.post(
        f"/decisions/{decision_id}/status",
        data={
            "csrf_token": csrf_from(page),
            "status": "done",
            "note": "Udført i maj.",
            "back": "status=open&x=1",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith(
        f"/decisions?status=open#meeting-{meeting_id}-item-{items_of(demo, meeting_id)[0][0]}"
    )
    done = client.get("/decisions?status=done").text
    assert "Status: Udført" in done and "Udført i maj." in done
    assert "Udført i maj." not in client.get("/decisions?status=open").text
    r = client.post(
        f"/decisions/{decision_id}/status", data={"csrf_token": csrf_from(page), "status": "nope"}
    )
    assert "Vælg åben, i gang eller udført." in r.text


def test_a_status_survives_when_edited_minutes_are_approved_again(client: TestClient, demo: Database) -> None:
    meeting_id = approved_minutes(client, demo)
    decision_id = open_decision(client, demo, meeting_id)
    chair = api_token(demo, CHAIR)
    client.patch(f"/api/v1/decisions/{decision_id}", json={"status": "in_progress"}, headers=chair)
    body = minutes_body(demo, meeting_id, households_represented=31, residents_present=40)
    body["items"][0]["decision"] = "Vedtaget med en ændring."
    assert put(client, chair, meeting_id, body).json()["status"] == "submitted"
    assert decision_id not in [d["id"] for d in decisions_of(client, chair)]  # hidden while unapproved
    approve_all(client, demo, meeting_id)
    again = {d["id"]: d for d in decisions_of(client, chair)}[decision_id]
    assert again["status"] == "in_progress" and again["text"] == "Vedtaget med en ændring."


def test_the_boards_decisions_and_carried_over_items_for_a_handover(
    client: TestClient, demo: Database
) -> None:
    meeting_id = held_department_meeting(demo)
    items = items_of(demo, meeting_id)
    closed_id = next(i for i, _t, closed in items if closed)
    # A person case that is also carried over, and an open item carried over.
    with demo.transaction() as s:
        s.execute(update(AgendaItem).where(AgendaItem.id == closed_id).values(person_case=True))
        extra = AgendaItem(meeting_id=meeting_id, position=20, title="Nye   Cykelstativer", kind="decision")
        secret = AgendaItem(meeting_id=meeting_id, position=21, title="Lukket sag om lejemål", closed=True)
        s.add_all([extra, secret])
        s.flush()
        extra_id, secret_id = extra.id, secret.id
    chair = api_token(demo, CHAIR)
    body = minutes_body(demo, meeting_id, households_represented=31, residents_present=40)
    for entry in body["items"]:
        if entry["agenda_item_id"] in (closed_id, extra_id):
            entry["carried_over"] = True
    body["items"].append({"agenda_item_id": secret_id, "decision": "Fortrolig aftale om lejemålet."})
    assert put(client, chair, meeting_id, body).status_code == 200
    board = board_id(demo)
    with demo.transaction() as s:
        assert minutes_service.carried_over_items(s, board_id=board) == []  # not approved yet
    post(client, chair, meeting_id, "submit")
    approve_all(client, demo, meeting_id)
    with demo.transaction() as s:
        carried = minutes_service.carried_over_items(s, board_id=board)
        assert [(c.title, c.meeting_id, c.closed) for c in carried] == [
            ("Nye   Cykelstativer", meeting_id, False)
        ]
        assert carried[0].number == 20 and carried[0].meeting_date
        decisions = minutes_service.decisions_of_board(s, board_id=board)
        texts = [d.text for d in decisions]
        assert "Vedtaget som foreslået." in texts and "Lukket punkt" in texts
        assert not any("Fortrolig" in t for t in texts)  # the closed decision: a placeholder
        assert not any(d.item_title == "Klagesag" for d in decisions)  # the person case: left out
        assert all(d.status == "open" for d in decisions)
        assert minutes_service.decisions_of_board(s, board_id=board, status="done") == []
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        later = minutes_service.decisions_of_board(
            s, board_id=board, since=meeting.starts_at.date().replace(year=2999)
        )
        assert later == []
    # A later meeting takes the item up (same title, spaces and case aside): no longer waiting.
    later_id = make_meeting(demo, days=10, kind="board")
    with demo.transaction() as s:
        s.add(AgendaItem(meeting_id=later_id, position=9, title="nye cykelstativer", kind="decision"))
    with demo.transaction() as s:
        assert minutes_service.carried_over_items(s, board_id=board) == []
        assert s.scalar(select(Decision.id).where(Decision.agenda_item_id == secret_id)) is not None


@pytest.mark.postgres
def test_status_changes_on_postgres(client: TestClient, demo: Database) -> None:
    meeting_id = approved_minutes(client, demo)
    decision_id = open_decision(client, demo, meeting_id)
    r = client.patch(
        f"/api/v1/decisions/{decision_id}", json={"status": "done"}, headers=api_token(demo, CHAIR)
    )
    assert r.status_code == 200 and r.json()["status"] == "done"
