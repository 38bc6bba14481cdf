"""Minutes on the web: write, submit, approve, the lock and its diff, publishing, read counts, PDF."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.core.models import AuditEntry
from boardkit.core.notify import Notice, NoticeDelivery
from boardkit.meetings.models import Decision, Meeting
from boardkit.org.models import Person, Tenancy
from tests.helpers import api_token, csrf_from, login_as
from tests.meetings.meeting_env import ADMIN, CHAIR, MEMBER_SOEBAKKEN, RESIDENT, RESIDENT_SOEBAKKEN, TREASURER
from tests.meetings.minutes.minutes_env import (
    held_board_meeting,
    held_department_meeting,
    items_of,
    minutes_body,
    post,
    put,
)
from tests.meetings.packs.pack_service_env import qpdf_check, text_of


def form_of(client: TestClient, meeting_id: int) -> dict[str, str]:
    """The minutes form as the page fills it in (names → values), with its CSRF token."""
    html = client.get(f"/meetings/{meeting_id}/minutes/edit").text
    data = {"csrf_token": csrf_from(html)}
    for name, value in re.findall(r'<input type="text"[^>]* name="([^"]+)" value="([^"]*)"', html):
        data[name] = value
    for name, value in re.findall(r'<textarea id="[^"]+" name="([^"]+)"[^>]*>([^<]*)</textarea>', html):
        data[name] = value
    for name in re.findall(r'<select class="form-select" id="[^"]+" name="([^"]+)"', html):
        selected = re.search(rf'name="{re.escape(name)}".*?<option value="([^"]*)" selected', html, re.S)
        data[name] = selected.group(1) if selected else ""
    return data


def approve_on_page(client: TestClient, meeting_id: int) -> str:
    page = client.get(f"/meetings/{meeting_id}/minutes")
    assert "Godkend referatet" in page.text
    client.post(f"/meetings/{meeting_id}/minutes/approve", data={"csrf_token": csrf_from(page.text)})
    return client.get(f"/meetings/{meeting_id}/minutes").text


def test_write_submit_approve_and_the_lock_shows_a_diff(client: TestClient, demo: Database) -> None:
    meeting_id = held_board_meeting(demo)
    first = items_of(demo, meeting_id)[0][0]
    login_as(client, demo, CHAIR)
    page = client.get(f"/meetings/{meeting_id}/minutes")
    assert page.status_code == 200 and "Skriv referat" in page.text
    data = form_of(client, meeting_id)
    data.update(
        {
            f"notes-{first}": "Dagsordenen blev gennemgået.",
            f"decision-{first}": "Dagsordenen blev godkendt uden ændringer.",
        }
    )
    data.update({f"votes_for-{first}": "4", f"votes_against-{first}": "x"})
    r = client.post(f"/meetings/{meeting_id}/minutes/edit", data=data)
    assert r.status_code == 422 and "Skriv et helt tal" in r.text  # nothing saved, the text kept
    assert "Dagsordenen blev godkendt uden ændringer." in r.text
    data[f"votes_against-{first}"] = "1"
    r = client.post(f"/meetings/{meeting_id}/minutes/edit", data=data, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/meetings/{meeting_id}/minutes").text
    assert "Kladde" in page and "For: 4 · Imod: 1 · Blanke: 0" in page
    client.post(f"/meetings/{meeting_id}/minutes/submit", data={"csrf_token": csrf_from(page)})
    page = approve_on_page(client, meeting_id)
    assert "Din godkendelse er registreret" in page or "Til godkendelse" in page
    assert "Søren Ødegård godkendte" in page

    login_as(client, demo, TREASURER)
    page = approve_on_page(client, meeting_id)
    approve_all_left = [
        m for m in re.findall(r'<span class="badge badge-warning">Mangler</span> ([^<]+)</li>', page)
    ]
    assert "Ayşe Şahin godkendte" in page
    assert ("Godkendt" in page) == (not approve_all_left)
    # The chair edits after approval (or during it): a new version, approvals reset, the diff on the page.
    login_as(client, demo, CHAIR)
    data = form_of(client, meeting_id)
    data[f"decision-{first}"] = "Dagsordenen blev godkendt med et nyt punkt om legepladsen."
    client.post(f"/meetings/{meeting_id}/minutes/edit", data=data)
    page = client.get(f"/meetings/{meeting_id}/minutes").text
    assert "version 2" in page and "Ændringer fra version 1 til 2" in page
    assert '<del class="bk-del">uden</del><ins class="bk-ins">med</ins>' in page
    assert '<ins class="bk-ins">et nyt punkt om legepladsen.</ins>' in page
    assert "Søren Ødegård godkendte" not in page  # approvals reset
    with demo.transaction() as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "minutes")).all()
    assert {"minutes.create", "minutes.update", "minutes.submit", "minutes.approve"} <= set(actions)


def test_next_meetings_item_links_to_the_minutes(client: TestClient, demo: Database) -> None:
    held = held_board_meeting(demo)
    login_as(client, demo, CHAIR)
    home = client.get("/").text
    upcoming = [int(m) for m in re.findall(r'href="/meetings/(\d+)"', home)]
    pages = [client.get(f"/meetings/{m}").text for m in upcoming]
    assert any(f'href="/meetings/{held}/minutes"' in p for p in pages)


def approve_all(client: TestClient, demo: Database, meeting_id: int) -> None:
    """Every member whose approval counts approves (the API lists them)."""
    chair = api_token(demo, CHAIR)
    for a in client.get(f"/api/v1/meetings/{meeting_id}/minutes", headers=chair).json()["approvals"]:
        with demo.transaction() as s:
            email = s.scalar(select(Person.email).where(Person.id == a["person_id"]))
        assert post(client, api_token(demo, str(email)), meeting_id, "approve").status_code == 200


def publish_department_minutes(client: TestClient, demo: Database) -> int:
    meeting_id = held_department_meeting(demo)
    chair, treasurer = api_token(demo, CHAIR), api_token(demo, TREASURER)
    body = minutes_body(demo, meeting_id, households_represented=31, residents_present=40)
    assert put(client, chair, meeting_id, body).status_code == 200
    post(client, chair, meeting_id, "submit")
    approve_all(client, demo, meeting_id)
    assert client.get(f"/api/v1/meetings/{meeting_id}/minutes", headers=chair).json()["status"] == "approved"
    assert post(client, treasurer, meeting_id, "publish").status_code == 403
    r = post(client, chair, meeting_id, "publish")
    assert r.status_code == 200 and r.json()["status"] == "published", r.text
    return meeting_id


@pytest.mark.postgres
def test_publishing_notifies_every_household_and_counts_who_read(client: TestClient, demo: Database) -> None:
    meeting_id = publish_department_minutes(client, demo)
    chair = api_token(demo, CHAIR)
    with demo.transaction() as s:
        notice = s.scalar(select(Notice))
        assert notice is not None and notice.statutory and notice.object_type == "minutes"
        department = s.scalar(select(Meeting.department_id).where(Meeting.id == meeting_id))
        households = s.scalar(
            select(func.count()).select_from(Tenancy).where(Tenancy.department_id == department)
        )
        deliveries = s.scalars(select(NoticeDelivery).where(NoticeDelivery.notice_id == notice.id)).all()
        assert s.scalar(select(func.count()).select_from(Decision)) == 2
    assert households == 120
    assert len({d.tenancy_id for d in deliveries}) == 120  # every household, one way or another
    read = client.get(f"/api/v1/meetings/{meeting_id}/minutes", headers=chair).json()["read"]
    assert read["households_total"] == 120 and read["households_read"] == 0
    assert post(client, chair, meeting_id, "publish").status_code == 409
    assert (
        put(client, chair, meeting_id, minutes_body(demo, meeting_id)).json()["error"]["code"]
        == "minutes_published"
    )

    # A resident opens the minutes: the closed item is "Lukket punkt" with nothing of its content.
    login_as(client, demo, RESIDENT)
    page = client.get(f"/meetings/{meeting_id}/minutes")
    assert page.status_code == 200
    assert (
        "Lukket punkt" in page.text and "Klagesag" not in page.text and "Fortroligt forlig" not in page.text
    )
    assert "Vedtaget som foreslået." in page.text and "Læst af" not in page.text
    pdf = client.get(f"/meetings/{meeting_id}/minutes.pdf").content
    assert "Lukket punkt" in text_of(pdf) and "Fortroligt" not in text_of(pdf)
    register = client.get("/decisions").text
    assert "Vedtaget som foreslået." in register and "Fortroligt forlig" not in register
    read = client.get(f"/api/v1/meetings/{meeting_id}/minutes", headers=chair).json()["read"]
    assert read["households_read"] == 1
    login_as(client, demo, ADMIN)
    assert "Læst af 1 af 120 husstande" in client.get(f"/meetings/{meeting_id}/minutes").text
    # Somebody else's department sees nothing of it.
    for email in (RESIDENT_SOEBAKKEN, MEMBER_SOEBAKKEN):
        login_as(client, demo, email)
        assert client.get(f"/meetings/{meeting_id}/minutes").status_code == 404
        assert "Vedtaget som foreslået." not in client.get("/decisions").text


def test_residents_see_nothing_before_publishing(client: TestClient, demo: Database) -> None:
    meeting_id = held_department_meeting(demo)
    put(client, api_token(demo, CHAIR), meeting_id, minutes_body(demo, meeting_id))
    login_as(client, demo, RESIDENT)
    assert client.get(f"/meetings/{meeting_id}/minutes").status_code == 404
    assert client.get(f"/meetings/{meeting_id}/minutes/edit").status_code == 404
    login_as(client, demo, TREASURER)
    assert client.get(f"/meetings/{meeting_id}/minutes").status_code == 200
    assert client.get(f"/meetings/{meeting_id}/minutes/edit").status_code == 403


def test_minutes_pdf(client: TestClient, demo: Database) -> None:
    meeting_id = held_department_meeting(demo)
    chair = api_token(demo, CHAIR)
    body = minutes_body(demo, meeting_id, households_represented=31, residents_present=40)
    body["items"][0]["votes"] = {"for": 50, "against": 9, "blank": 3}
    body["items"][2]["notes"] = "Beretningen blev godkendt. " * 120  # flows over pages
    put(client, chair, meeting_id, body)
    r = client.get(f"/api/v1/meetings/{meeting_id}/minutes.pdf", headers=chair)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    qpdf_check(r.content)
    reader = PdfReader(io.BytesIO(r.content))
    assert len(reader.pages) >= 2
    assert reader.metadata is not None and "Referat" in str(reader.metadata.title)
    text = text_of(r.content)
    for expected in (
        "Referat: Ordinært afdelingsmøde",
        "Fremmødte beboere",
        "40",
        "Repræsenterede husstande",
        "Vedtaget som foreslået.",
        "For: 50 · Imod: 9 · Blanke: 3",
        "Klagesag",
        "Fortroligt forlig indgået.",
        "Side 1 af",
    ):
        assert expected in text, expected
