"""The handover API: the chair makes a pack (with and without a body), the successor reads it and
its PDF and acknowledges, the departing member confirms the checklist; strangers get 404, and every
answer matches the OpenAPI document."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from boardkit.app import compose
from boardkit.core.db import Database
from tests.handover.handover_env import CHAIR, OTHER_BOARD, RESIDENT, TREASURER, setup
from tests.helpers import api_token
from tests.onboarding.onboarding_env import SETTINGS

pytestmark = pytest.mark.postgres


def test_make_read_confirm_and_acknowledge_a_pack(client: TestClient, demo: Database) -> None:
    compose(demo, SETTINGS)
    env = setup(demo, end_treasurer=False)
    chair, treasurer = api_token(demo, CHAIR), api_token(demo, TREASURER)
    successor = api_token(demo, env.vice_email)
    strangers = [api_token(demo, RESIDENT), api_token(demo, OTHER_BOARD)]

    bare = client.post(f"/api/v1/boards/{env.board_id}/handover", headers=chair)
    assert bare.status_code == 201 and bare.json()["checklist"] is None
    made = client.post(
        f"/api/v1/boards/{env.board_id}/handover", json={"successor_person_id": env.vice_id}, headers=chair
    )
    assert made.status_code == 201
    pack = made.json()
    assert [s["key"] for s in pack["sections"]][:2] == ["open_cases", "decisions"]
    assert pack["status"] == "open" and pack["successor_person_id"] == env.vice_id

    # Refusals: a member who does not manage (403), a successor off the board (422), strangers (404).
    assert client.post(f"/api/v1/boards/{env.board_id}/handover", headers=treasurer).status_code == 403
    bad = client.post(
        f"/api/v1/boards/{env.board_id}/handover", json={"successor_person_id": 999999}, headers=chair
    )
    assert bad.status_code == 422 and "successor_person_id" in str(bad.json())
    for headers in strangers:
        assert client.post(f"/api/v1/boards/{env.board_id}/handover", headers=headers).status_code == 404
        assert client.get(f"/api/v1/handover-packs/{pack['id']}", headers=headers).status_code == 404
        assert client.get(f"/api/v1/handover-packs/{pack['id']}.pdf", headers=headers).status_code == 404
        assert (
            client.post(f"/api/v1/handover-packs/{pack['id']}/acknowledge", headers=headers).status_code
            == 404
        )

    # The successor reads it, its PDF, and acknowledges (twice: the same answer).
    assert client.get(f"/api/v1/handover-packs/{pack['id']}", headers=successor).status_code == 200
    pdf = client.get(pack["pdf"], headers=successor)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    first = client.post(f"/api/v1/handover-packs/{pack['id']}/acknowledge", headers=successor)
    second = client.post(f"/api/v1/handover-packs/{pack['id']}/acknowledge", headers=successor)
    assert first.status_code == second.status_code == 200
    assert first.json()["acknowledged_at"] == second.json()["acknowledged_at"] is not None
    assert client.post(f"/api/v1/handover-packs/{pack['id']}/acknowledge", headers=chair).status_code == 200

    # A pack of a change: the departing treasurer confirms the checklist (all lines), once.
    from boardkit.handover import service

    with demo.transaction() as s:
        change = service.generate(
            s, board_id=env.board_id, actor_id=None, reason="change", departing_person_id=env.treasurer_id
        ).id
    url = f"/api/v1/handover-packs/{change}/checklist"
    assert client.post(url, json={"lines": ["returned"]}, headers=treasurer).status_code == 422
    assert client.post(url, json={"lines": ["stolen"]}, headers=treasurer).status_code == 422
    assert client.post(url, json={"lines": list(service.CHECK_LINES)}, headers=chair).status_code == 404
    done = client.post(
        url, json={"lines": list(service.CHECK_LINES), "remark": "Alt afleveret"}, headers=treasurer
    )
    assert (
        done.status_code == 200 and done.json()["confirmed_at"] and done.json()["remark"] == "Alt afleveret"
    )
    again = client.post(url, json={"lines": list(service.CHECK_LINES)}, headers=treasurer)
    assert again.json()["confirmed_at"] == done.json()["confirmed_at"]
