"""The pack endpoints of /api/v1: my copy of the pack, its versions, my private notes."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.meetings.models import AgendaItem
from tests.helpers import api_token
from tests.meetings.meeting_env import (
    CHAIR,
    ENGPARKEN,
    MEMBER_SOEBAKKEN,
    RESIDENT,
    TREASURER,
    closed_item,
    department_meeting,
    email_of_role,
    pdf_bytes,
)
from tests.meetings.packs.pack_env import add_file, build_now, publish


def playground(demo: Database, meeting_id: int) -> int:
    with demo.transaction() as s:
        found = s.scalar(
            select(AgendaItem.id).where(
                AgendaItem.meeting_id == meeting_id, AgendaItem.title == "Legepladsen ved Engvænget"
            )
        )
    assert found is not None
    return found


def test_pack_and_versions(client: TestClient, demo: Database, app_settings: Settings) -> None:
    meeting_id, _closed = closed_item(demo)
    item_id = playground(demo, meeting_id)
    treasurer = api_token(demo, TREASURER)
    chair = api_token(demo, CHAIR)
    url = f"/api/v1/meetings/{meeting_id}/pack.pdf"
    assert client.get(url).status_code == 401
    r = client.get(url, headers=treasurer)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"  # not published
    r = client.get(url, headers=chair)
    assert r.status_code == 409 and r.json()["error"]["code"] == "pack_not_ready"
    versions = client.get(f"/api/v1/meetings/{meeting_id}/pack/versions", headers=treasurer).json()
    assert versions == {"published_at": None, "items": [], "next": None}

    add_file(demo, app_settings, item_id, "Tilbud.pdf", pdf_bytes(2))
    publish(demo, meeting_id)
    r = client.get(url, headers=treasurer)
    assert r.status_code == 409 and r.json()["error"]["code"] == "pack_not_ready"
    build_now(demo, app_settings, meeting_id)
    r = client.get(url, headers=treasurer)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.headers["x-pack-version"] == "1"
    assert len(PdfReader(io.BytesIO(r.content)).pages) >= 4

    add_file(demo, app_settings, item_id, "Tilbud nr. 2.pdf", pdf_bytes(1))
    build_now(demo, app_settings, meeting_id)
    body = client.get(f"/api/v1/meetings/{meeting_id}/pack/versions", headers=treasurer).json()
    assert body["published_at"] is not None and body["next"] is None
    assert [v["number"] for v in body["items"]] == [2, 1]
    newest = body["items"][0]
    assert newest["pages"] > 0 and newest["built_at"].endswith(("+01:00", "+02:00"))
    assert {"kind": "file_added", "filename": "Tilbud nr. 2.pdf"}.items() <= newest["changes"][0].items()

    for outsider in (MEMBER_SOEBAKKEN, RESIDENT):
        headers = api_token(demo, outsider)
        assert client.get(url, headers=headers).status_code == 404
        assert client.get(f"/api/v1/meetings/{meeting_id}/pack/versions", headers=headers).status_code == 404


def test_residents_get_the_public_pack(client: TestClient, demo: Database, app_settings: Settings) -> None:
    meeting_id = department_meeting(demo)
    publish(demo, meeting_id)
    build_now(demo, app_settings, meeting_id)
    r = client.get(f"/api/v1/meetings/{meeting_id}/pack.pdf", headers=api_token(demo, RESIDENT))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_my_private_note(client: TestClient, demo: Database, app_settings: Settings) -> None:
    meeting_id, closed_id = closed_item(demo)
    item_id = playground(demo, meeting_id)
    url = f"/api/v1/agenda-items/{item_id}/note"
    mine = api_token(demo, TREASURER)
    assert client.get(url, headers=mine).json() == {"agenda_item_id": item_id, "text": "", "updated_at": None}
    r = client.put(url, json={"text": "Spørg til prisen"}, headers=mine)
    assert r.status_code == 200 and r.json()["text"] == "Spørg til prisen" and r.json()["updated_at"]
    assert client.get(url, headers=mine).json()["text"] == "Spørg til prisen"
    # Nobody else sees it, not even the chair.
    assert client.get(url, headers=api_token(demo, CHAIR)).json()["text"] == ""

    for body, status in (({}, 422), ({"text": 5}, 422), ({"text": "x" * 10_001}, 422)):
        r = client.put(url, json=body, headers=mine)
        assert r.status_code == status and r.json()["error"]["code"] == "validation_failed", body
    r = client.put(url, content=b"{nope", headers={**mine, "content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_json"
    assert client.get(url, headers=mine).json()["text"] == "Spørg til prisen"
    r = client.put(url, json={"text": "nul\u0000tegn"}, headers=mine)
    assert r.status_code == 200 and r.json()["text"] == "nultegn"
    r = client.put(url, json={"text": ""}, headers=mine)
    assert r.status_code == 200 and r.json() == {"agenda_item_id": item_id, "text": "", "updated_at": None}

    substitute = api_token(demo, email_of_role(demo, ENGPARKEN, "substitute"))
    assert client.put(url, json={"text": "Min"}, headers=substitute).status_code == 200
    assert client.get(f"/api/v1/agenda-items/{closed_id}/note", headers=substitute).status_code == 404
    assert client.get(url, headers=api_token(demo, MEMBER_SOEBAKKEN)).status_code == 404
    dept_item = _department_item(demo)
    r = client.put(
        f"/api/v1/agenda-items/{dept_item}/note", json={"text": "x"}, headers=api_token(demo, RESIDENT)
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"


def _department_item(demo: Database) -> int:
    meeting_id = department_meeting(demo)
    with demo.transaction() as s:
        found = s.scalar(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id).limit(1))
    assert found is not None
    return found
