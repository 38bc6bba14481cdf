"""Mass sends are confirmed: "Send indkaldelse" and "Udgiv referatet" first show who gets what (e-mails,
SMS, letters, with the counts and names), send nothing until confirmed once, and then send exactly
what was shown; a list that changed in between is shown again instead of being sent unseen."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.core.models import OutboxEmail
from boardkit.core.notify.models import NoticeDelivery
from boardkit.meetings.models import Invitation, Letter, Minutes
from boardkit.org.models import Person, Residency, Tenancy
from tests.helpers import api_token, csrf_from, login_as
from tests.meetings.meeting_env import CHAIR, MEMBER_SOEBAKKEN, RESIDENT, TREASURER, department_meeting
from tests.meetings.minutes.minutes_env import held_department_meeting, minutes_body, post, put
from tests.meetings.minutes.test_minutes import approve_all


def counts(html: str) -> dict[str, int]:
    """The confirmation page's "who gets what": count per way (email, letter, sms, …)."""
    found = re.findall(r'data-plan="(\w+)">\s*<p class="bk-plan-count"><strong>(\d+)</strong>', html)
    return {key: int(n) for key, n in found}


def fingerprint(html: str) -> str:
    found = re.search(r'name="confirmed" value="([^"]+)"', html)
    assert found, "no confirm button"
    return found.group(1)


def outbox(db: Database) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(OutboxEmail)) or 0


