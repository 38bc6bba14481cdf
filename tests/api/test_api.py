"""The REST API skeleton: /me, /boards, errors and auth as API.md says."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from boardkit.core.db import Database
from tests.helpers import api_token, login_as


def test_me_lists_both_boards_of_the_chair(client: TestClient, demo: Database) -> None:
    r = client.get("/api/v1/me", headers=api_token(demo, "formand@demo.boardkit.dk"))
    assert r.status_code == 200
    me = r.json()
    assert me["email"] == "formand@demo.boardkit.dk"
    assert {"chair", "member", "resident"} <= set(me["roles"])
    assert "calendar_feed_url" in me
    kinds = sorted((b["kind"], b["role"]) for b in me["boards"])
    assert kinds == [("department_board", "chair"), ("organisation_board", "member")]
    for b in me["boards"]:
        assert set(b) >= {"id", "name", "kind", "role", "department_id", "department_name", "organisation_id"}


def test_no_token_is_401_and_a_bad_token_too(client: TestClient, demo: Database) -> None:
    r = client.get("/api/v1/me")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "not_authenticated"
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_token"


@pytest.mark.postgres
def test_a_revoked_token_stops_working(client: TestClient, demo: Database) -> None:
    headers = api_token(demo, "beboer@demo.boardkit.dk")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    login_as(client, demo, "beboer@demo.boardkit.dk")
    from tests.helpers import csrf_from

    page = client.get("/profile")
    import re

    token_id = re.search(r"/profile/tokens/(\d+)/revoke", page.text)
    assert token_id
    client.post(f"/profile/tokens/{token_id.group(1)}/revoke", data={"csrf_token": csrf_from(page.text)})
    client.cookies.clear()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_boards_visible_to_a_member_and_404_for_others(client: TestClient, demo: Database) -> None:
    medlem = api_token(demo, "medlem@demo.boardkit.dk")
    boards = client.get("/api/v1/boards", headers=medlem).json()
    assert boards["next"] is None
    assert [b["name"] for b in boards["items"]] == ["Afdelingsbestyrelsen i Søbakken"]
    formand = client.get("/api/v1/me", headers=api_token(demo, "formand@demo.boardkit.dk")).json()
    engparken = next(b["id"] for b in formand["boards"] if b["kind"] == "department_board")
    r = client.get(f"/api/v1/boards/{engparken}", headers=medlem)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/boards/999999", headers=medlem).status_code == 404
    mine = client.get(f"/api/v1/boards/{boards['items'][0]['id']}", headers=medlem).json()
    assert any(m["role"] == "member" for m in mine["members"])


def test_staff_see_every_board_of_their_organisation(client: TestClient, demo: Database) -> None:
    items = client.get("/api/v1/boards", headers=api_token(demo, "admin@demo.boardkit.dk")).json()["items"]
    assert len(items) >= 5


def test_unknown_routes_and_malformed_bodies(client: TestClient, demo: Database) -> None:
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    r = client.post("/api/v1/me", headers=api_token(demo, "beboer@demo.boardkit.dk"))
    assert r.status_code == 405
    assert client.get("/no/such/page").status_code == 404


def test_bodies_over_the_limit_get_413(client: TestClient, demo: Database, app) -> None:  # type: ignore[no-untyped-def]
    big = b"x" * (app.state.settings.max_body_bytes + 1)
    r = client.post("/login", content=big, headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413


def test_openapi_describes_every_api_route(client: TestClient, demo: Database, app) -> None:  # type: ignore[no-untyped-def]
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    api_mount = next(r for r in app.routes if getattr(r, "path", "") == "/api/v1")
    documented = set(spec["paths"])
    for route in api_mount.routes:
        if route.name in ("openapi", "docs"):
            continue
        assert route.path.replace(":id", "") in documented, route.path
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "/api/v1/me" in docs.text
