"""RSVP: a signed link that works without login (GET shows, only POST answers), the meeting page, the API."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.config import Settings
from boardkit.core.db import Database, utcnow
from boardkit.meetings import rsvp
from boardkit.meetings.invitations import service as invitations
from boardkit.meetings.models import Meeting, Rsvp
from tests.helpers import api_token, csrf_from, login_as, mail_text, person_id
from tests.meetings.meeting_env import (
    CHAIR,
    ENGPARKEN,
    MEMBER_SOEBAKKEN,
    RESIDENT,
    email_of_role,
    make_meeting,
)


def invite_all(db: Database, settings: Settings, meeting_id: int) -> None:
    with db.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        invitations.send_invitations(s, meeting=meeting, settings=settings)


def link_in_mail(db: Database, email: str) -> str:
    """The "Ja, jeg kommer" link from the invitation e-mail, as a path."""
    body = mail_text(db, email)
    found = re.search(r"http://testserver(/rsvp/[^\s?]+)\?response=accepted", body)
    assert found, body
    return found.group(1)


def answers(db: Database, meeting_id: int) -> dict[int, str]:
    with db.transaction() as s:
        rows = s.execute(select(Rsvp.person_id, Rsvp.response).where(Rsvp.meeting_id == meeting_id))
        return {pid: response for pid, response in rows}


def test_the_signed_link_answers_without_login_and_get_changes_nothing(
    client: TestClient, demo: Database, settings: Settings
) -> None:
    meeting_id = make_meeting(demo, days=40, kind="ordinary_department")
    invite_all(demo, settings, meeting_id)
    path = link_in_mail(demo, RESIDENT)
    resident = person_id(demo, RESIDENT)

    page = client.get(path + "?response=declined")  # what a mail scanner does
    assert page.status_code == 200
    assert "Mads Højgaard Frølund" in page.text and "Ordinært afdelingsmøde" in page.text
    assert page.text.count('name="response"') == 4  # the answer to confirm, and the three to change it
    assert 'type="hidden" name="response" value="declined"' in page.text and "data-autosubmit" in page.text
    assert answers(demo, meeting_id) == {}

    r = client.post(path, data={"csrf_token": csrf_from(page.text), "response": "accepted"})
    assert r.status_code == 200 and "Tak for dit svar" in r.text
    assert answers(demo, meeting_id) == {resident: "accepted"}
    r = client.post(path, data={"csrf_token": csrf_from(page.text), "response": "tentative"})
    assert answers(demo, meeting_id) == {resident: "tentative"}
    r = client.post(path, data={"csrf_token": csrf_from(page.text), "response": "ja tak"})
    assert r.status_code == 422 and answers(demo, meeting_id) == {resident: "tentative"}
    r = client.post(path, data={"csrf_token": "forged", "response": "declined"})
    assert r.status_code == 403 and answers(demo, meeting_id) == {resident: "tentative"}

    summary = client.get(f"/api/v1/meetings/{meeting_id}/rsvps", headers=api_token(demo, CHAIR)).json()
    assert summary["counts"]["tentative"] == 1 and summary["counts"]["accepted"] == 0
    assert summary["counts"]["no_answer"] == summary["invited"] - 1
    assert summary["items"] == [
        {
            "person_id": resident,
            "name": "Mads Højgaard Frølund",
            "response": "tentative",
            "responded_at": summary["items"][0]["responded_at"],
        }
    ]


def test_tampered_expired_and_cancelled_links_get_410(
    client: TestClient, demo: Database, settings: Settings
) -> None:
    meeting_id = make_meeting(demo, days=40, kind="ordinary_department")
    invite_all(demo, settings, meeting_id)
    path = link_in_mail(demo, RESIDENT)
    token = path.rsplit("/", 1)[1]
    mid, pid, expires, signature = token.split(".")
    tampered = [
        f"{mid}.{pid}.{expires}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        f"{mid}.{int(pid) + 1}.{expires}.{signature}",  # someone else's answer
        f"{mid}.{pid}.{int(expires) + 86400}.{signature}",  # a longer life
        "nonsense",
        "1.2.3",
        "9" * 200,
    ]
    for bad in tampered:
        r = client.get(f"/rsvp/{bad}")
        assert r.status_code == 410 and "Linket virker ikke" in r.text, bad
        page = client.get(path)
        r = client.post(f"/rsvp/{bad}", data={"csrf_token": csrf_from(page.text), "response": "accepted"})
        assert r.status_code == 410, bad
    assert answers(demo, meeting_id) == {}

    check = rsvp.read_token(secret_key=settings.secret_key, token=token, now=utcnow() + timedelta(days=60))
    assert check.expired and not check.valid
    assert not rsvp.read_token(secret_key="another-key", token=token).meeting_id

    with demo.transaction() as s:  # the meeting has been held
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        meeting.starts_at, meeting.ends_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)
    r = client.get(path)
    assert r.status_code == 410 and "Mødet er slut" in r.text

    other = make_meeting(demo, days=41, kind="ordinary_department")
    invite_all(demo, settings, other)
    path = link_in_mail(demo, RESIDENT)
    client.post(f"/api/v1/meetings/{other}/cancel", headers=api_token(demo, CHAIR), json={"reason": "Aflyst"})
    r = client.get(path)
    assert r.status_code == 410 and "Mødet er aflyst" in r.text


def test_invitees_answer_on_the_meeting_page_and_the_board_sees_who_comes(
    client: TestClient, demo: Database
) -> None:
    meeting_id = make_meeting(demo, days=40, kind="ordinary_department", announced=True)
    login_as(client, demo, RESIDENT)
    page = client.get(f"/meetings/{meeting_id}")
    assert "Du har ikke svaret endnu" in page.text
    r = client.post(
        f"/meetings/{meeting_id}/rsvp", data={"csrf_token": csrf_from(page.text), "response": "accepted"}
    )
    assert r.status_code == 200 and "Tak for dit svar" in r.text and "Dit svar: Ja, jeg kommer." in r.text
    assert "Ikke svaret:" not in r.text  # residents do not see the others' answers
    r = client.post(
        f"/meetings/{meeting_id}/rsvp", data={"csrf_token": csrf_from(page.text), "response": "x"}
    )
    assert r.status_code == 200 and "Svar ja, nej eller måske." in r.text

    login_as(client, demo, CHAIR)
    page = client.get(f"/meetings/{meeting_id}")
    assert "Kommer:</strong> 1" in page.text and "Mads Højgaard Frølund" in page.text

    board_meeting = make_meeting(demo, days=14)
    substitute = email_of_role(demo, ENGPARKEN, "substitute")
    login_as(client, demo, substitute)  # sees the board's meeting, is not invited to it
    page = client.get(f"/meetings/{board_meeting}")
    assert page.status_code == 200 and "Du har ikke svaret endnu" not in page.text
    r = client.post(
        f"/meetings/{board_meeting}/rsvp", data={"csrf_token": csrf_from(page.text), "response": "accepted"}
    )
    assert r.status_code == 403
    login_as(client, demo, RESIDENT)
    token = csrf_from(client.get("/profile").text)  # a form token belongs to its session
    r = client.post(f"/meetings/{board_meeting}/rsvp", data={"csrf_token": token, "response": "accepted"})
    assert r.status_code == 404


def test_rsvp_api(client: TestClient, demo: Database) -> None:
    meeting_id = make_meeting(demo, days=40, kind="ordinary_department", announced=True)
    url = f"/api/v1/meetings/{meeting_id}/rsvp"
    resident = api_token(demo, RESIDENT)
    r = client.post(url, headers=resident, json={"response": "declined"})
    assert r.status_code == 200
    assert r.json()["response"] == "declined" and r.json()["person_id"] == person_id(demo, RESIDENT)
    r = client.post(url, headers=resident, json={"response": "maybe"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_failed"
    r = client.post(url, headers=resident, json={"response": 1})
    assert r.status_code == 422
    r = client.post(url, headers={**resident, "content-type": "application/json"}, content=b"{")
    assert r.status_code == 400
    assert (
        client.post(url, headers=api_token(demo, MEMBER_SOEBAKKEN), json={"response": "accepted"}).status_code
        == 404
    )
    r = client.get(f"/api/v1/meetings/{meeting_id}/rsvps", headers=resident)
    assert r.status_code == 403
    r = client.get(f"/api/v1/meetings/{meeting_id}/rsvps", headers=api_token(demo, CHAIR))
    assert r.json()["counts"]["declined"] == 1

    board_meeting = make_meeting(demo, days=14)
    substitute = api_token(demo, email_of_role(demo, ENGPARKEN, "substitute"))
    r = client.post(
        f"/api/v1/meetings/{board_meeting}/rsvp", headers=substitute, json={"response": "accepted"}
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_invited"
    assert client.get(f"/api/v1/meetings/{board_meeting}/rsvps", headers=substitute).status_code == 200

    client.post(
        f"/api/v1/meetings/{meeting_id}/cancel", headers=api_token(demo, CHAIR), json={"reason": "Nej"}
    )
    r = client.post(url, headers=resident, json={"response": "accepted"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "meeting_cancelled"