def test_send_invitations_shows_who_gets_what_and_asks_once(client: TestClient, demo: Database) -> None:
    meeting_id = department_meeting(demo)
    for email, status in ((RESIDENT, 403), (TREASURER, 403), (MEMBER_SOEBAKKEN, 404)):
        login_as(client, demo, email)
        assert client.get(f"/meetings/{meeting_id}/invitations").status_code == status, email
    login_as(client, demo, CHAIR)
    meeting_page = client.get(f"/meetings/{meeting_id}").text
    assert f'href="/meetings/{meeting_id}/invitations"' in meeting_page  # a link to the question …
    assert f'action="/meetings/{meeting_id}/invitations"' not in meeting_page  # … not a button that sends

    before = outbox(demo)
    page = client.get(f"/meetings/{meeting_id}/invitations")
    assert page.status_code == 200 and "Hvem får hvad" in page.text
    shown = counts(page.text)
    assert shown["email"] > 100 and shown["letter"] > 10
    assert f"Send indkaldelse til {shown['email'] + shown['letter']}" in page.text
    assert "Mads Højgaard Frølund" in page.text  # beboer@ is among the e-mails, by name
    r = client.post(f"/meetings/{meeting_id}/invitations", data={"csrf_token": csrf_from(page.text)})
    assert r.status_code == 200 and "Hvem får hvad" in r.text  # no confirmation: the question again
    assert outbox(demo) == before

    # Same counts, another list (a resident's name corrected): asked again, nothing sent.
    with demo.transaction() as s:
        s.execute(update(Person).where(Person.email == RESIDENT).values(name="Mads H. Frølund"))
    r = client.post(
        f"/meetings/{meeting_id}/invitations",
        data={"csrf_token": csrf_from(page.text), "confirmed": fingerprint(page.text)},
    )
    assert r.status_code == 409 and counts(r.text) == shown and "Mads H. Frølund" in r.text
    assert outbox(demo) == before
    page = r

    # A new resident moves in between the question and the answer: nothing is sent unseen.
    with demo.transaction() as s:
        tenancy = s.scalars(select(Tenancy).where(Tenancy.number == "101-0002")).one()
        newcomer = Person(name="Åse Nyborg", email="aase.nyborg@example.dk")
        s.add(newcomer)
        s.flush()
        s.add(Residency(person_id=newcomer.id, tenancy_id=tenancy.id, role="household_member"))
    r = client.post(
        f"/meetings/{meeting_id}/invitations",
        data={"csrf_token": csrf_from(page.text), "confirmed": fingerprint(page.text)},
    )
    assert r.status_code == 409 and "Modtagerne har ændret sig" in r.text
    assert outbox(demo) == before
    again = counts(r.text)
    assert again["email"] == shown["email"] + 1 and "Åse Nyborg" in r.text

    r = client.post(
        f"/meetings/{meeting_id}/invitations",
        data={"csrf_token": csrf_from(r.text), "confirmed": fingerprint(r.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/meetings/{meeting_id}"
    with demo.transaction() as s:
        emails = s.scalar(
            select(func.count()).where(Invitation.meeting_id == meeting_id, Invitation.channel == "email")
        )
        letters = s.scalar(select(func.count()).select_from(Letter).where(Letter.meeting_id == meeting_id))
    assert (emails, letters) == (again["email"], again["letter"])  # exactly what was shown
    assert outbox(demo) == before + again["email"]

    page = client.get(f"/meetings/{meeting_id}/invitations")
    assert counts(page.text)["email"] == 0 and "Der er ikke nogen at sende til lige nu." in page.text
    assert 'name="confirmed"' not in page.text


@pytest.fixture
def sms_client(app_settings: Settings, demo: Database) -> Iterator[TestClient]:
    """The app with an SMS gateway configured (nothing is delivered: the worker does not run)."""
    from boardkit.app import create_app

    settings = app_settings.with_(sms_url="http://127.0.0.1:9/sms", sms_key="test")
    with TestClient(create_app(settings, db=demo, start_worker=False), base_url="http://testserver") as c:
        yield c


def test_publishing_minutes_shows_emails_sms_and_letters_and_asks_once(
    sms_client: TestClient, demo: Database
) -> None:
    client = sms_client
    meeting_id = held_department_meeting(demo)
    chair = api_token(demo, CHAIR)
    assert put(client, chair, meeting_id, minutes_body(demo, meeting_id)).status_code == 200
    post(client, chair, meeting_id, "submit")
    approve_all(client, demo, meeting_id)

    login_as(client, demo, CHAIR)
    minutes_page = client.get(f"/meetings/{meeting_id}/minutes").text
    assert f'href="/meetings/{meeting_id}/minutes/publish"' in minutes_page
    page = client.get(f"/meetings/{meeting_id}/minutes/publish")
    assert page.status_code == 200
    shown = counts(page.text)
    assert shown["email"] > 100 and shown["sms"] > 5 and shown["letter"] > 5
    r = client.post(f"/meetings/{meeting_id}/minutes/publish", data={"csrf_token": csrf_from(page.text)})
    assert r.status_code == 200 and "Hvem får hvad" in r.text
    with demo.transaction() as s:
        assert s.scalar(select(Minutes.status).where(Minutes.meeting_id == meeting_id)) == "approved"
        assert s.scalar(select(func.count()).select_from(NoticeDelivery)) == 0

    r = client.post(
        f"/meetings/{meeting_id}/minutes/publish",
        data={"csrf_token": csrf_from(page.text), "confirmed": fingerprint(page.text)},
    )
    assert r.status_code == 200 and "Referatet er udgivet." in r.text
    with demo.transaction() as s:
        assert s.scalar(select(Minutes.status).where(Minutes.meeting_id == meeting_id)) == "published"
        rows = s.execute(select(NoticeDelivery.channel, NoticeDelivery.status)).all()
    sent = {
        "email": sum(1 for channel, status in rows if channel == "email" and status != "digest"),
        "sms": sum(1 for channel, _status in rows if channel == "sms"),
    }
    with demo.transaction() as s:
        sent["letter"] = (
            s.scalar(select(func.count()).select_from(Letter).where(Letter.kind == "notice")) or 0
        )
    assert sent["email"] == shown["email"] and sent["sms"] == shown["sms"]
    assert sent["letter"] == shown["letter"]

    # Published: the confirmation is not offered again.
    r = client.get(f"/meetings/{meeting_id}/minutes/publish")
    assert "Referatet er allerede udgivet." in r.text and 'name="confirmed"' not in r.text
