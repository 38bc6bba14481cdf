"""The minutes endpoints of /api/v1: write, submit, approve (twice 409, strangers 404), lock, decisions."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.meetings.models import AgendaItem, Minutes, MinutesApproval
from boardkit.org.models import Board, Membership
from tests.helpers import api_token, csrf_from, login_as, person_id
from tests.meetings.meeting_env import (
    ADMIN,
    CHAIR,
    ENGPARKEN,
    MEMBER_SOEBAKKEN,
    RESIDENT,
    RESIDENT_SOEBAKKEN,
    TREASURER,
)
from tests.meetings.minutes.minutes_env import (
    held_board_meeting,
    held_department_meeting,
    items_of,
    minutes_body,
    post,
    put,
    set_rule,
)


def attendance(db: Database, present: set[str]) -> list[dict[str, object]]:
    """Every sitting Engparken member: those in ``present`` present, the rest excused."""
    ids = {person_id(db, e) for e in present}
    with db.transaction() as s:
        members = s.scalars(
            select(Membership.person_id)
            .join(Board, Board.id == Membership.board_id)
            .where(Board.name == ENGPARKEN, Membership.end_date.is_(None), Membership.role != "substitute")
        ).all()
    return [{"person_id": pid, "status": "present" if pid in ids else "excused"} for pid in members]


@pytest.mark.postgres
def test_cycle_lock_and_versions(client: TestClient, demo: Database) -> None:
    meeting_id = held_board_meeting(demo)
    chair, treasurer = api_token(demo, CHAIR), api_token(demo, TREASURER)
    body = minutes_body(demo, meeting_id, attendance=attendance(demo, {CHAIR, TREASURER}))
    assert client.get(f"/api/v1/meetings/{meeting_id}/minutes", headers=chair).status_code == 404
    r = put(client, treasurer, meeting_id, body)  # an ordinary member is not the minute taker
    assert r.status_code == 403
    r = put(client, chair, meeting_id, body)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["status"] == "draft" and data["version"] == 1
    assert data["items"][0]["decision"] == "Vedtaget som foreslået."
    assert post(client, treasurer, meeting_id, "approve").json()["error"]["code"] == "minutes_not_submitted"

    r = post(client, chair, meeting_id, "submit")
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    assert post(client, chair, meeting_id, "submit").status_code == 409
    r = post(client, treasurer, meeting_id, "approve")
    assert r.status_code == 200 and r.json()["status"] == "submitted"  # the chair was present too
    r = post(client, treasurer, meeting_id, "approve")
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_approved"
    r = post(client, chair, meeting_id, "approve")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert {a["approved_at"] is not None for a in r.json()["approvals"]} == {True}

    # The lock: an edit after approval is a new version that needs approving again.
    body["items"][0]["decision"] = "Vedtaget med den ændring, at arbejdet udføres i foråret."
    r = put(client, chair, meeting_id, body)
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["version"]) == ("submitted", 2)
    assert all(a["approved_at"] is None for a in r.json()["approvals"])
    assert post(client, treasurer, meeting_id, "approve").json()["status"] == "submitted"
    with demo.transaction() as s:
        minutes = s.scalar(select(Minutes).where(Minutes.meeting_id == meeting_id))
        assert minutes is not None
        kept = s.scalars(
            select(MinutesApproval.version).where(MinutesApproval.minutes_id == minutes.id)
        ).all()
    assert sorted(kept) == [1, 1, 2]  # who approved version 1 is kept, but counts no more

    r = client.post(
        f"/api/v1/meetings/{meeting_id}/minutes/comments",
        json={"text": "Stavefejl i punkt 3."},
        headers=chair,
    )
    assert r.status_code == 201 and r.json()["version"] == 2
    assert (
        client.post(
            f"/api/v1/meetings/{meeting_id}/minutes/comments", json={"text": " "}, headers=chair
        ).status_code
        == 422
    )


def test_strangers_get_404_and_the_unapproved_cannot_be_published(client: TestClient, demo: Database) -> None:
    meeting_id = held_board_meeting(demo)
    chair = api_token(demo, CHAIR)
    put(client, chair, meeting_id, minutes_body(demo, meeting_id))
    post(client, chair, meeting_id, "submit")
    for email in (MEMBER_SOEBAKKEN, RESIDENT):
        headers = api_token(demo, email)
        r = post(client, headers, meeting_id, "approve")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
        assert client.get(f"/api/v1/meetings/{meeting_id}/minutes", headers=headers).status_code == 404
        assert client.get(f"/api/v1/meetings/{meeting_id}/minutes.pdf", headers=headers).status_code == 404
    admin = api_token(demo, ADMIN)
    r = post(
        client, admin, meeting_id, "approve"
    )  # the administration sees the minutes, but is not on the board
    assert r.status_code == 404
    r = post(client, admin, meeting_id, "publish")
    assert r.status_code == 409 and r.json()["error"]["code"] == "minutes_not_approved"
    assert "godkendt" in r.json()["error"]["message"]
    r = post(client, api_token(demo, TREASURER), meeting_id, "publish")
    assert r.status_code == 403


def test_the_page_and_the_api_refuse_the_same_way(client: TestClient, demo: Database) -> None:
    """One service function per action: who may write, submit and publish is decided there, so a
    board member who is neither chair nor minute taker meets the same 403 on the page and in the
    API, and minutes not yet written are 404 in both."""
    meeting_id = held_board_meeting(demo)
    member = api_token(demo, TREASURER)
    url = f"/api/v1/meetings/{meeting_id}/minutes"
    assert post(client, member, meeting_id, "submit").json()["error"]["code"] == "minutes_not_found"
    assert client.get(url, headers=member).status_code == 404
    assert put(client, member, meeting_id, minutes_body(demo, meeting_id)).status_code == 403
    put(client, api_token(demo, CHAIR), meeting_id, minutes_body(demo, meeting_id))
    assert post(client, member, meeting_id, "submit").status_code == 403
    assert post(client, member, meeting_id, "publish").status_code == 403

    login_as(client, demo, TREASURER)
    token = csrf_from(client.get(f"/meetings/{meeting_id}/minutes").text)
    assert client.get(f"/meetings/{meeting_id}/minutes/edit").status_code == 403
    for action in ("edit", "submit", "publish"):
        r = client.post(f"/meetings/{meeting_id}/minutes/{action}", data={"csrf_token": token})
        assert r.status_code == 403, action
    assert client.get(f"/meetings/{meeting_id}/minutes/publish").status_code == 403
    assert client.get(url, headers=member).json()["status"] == "draft"  # nothing was sent on


@pytest.mark.postgres
def test_chair_alone_approves_when_the_rule_says_so(client: TestClient, demo: Database) -> None:
    set_rule(demo, "minutes_approval", "chair")
    meeting_id = held_board_meeting(demo)
    chair, treasurer = api_token(demo, CHAIR), api_token(demo, TREASURER)
    put(client, chair, meeting_id, minutes_body(demo, meeting_id))
    post(client, chair, meeting_id, "submit")
    assert post(client, treasurer, meeting_id, "approve").status_code == 403  # not the chair
    r = post(client, chair, meeting_id, "approve")
    assert r.json()["status"] == "approved"


def test_bad_input_is_422_never_500(client: TestClient, demo: Database) -> None:
    board_meeting = held_board_meeting(demo)
    meeting_id = held_department_meeting(demo)
    chair = api_token(demo, CHAIR)
    first = items_of(demo, meeting_id)[0][0]
    cases = [
        ({"items": [{"agenda_item_id": first, "votes": {"for": -1}}]}, "items.0.votes"),
        ({"items": [{"agenda_item_id": first, "votes": {"for": "ti"}}]}, "items.0.votes"),
        ({"items": [{"agenda_item_id": first, "votes": {"for": 3}}]}, "items.0.votes"),  # households unknown
        (
            {
                "households_represented": 10,
                "residents_present": 15,
                "items": [{"agenda_item_id": first, "votes": {"for": 15, "against": 6}}],
            },
            "items.0.votes",
        ),
        (
            {"households_represented": 500, "residents_present": 900},
            "households_represented",
        ),  # only 120 homes
        ({"households_represented": 20, "residents_present": 10}, "households_represented"),
        ({"residents_present": -3}, "residents_present"),
        ({"items": [{"agenda_item_id": 999999}]}, "items.0.agenda_item_id"),
        ({"items": "nej"}, "items"),
        ({"attendance": [{"person_id": 999999, "status": "present"}]}, "attendance.0.person_id"),
        ({"meeting_chair": 7}, "meeting_chair"),
    ]
    for body, field in cases:
        r = put(client, chair, meeting_id, body)
        assert r.status_code == 422, (body, r.text)
        assert field in r.json()["error"]["fields"], (body, r.json())
    r = put(
        client,
        chair,
        meeting_id,
        {
            "households_represented": 10,
            "residents_present": 15,
            "items": [{"agenda_item_id": first, "votes": {"for": 12, "against": 7, "blank": 1}}],
        },
    )
    assert r.status_code == 200 and r.json()["items"][0]["votes"] == {"for": 12, "against": 7, "blank": 1}
    r = put(client, chair, board_meeting, {"residents_present": 4})
    assert r.status_code == 422 and "residents_present" in r.json()["error"]["fields"]
    r = client.put(
        f"/api/v1/meetings/{meeting_id}/minutes",
        content=b"{nope",
        headers={**chair, "content-type": "application/json"},
    )
    assert r.status_code == 400
    assert client.get("/api/v1/decisions?year=abc", headers=chair).status_code == 422
    assert client.get("/api/v1/decisions?q=" + "x" * 300, headers=chair).status_code == 400
    assert client.get("/api/v1/decisions?year=99999", headers=chair).status_code == 422


@pytest.mark.postgres
def test_decision_register_by_permission(client: TestClient, demo: Database) -> None:
    meeting_id = held_department_meeting(demo)
    chair, treasurer = api_token(demo, CHAIR), api_token(demo, TREASURER)
    body = minutes_body(demo, meeting_id, attendance=attendance(demo, {CHAIR, TREASURER}))
    put(client, chair, meeting_id, body)
    post(client, chair, meeting_id, "submit")
    post(client, chair, meeting_id, "approve")
    post(client, treasurer, meeting_id, "approve")
    resident, other = api_token(demo, RESIDENT), api_token(demo, MEMBER_SOEBAKKEN)

    def texts(headers: dict[str, str], query: str = "") -> list[str]:
        r = client.get(f"/api/v1/decisions{query}", headers=headers)
        assert r.status_code == 200
        return [d["text"] for d in r.json()["items"]]

    assert sorted(texts(chair)) == ["Fortroligt forlig indgået.", "Vedtaget som foreslået."]
    assert texts(resident) == []  # approved, not yet published
    assert texts(other) == []
    assert texts(chair, "?q=forlig") == ["Fortroligt forlig indgået."]
    year = client.get(f"/api/v1/meetings/{meeting_id}", headers=chair).json()["starts_at"][:4]
    assert len(texts(chair, f"?year={year}")) == 2 and texts(chair, f"?year={int(year) - 3}") == []
    assert texts(chair, "?department_id=999999") == []


def test_a_resident_gets_the_pdf_of_published_board_minutes(client: TestClient, demo: Database) -> None:
    """Issue 12, point 10: the department's resident asks for the PDF of its board's published minutes."""
    meeting_id = held_board_meeting(demo)
    with demo.transaction() as s:
        s.execute(
            update(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id, AgendaItem.position == 4)
            .values(closed=True)
        )
    chair = api_token(demo, CHAIR)
    body = minutes_body(demo, meeting_id, attendance=attendance(demo, {CHAIR, TREASURER}))
    assert put(client, chair, meeting_id, body).status_code == 200
    post(client, chair, meeting_id, "submit")
    post(client, chair, meeting_id, "approve")
    post(client, api_token(demo, TREASURER), meeting_id, "approve")
    assert post(client, chair, meeting_id, "publish").status_code == 200
    resident = api_token(demo, RESIDENT)
    r = client.get(f"/api/v1/meetings/{meeting_id}/minutes.pdf", headers=resident)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "Vedtaget som foreslået." in text and "4. Lukket punkt" in text
    assert "Fortroligt forlig" not in text and "Økonomi" not in text
    other = api_token(demo, RESIDENT_SOEBAKKEN)
    assert client.get(f"/api/v1/meetings/{meeting_id}/minutes.pdf", headers=other).status_code == 404
