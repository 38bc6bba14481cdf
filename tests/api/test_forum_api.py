"""The forum API: threads, replies, edit and delete, the bulletin board, flags and moderation;
strangers get 404 and every answer matches the OpenAPI document."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.app import compose
from boardkit.core.db import Database
from boardkit.org.models import Board, Department
from tests.helpers import api_token
from tests.onboarding.onboarding_env import SETTINGS

pytestmark = pytest.mark.postgres


def test_threads_replies_bulletin_and_moderation(client: TestClient, demo: Database) -> None:
    compose(demo, SETTINGS)
    with demo.transaction(readonly=True) as s:
        board = s.scalar(select(Board.id).where(Board.name == "Afdelingsbestyrelsen i Engparken"))
        department = s.scalar(select(Department.id).where(Department.name == "Engparken"))
    chair, treasurer = (
        api_token(demo, "formand@demo.boardkit.dk"),
        api_token(demo, "kasserer@demo.boardkit.dk"),
    )
    resident, stranger = (
        api_token(demo, "beboer@demo.boardkit.dk"),
        api_token(demo, "beboer2@demo.boardkit.dk"),
    )
    made = client.post(
        f"/api/v1/boards/{board}/threads", json={"title": "Budget", "body": "**Udkast** her"}, headers=chair
    )
    assert made.status_code == 201 and "<strong>Udkast</strong>" in made.json()["posts"][0]["html"]
    thread = made.json()["id"]
    answer = client.post(
        f"/api/v1/threads/{thread}/replies",
        json={"body": "Fint <img src=x onerror=alert(1)>"},
        headers=treasurer,
    )
    assert answer.status_code == 201 and "<img" not in answer.json()["html"]
    post_id = answer.json()["id"]
    assert client.patch(f"/api/v1/posts/{post_id}", json={"body": "Rettet"}, headers=treasurer).json()[
        "edited_at"
    ]
    assert (
        client.patch(f"/api/v1/posts/{post_id}", json={"body": "Ikke min"}, headers=chair).status_code == 404
    )
    listed = client.get(f"/api/v1/boards/{board}/threads", headers=treasurer).json()["items"]
    assert [t["title"] for t in listed][:1] == ["Budget"]
    assert client.get(f"/api/v1/threads/{thread}", headers=resident).status_code == 404
    intruder = client.post(
        f"/api/v1/boards/{board}/threads", json={"title": "Hej", "body": "Må jeg?"}, headers=resident
    )
    assert intruder.status_code == 404  # a resident cannot post in the board's forum
    assert (
        client.post(
            f"/api/v1/threads/{thread}/replies", json={"body": "Og her?"}, headers=resident
        ).status_code
        == 404
    )
    # The treasurer's own reply is the news: not unread for her, unread for the chair.
    assert next(t for t in listed if t["id"] == thread)["unread"] is False
    for_chair = client.get(f"/api/v1/boards/{board}/threads", headers=chair).json()["items"]
    assert next(t for t in for_chair if t["id"] == thread)["unread"] is True
    assert client.get(f"/api/v1/boards/{board}/threads", headers=stranger).status_code == 404
    assert client.delete(f"/api/v1/posts/{post_id}", headers=treasurer).json()["state"] == "deleted"

    up = client.post(
        f"/api/v1/departments/{department}/bulletin",
        json={"title": "Cykel fundet", "body": "Rød cykel ved opgang 4", "category": "found"},
        headers=resident,
    )
    assert up.status_code == 201 and up.json()["posts"][0]["author"].endswith(", Engparken")
    bulletin_post = up.json()["posts"][0]["id"]
    assert (
        client.post(
            f"/api/v1/departments/{department}/bulletin", json={"title": "x", "body": "y"}, headers=stranger
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/departments/{department}/bulletin", headers=stranger).status_code == 404
    first = client.post(f"/api/v1/posts/{bulletin_post}/flag", headers=chair).json()
    again = client.post(f"/api/v1/posts/{bulletin_post}/flag", headers=chair).json()
    assert first == again  # flagging twice changes nothing
    # Whichever way a bulletin post comes back, its author is a first name and the department.
    assert first["author"] == up.json()["posts"][0]["author"] and first["author"].count(" ") == 1
    no_reason = client.post(
        f"/api/v1/posts/{bulletin_post}/moderation", json={"action": "hide", "reason": ""}, headers=chair
    )
    assert no_reason.status_code == 422
    hidden = client.post(
        f"/api/v1/posts/{bulletin_post}/moderation",
        json={"action": "hide", "reason": "Navne på naboer"},
        headers=chair,
    )
    assert hidden.json()["state"] == "hidden"
    assert (
        client.post(
            f"/api/v1/posts/{bulletin_post}/moderation",
            json={"action": "hide", "reason": "x"},
            headers=resident,
        ).status_code
        == 404
    )
    mine = client.get(f"/api/v1/departments/{department}/bulletin", headers=resident).json()["items"]
    assert any(t["title"] == "Cykel fundet" for t in mine)  # the author still sees their hidden post


def test_preferences_by_board_or_department(client: TestClient, demo: Database) -> None:
    with demo.transaction(readonly=True) as s:
        board = s.scalar(select(Board.id).where(Board.name == "Afdelingsbestyrelsen i Engparken"))
        department = s.scalar(select(Department.id).where(Department.name == "Engparken"))
    treasurer, stranger = (
        api_token(demo, "kasserer@demo.boardkit.dk"),
        api_token(demo, "beboer2@demo.boardkit.dk"),
    )
    saved = client.put(
        "/api/v1/forum-preferences",
        json={"board_id": board, "level": "digest", "hide_content": False},
        headers=treasurer,
    )
    assert saved.status_code == 200 and saved.json() == {
        "board_id": board,
        "department_id": None,
        "level": "digest",
        "hide_content": False,
    }
    assert (
        client.put(
            "/api/v1/forum-preferences",
            json={"department_id": department, "level": "sometimes"},
            headers=treasurer,
        ).status_code
        == 422
    )
    assert (
        client.put(
            "/api/v1/forum-preferences", json={"board_id": board, "level": "off"}, headers=stranger
        ).status_code
        == 404
    )
