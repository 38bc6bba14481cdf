"""The library's API: documents by multipart upload with versions and files, the keys register
with issue and return; programs refused (415), 409 for a return by someone who never held the
item, 404 for anyone outside the board."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from boardkit.app import compose
from boardkit.config import Settings
from boardkit.core.db import Database
from tests.helpers import api_token
from tests.library.library_env import (
    ADMIN,
    CHAIR,
    EXECUTABLES,
    MEMBER_ELSEWHERE,
    RESIDENT,
    TREASURER,
    env,
    pdf,
)

pytestmark = pytest.mark.postgres


def test_documents_through_the_api(client: TestClient, demo: Database, app_settings: Settings) -> None:
    compose(demo, app_settings)
    e = env(demo)
    chair = api_token(demo, CHAIR)
    base = f"/api/v1/boards/{e.board_id}/documents"
    made = client.post(
        base,
        headers=chair,
        data={
            "kind": "contract",
            "title": "Rengøringsaftale",
            "supplier": "Rent & Pænt A/S",
            "subject": "Trappevask",
            "term_start": "2026-01-01",
            "notice_period": "1 måned",
            "admin_contact_id": str(e.admin),
        },
        files={"file": ("aftale.pdf", pdf())},
    )
    assert made.status_code == 201, made.text
    document = made.json()
    assert document["contract"]["supplier"] == "Rent & Pænt A/S" and document["contract"]["admin_contact"]
    assert [v["number"] for v in document["versions"]] == [1]
    second = client.post(
        f"/api/v1/documents/{document['id']}/versions",
        headers=chair,
        data={"note": "Tillæg"},
        files={"file": ("aftale2.pdf", pdf("tillæg"))},
    )
    assert second.status_code == 201 and second.json()["number"] == 2
    got = client.get(f"/api/v1/documents/{document['id']}", headers=api_token(demo, TREASURER)).json()
    assert [v["number"] for v in got["versions"]] == [2, 1] and got["latest"]["number"] == 2
    old = client.get(got["versions"][1]["url"], headers=chair)
    assert old.status_code == 200 and old.content.startswith(b"%PDF")
    assert (
        old.headers["x-content-type-options"] == "nosniff"
        and "aftale.pdf" in old.headers["content-disposition"]
    )
    listed = client.get(base, headers=api_token(demo, ADMIN)).json()["items"]
    assert [d["title"] for d in listed] == ["Rengøringsaftale"] and "versions" not in listed[0]

    for name, data in EXECUTABLES.items():
        refused = client.post(
            base, headers=chair, data={"kind": "other", "title": "Program"}, files={"file": (name, data)}
        )
        assert refused.status_code == 415, name
        assert refused.json()["error"]["message"].startswith("Filen")
    member = client.post(
        base,
        headers=api_token(demo, TREASURER),
        data={"kind": "other", "title": "X"},
        files={"file": ("x.pdf", pdf())},
    )
    assert member.status_code == 403
    for stranger in (RESIDENT, MEMBER_ELSEWHERE):
        token = api_token(demo, stranger)
        assert client.get(base, headers=token).status_code == 404
        assert client.get(f"/api/v1/documents/{document['id']}", headers=token).status_code == 404
        assert client.get(got["versions"][0]["url"], headers=token).status_code == 404
        assert client.get(f"/api/v1/boards/{e.board_id}/keys", headers=token).status_code == 404


def test_keys_through_the_api(client: TestClient, demo: Database, app_settings: Settings) -> None:
    compose(demo, app_settings)
    e = env(demo)
    chair = api_token(demo, CHAIR)
    made = client.post(
        f"/api/v1/boards/{e.board_id}/keys",
        headers=chair,
        json={"kind": "code", "label": "Alarmkode", "opens": "Fælleshuset", "changed_on": "2026-01-15"},
    )
    assert made.status_code == 201, made.text
    item = made.json()
    assert (
        item["state"] == "spare"
        and item["changed_on"] == "2026-01-15"
        and "code" not in item["label"].lower()
    )
    issued = client.post(f"/api/v1/keys/{item['id']}/issue", headers=chair, json={"person_id": e.treasurer})
    assert issued.status_code == 200 and issued.json()["holders"][0]["role"] == "treasurer"
    never = client.post(f"/api/v1/keys/{item['id']}/return", headers=chair, json={"person_id": e.chair})
    assert never.status_code == 409 and "aldrig" in never.json()["error"]["message"]
    treasurer = api_token(demo, TREASURER)
    back = client.post(f"/api/v1/keys/{item['id']}/return", headers=treasurer)
    assert back.status_code == 200 and back.json()["state"] == "returned"
    again = client.post(f"/api/v1/keys/{item['id']}/return", headers=treasurer)
    assert again.status_code == 200 and again.json() == back.json()
    changed = client.post(f"/api/v1/keys/{item['id']}/code-changed", headers=chair, json={})
    assert changed.status_code == 200
    bad = client.post(f"/api/v1/boards/{e.board_id}/keys", headers=chair, json={"kind": "door", "label": ""})
    assert bad.status_code == 422 and set(bad.json()["error"]["fields"]) >= {"kind", "label"}
    listed = client.get(f"/api/v1/boards/{e.board_id}/keys", headers=treasurer).json()["items"]
    assert [i["label"] for i in listed] == ["Alarmkode"]
