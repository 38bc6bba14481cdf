"""The member's "Kom godt i gang" on the dashboard and its pages, signing on the page, the chair's
follow-up; strangers get 404."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from boardkit.core.db import Database
from tests.helpers import csrf_from, login_as
from tests.onboarding.onboarding_env import CHAIR, TREASURER, make_programme, new_member

pytestmark = pytest.mark.postgres


def test_a_new_member_sees_getting_started_signs_and_the_chair_follows(
    client: TestClient, demo: Database
) -> None:
    env = make_programme(demo)
    new_member(demo, env)
    login_as(client, demo, "ny@example.dk")
    home = client.get("/").text
    assert "Kom godt i gang" in home and "0 af 4 trin gjort" in home
    page = client.get("/onboarding").text
    assert "Underskriv tavshedserklæringen" in page and "Kursus hos BL" in page
    step = page.split('href="/onboarding/steps/')[1].split('"')[0]
    declaration = client.get(f"/onboarding/steps/{step}").text
    assert "Jeg lover at holde lukkede punkter for mig selv." in declaration
    signed = client.post(
        f"/onboarding/steps/{step}",
        data={"csrf_token": csrf_from(declaration), "action": "sign"},
        follow_redirects=True,
    )
    assert "Du har underskrevet erklæringen." in signed.text and "Du underskrev denne version" in signed.text
    assert "1 af 4 trin gjort" in client.get("/").text

    login_as(client, demo, CHAIR)
    status = client.get(f"/boards/{env.board_id}/onboarding").text
    assert "Ny Bestyrelsesmedlem Øberg" in status and "25 %" in status and "Mød driftschefen" in status
    tick = status.split('action="/onboarding/steps/')[1].split('"')[0]
    after = client.post(
        f"/onboarding/steps/{tick}", data={"csrf_token": csrf_from(status)}, follow_redirects=True
    )
    assert "50 %" in after.text

    login_as(client, demo, TREASURER)  # a fellow member: neither the follow-up nor the member's steps
    assert client.get(f"/boards/{env.board_id}/onboarding").status_code == 404
    assert client.get(f"/onboarding/steps/{step}").status_code == 404
