"""With a gating declaration ("kræver underskrevet erklæring"), a board member who has not signed its
current version cannot open a closed agenda item — on the meeting page, in the pack and in the
API — and can once they have signed."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.meetings.models import AgendaItem, Meeting
from boardkit.meetings.packs import service as packs
from tests.helpers import api_token, login_as
from tests.onboarding.onboarding_env import TREASURER, make_programme, who

pytestmark = pytest.mark.postgres


def test_the_closed_item_opens_only_after_signing(client: TestClient, demo: Database) -> None:
    env = make_programme(demo, gates=True)
    with demo.transaction(readonly=True) as s:
        item = s.scalar(select(AgendaItem).where(AgendaItem.title == "Personalesag"))
        assert item is not None
        meeting_id, item_id = item.meeting_id, item.id

    def sees(secret: bool) -> None:
        page = client.get(f"/meetings/{meeting_id}").text
        assert ("Personalesag" in page) is secret and "Lukket punkt" in page
        items = client.get(f"/api/v1/meetings/{meeting_id}/agenda-items", headers=token).json()["items"]
        closed = next(i for i in items if i["closed"])
        assert (closed["title"] == "Personalesag") is secret and closed["redacted"] is not secret
        with demo.transaction(readonly=True) as s:
            meeting = s.get(Meeting, meeting_id)
            assert meeting is not None
            assert packs.variant_for(who(s, TREASURER), meeting) == ("full" if secret else "open")

    login_as(client, demo, TREASURER)
    token = api_token(demo, TREASURER)
    sees(secret=False)
    signed = client.post(f"/api/v1/declarations/{env.declaration_id}/sign", headers=token)
    assert signed.status_code == 200
    sees(secret=True)
    assert client.get(f"/api/v1/agenda-items/{item_id}", headers=token).status_code in (200, 405)
