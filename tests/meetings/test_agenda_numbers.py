"""The agenda's order and numbers (issue 12, point 14): new items go before "Eventuelt", which stays
last, and every notice keeps the meeting's item numbers — a closed item is "Lukket punkt", not
renumbered away; a person or complaint case is left out of notices altogether."""

from __future__ import annotations

import io
from collections.abc import Iterator
from email.message import Message

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.app import build_runner
from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.meetings.invitations import letters
from boardkit.meetings.models import AgendaItem, Letter
from tests.helpers import api_token, csrf_from, login_as
from tests.meetings import ics_check
from tests.meetings.meeting_env import CHAIR, make_meeting
from tests.meetings.resident_env import CASE_TITLE, CLOSED_TITLE, add_closed_items
from tests.smtp import SMTPServer


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


def titles(db: Database, meeting_id: int) -> list[str]:
    with db.transaction() as s:
        return list(
            s.scalars(
                select(AgendaItem.title)
                .where(AgendaItem.meeting_id == meeting_id)
                .order_by(AgendaItem.position)
            )
        )


@pytest.mark.postgres
def test_new_and_moved_items_go_before_eventuelt(client: TestClient, demo: Database) -> None:
    meeting_id = make_meeting(demo, days=20)
    chair = api_token(demo, CHAIR)
    url = f"/api/v1/meetings/{meeting_id}/agenda-items"
    template = titles(demo, meeting_id)
    assert template[-1] == "Eventuelt"
    added = client.post(url, json={"title": "Legepladsen"}, headers=chair).json()
    assert added["position"] == len(template)  # where "Eventuelt" was
    late = client.post(url, json={"title": "Vaskeriet", "position": 99}, headers=chair).json()
    first = client.post(url, json={"title": "Velkomst", "position": 1}, headers=chair).json()
    assert titles(demo, meeting_id) == ["Velkomst", *template[:-1], "Legepladsen", "Vaskeriet", "Eventuelt"]
    assert (late["position"], first["position"]) == (len(template) + 1, 1)
    # Moving an item past "Eventuelt", or "Eventuelt" itself up, keeps "Eventuelt" last.
    r = client.patch(f"/api/v1/agenda-items/{added['id']}", json={"position": 50}, headers=chair)
    assert r.status_code == 200 and r.json()["position"] == len(template) + 2
    with demo.transaction() as s:
        aob = s.scalar(
            select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id, AgendaItem.title == "Eventuelt")
        )
    assert client.patch(f"/api/v1/agenda-items/{aob}", json={"position": 2}, headers=chair).status_code == 200
    login_as(client, demo, CHAIR)
    agenda = client.get(f"/meetings/{meeting_id}/agenda")
    client.post(f"/agenda-items/{aob}/move", data={"csrf_token": csrf_from(agenda.text), "direction": "up"})
    order = titles(demo, meeting_id)
    assert order[-1] == "Eventuelt" and order[-2] == "Legepladsen"
    # A proposal's item, a renamed item: the same rule. Positions stay 1, 2, 3 … without gaps.
    with demo.transaction() as s:
        positions = s.scalars(
            select(AgendaItem.position)
            .where(AgendaItem.meeting_id == meeting_id)
            .order_by(AgendaItem.position)
        ).all()
    assert positions == list(range(1, len(order) + 1))


def test_the_invitation_keeps_the_meetings_item_numbers(
    client: TestClient, demo: Database, settings: Settings, smtp: SMTPServer
) -> None:
    meeting_id = make_meeting(demo, days=10, title="Bestyrelsesmøde i december")
    add_closed_items(client, demo, meeting_id)  # 5: closed, 6: person case, 7: Eventuelt
    r = client.post(f"/api/v1/meetings/{meeting_id}/invitations", headers=api_token(demo, CHAIR))
    assert r.status_code == 200 and r.json()["queued"] > 2
    build_runner(demo, settings.with_(smtp_url=smtp.url)).run_until_idle()
    inbox = smtp.inbox.messages
    assert len(inbox) == r.json()["queued"]
    for msg in inbox:
        text, html = parts(msg)
        if msg["Content-Language"] != "da":
            continue
        assert "4. Økonomi\n5. Lukket punkt\n7. Eventuelt" in text, text
        assert '<li value="5">Lukket punkt</li>' in html and '<li value="7">Eventuelt</li>' in html
        for secret in (CLOSED_TITLE, CASE_TITLE):
            assert secret not in text and secret not in html and secret not in str(msg)
        event = ics_check.one(invite(msg), method="REQUEST")
        assert "5. Lukket punkt" in event.description and "7. Eventuelt" in event.description


def test_the_paper_invitation_keeps_the_numbers_too(
    client: TestClient, demo: Database, settings: Settings
) -> None:
    meeting_id = make_meeting(demo, days=40, kind="ordinary_department", title="Ordinært afdelingsmøde 2027")
    chair = api_token(demo, CHAIR)
    url = f"/api/v1/meetings/{meeting_id}/agenda-items"
    client.post(url, json={"title": CLOSED_TITLE, "closed": True, "position": 4}, headers=chair)
    client.post(url, json={"title": CASE_TITLE, "person_case": True, "position": 5}, headers=chair)
    assert client.post(f"/api/v1/meetings/{meeting_id}/invitations", headers=chair).json()["paper"] > 0
    with demo.transaction() as s:
        letter = s.scalars(select(Letter).where(Letter.meeting_id == meeting_id).order_by(Letter.id)).first()
        assert letter is not None
        agenda = letter.content["agenda"]
        rendered = letters.render_batch([letter])
    assert [a["number"] for a in agenda] == [1, 2, 3, 4, 6, 7, 8, 9, 10, 11]
    assert agenda[3] == {"number": 4, "title": "Lukket punkt", "closed": True}
    text = " ".join(PdfReader(io.BytesIO(rendered.pdf)).pages[0].extract_text().split())
    assert "3. Bestyrelsens beretning 4. Lukket punkt 6. Indkomne forslag" in text
    assert CLOSED_TITLE not in text and CASE_TITLE not in text


def parts(msg: Message) -> tuple[str, str]:
    found = {}
    for part in msg.walk():
        if part.get_content_type() in ("text/plain", "text/html") and part.get_filename() is None:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found[part.get_content_type()] = payload.decode(part.get_content_charset() or "utf-8")
    return found["text/plain"].replace("\r\n", "\n"), found["text/html"]


def invite(msg: Message) -> str:
    attached = [
        p for p in msg.walk() if p.get_content_type() == "text/calendar" and p.get_filename() == "invite.ics"
    ]
    payload = attached[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("utf-8").replace("\r\n", "\n").replace("\n", "\r\n")
