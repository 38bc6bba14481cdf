"""The onboarding API: my programme, progress by seconds watched (done at 90%) or marked done,
signing twice, someone else's module (404), and a board's follow-up for the chair only."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.onboarding.models import Assignment, Caption, Module, Progress, Video
from tests.helpers import api_token
from tests.onboarding.onboarding_env import CHAIR, OTHER_BOARD, START, make_programme, new_member

pytestmark = pytest.mark.postgres


def add_video_step(db: Database, person_id: int) -> int:
    """A 10-second video module on the member's programme (rows only; the files are not needed)."""
    with db.transaction() as s:
        assignment = s.scalar(select(Assignment).where(Assignment.person_id == person_id))
        assert assignment is not None
        video = Video(
            organisation_id=assignment.programme.organisation_id,
            sha256="0" * 64,
            filename="intro.mp4",
            content_type="video/mp4",
            size=1000,
            duration=10.0,
            width=640,
            height=360,
        )
        s.add(video)
        s.flush()
        s.add(
            Caption(
                video_id=video.id,
                language="da",
                label="Dansk",
                sha256="1" * 64,
                transcript="Hej og velkommen.",
            )
        )
        module = Module(
            programme_id=assignment.programme_id,
            kind="video",
            title="Velkommen",
            video_id=video.id,
            published=True,
        )
        s.add(module)
        s.flush()
        s.add(Progress(assignment_id=assignment.id, module_id=module.id, revision=1, due_on=START))
        return module.id


def test_my_programme_progress_and_signing(client: TestClient, demo: Database) -> None:
    env = make_programme(demo)
    person = new_member(demo, env)
    video_module = add_video_step(demo, person)
    me = api_token(demo, "ny@example.dk")
    mine = client.get("/api/v1/onboarding", headers=me).json()["items"]
    assert len(mine) == 1 and mine[0]["total"] == 5 and mine[0]["percent"] == 0
    video = next(s for s in mine[0]["steps"] if s["kind"] == "video")
    assert video["video"]["duration"] == 10.0 and video["video"]["captions"][0]["language"] == "da"
    assert video["video"]["transcript"] == "Hej og velkommen."

    url = f"/api/v1/onboarding/modules/{video_module}/progress"
    half = client.post(url, json={"seconds_watched": 5}, headers=me).json()
    assert half["seconds_watched"] == 5.0 and not half["done"]
    almost = client.post(url, json={"seconds_watched": 9.1}, headers=me).json()
    assert almost["done"]  # 90% watched
    bad = client.post(url, json={"seconds_watched": -3}, headers=me)
    assert bad.status_code == 422

    link = env.modules["Kursus hos BL"]
    assert client.post(f"/api/v1/onboarding/modules/{link}/progress", json={"done": True}, headers=me).json()[
        "done"
    ]
    sign = f"/api/v1/declarations/{env.declaration_id}/sign"
    first, again = client.post(sign, headers=me).json(), client.post(sign, headers=me).json()
    assert first == again and first["version"] == 1 and len(first["sha256"]) == 64
    declaration_step = env.modules["Underskriv tavshedserklæringen"]
    refused = client.post(
        f"/api/v1/onboarding/modules/{declaration_step}/progress", json={"done": True}, headers=me
    )
    assert refused.status_code == 200  # already done by the signature: nothing to refuse

    chair, other = api_token(demo, CHAIR), api_token(demo, OTHER_BOARD)
    # Someone else's module: the chair has no programme with it.
    assert (
        client.post(
            f"/api/v1/onboarding/modules/{link}/progress", json={"done": True}, headers=chair
        ).status_code
        == 404
    )
    status = client.get(f"/api/v1/boards/{env.board_id}/onboarding-status", headers=chair).json()
    row = next(i for i in status["items"] if i["person_id"] == person)
    assert row["percent"] == 60 and row["missing"] == ["Mød driftschefen", "Gennemgå budgettet med formanden"]
    assert client.get(f"/api/v1/boards/{env.board_id}/onboarding-status", headers=other).status_code == 404
    assert client.post(sign, headers=api_token(demo, "beboer@demo.boardkit.dk")).status_code == 404
