"""Generated bad input against every route: never a 500, always a clear 4xx (or a normal page)."""

from __future__ import annotations

import random

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from boardkit.core.db import Database
from tests.helpers import api_token, csrf_from, login_as

pytestmark = pytest.mark.postgres  # see tests/conftest.py

JUNK = [
    "",
    " ",
    "ø" * 5000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\x00",
    "%",
    "../../etc/passwd",
    "-1",
    "99999999999999999999",
    "1e309",
    "null",
    "💥",
    "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
]


def all_routes(app) -> list[tuple[str, set[str]]]:  # type: ignore[no-untyped-def]
    found: list[tuple[str, set[str]]] = []

    def walk(routes, prefix: str) -> None:  # type: ignore[no-untyped-def]
        for r in routes:
            if isinstance(r, Mount) and r.routes:
                walk(r.routes, prefix + r.path)
            elif isinstance(r, Route):
                found.append((prefix + r.path, set(r.methods or [])))

    walk(app.routes, "")
    return found


def concrete(path: str, rng: random.Random) -> str:
    for name in (
        "{person_id:id}",
        "{board_id:id}",
        "{membership_id:id}",
        "{email_id:id}",
        "{token_id:id}",
        "{session_id:id}",
    ):
        path = path.replace(name, str(rng.choice([1, 2, 0, 999999, 10**19])))
    return path.replace("{token}", rng.choice(["x", "a" * 300, "%00"]))


@pytest.mark.parametrize("who", [None, "beboer@demo.boardkit.dk", "admin@demo.boardkit.dk"])
def test_no_route_answers_500_to_junk(client: TestClient, demo: Database, app, who: str | None) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(42)
    if who:
        login_as(client, demo, who)
    headers = api_token(demo, who) if who else {}
    token = csrf_from(client.get("/login").text)
    for path, methods in all_routes(app):
        for _ in range(2):
            url = concrete(path, rng)
            if "GET" in methods:
                # [:1500]: five junk values of 5000 "ø" would make the URL too long for the client.
                r = client.get(
                    url,
                    params={
                        "q": rng.choice(JUNK)[:1500],
                        "side": rng.choice(JUNK)[:1500],
                        "status": rng.choice(JUNK)[:1500],
                        "before": rng.choice(JUNK)[:1500],
                        "next": rng.choice(JUNK)[:1500],
                    },
                    headers=headers,
                )
                if path == "/readyz":  # its 503 says "not ready" (no worker here), not an error
                    assert r.status_code in (200, 503) and r.json()["status"] in ("ready", "unready")
                    continue
                assert r.status_code < 500, (url, r.status_code)
            if "POST" in methods:
                data = {
                    k: rng.choice(JUNK)
                    for k in (
                        "email",
                        "name",
                        "language",
                        "preferred_channel",
                        "phone",
                        "role",
                        "start_date",
                        "end_date",
                        "kind",
                        "department_id",
                        "password",
                        "pw_email",
                        "new_password",
                        "repeat_password",
                        "next",
                        "active",
                        "paper",
                        "sha256",
                        "action",
                    )
                }
                data["csrf_token"] = rng.choice([token, token, "forged"])
                r = client.post(url, data=data, headers=headers)
                assert r.status_code < 500, (url, r.status_code, data)
                r = client.post(
                    url,
                    content=b"\xff\xfe\x00garbage",
                    headers={
                        **headers,
                        "content-type": rng.choice(
                            [
                                "application/json",
                                "application/x-www-form-urlencoded",
                                "multipart/form-data; boundary=zz",
                                "text/plain",
                            ]
                        ),
                    },
                )
                assert r.status_code < 500, (url, r.status_code, "raw")


def test_api_json_errors_have_the_documented_shape(client: TestClient, demo: Database) -> None:
    headers = api_token(demo, "beboer@demo.boardkit.dk")
    for path in ("/api/v1/boards/0", "/api/v1/boards/abc", "/api/v1/nope"):
        r = client.get(path, headers=headers)
        assert r.status_code == 404
        body = r.json()
        assert set(body["error"]) >= {"code", "message"}
