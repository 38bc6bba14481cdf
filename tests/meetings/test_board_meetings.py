"""A board's meeting list and archive, and the warning (not a block) when two meetings of a board clash."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from boardkit.core.db import Database, utcnow
from boardkit.core.templating import TZ
from boardkit.meetings.models import Meeting
from tests.helpers import api_token, csrf_from, login_as
from tests.meetings.meeting_env import (
    ADMIN,
    CHAIR,
    ENGPARKEN,
    MEMBER_SOEBAKKEN,
    RESIDENT,
    TREASURER,
    board_id,
    local_day,
    make_meeting,
)

pytestmark = pytest.mark.postgres  # see tests/conftest.py


def count_meetings(db: Database, title: str) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).where(Meeting.title == title)) or 0


def form(client: TestClient, path: str, **fields: str) -> dict[str, str]:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return {"csrf_token": csrf_from(page.text), **fields}


def test_a_clash_is_a_warning_the_chair_can_proceed_past(client: TestClient, demo: Database) -> None:
    existing = make_meeting(demo, days=50, title="Bestyrelsesmøde om vinduer")  # 19:00–21:00
    login_as(client, demo, CHAIR)
    new_url = f"/boards/{board_id(demo)}/meetings/new"
    fields = {
        "title": "Ekstra bestyrelsesmøde",
        "kind": "board",
        "date": local_day(50).isoformat(),
        "start": "20:00",
        "end": "22:00",
        "location": "Fælleshuset",
    }
    r = client.post(new_url, data=form(client, new_url, **fields))
    assert r.status_code == 409
    assert "Bestyrelsen har allerede et møde på det tidspunkt" in r.text
    assert "Bestyrelsesmøde om vinduer" in r.text and f'href="/meetings/{existing}"' in r.text
    assert 'value="Ekstra bestyrelsesmøde"' in r.text  # what was typed stays
    assert count_meetings(demo, "Ekstra bestyrelsesmøde") == 0  # nothing saved yet
    accept = re.search(r'name="accept_clash" value="([\d,]+)"', r.text)
    assert accept and accept.group(1) == str(existing)

    # "Opret mødet alligevel": created, once.
    r = client.post(
        new_url,
        data={**fields, "csrf_token": csrf_from(r.text), "accept_clash": accept.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert count_meetings(demo, "Ekstra bestyrelsesmøde") == 1
    created = int(r.headers["location"].rsplit("/", 1)[1])

    # Another board's meeting at the same time, a cancelled one, or back-to-back times do not clash.
    soebakken = make_meeting(demo, days=50, board="Afdelingsbestyrelsen i Søbakken", title="Søbakken møde")
    assert soebakken
    client.post(
        f"/api/v1/meetings/{created}/cancel", headers=api_token(demo, CHAIR), json={"reason": "Dobbelt"}
    )
    r = client.post(
        new_url,
        data=form(
            client, new_url, **{**fields, "title": "Efter vinduesmødet", "start": "21:00", "end": "22:00"}
        ),
        follow_redirects=False,
    )
    assert r.status_code == 303

    # Moving a meeting onto another one warns too, and the move is not saved until confirmed.
    other = make_meeting(demo, days=60, title="Bestyrelsesmøde om haven")
    edit = f"/meetings/{other}/edit"
    moved = {**fields, "title": "Bestyrelsesmøde om haven", "start": "19:30", "end": "20:30"}
    r = client.post(edit, data=form(client, edit, **moved))
    assert r.status_code == 409 and "Bestyrelsesmøde om vinduer" in r.text and "Gem alligevel" in r.text
    with demo.transaction() as s:
        starts = s.scalar(select(Meeting.starts_at).where(Meeting.id == other))
    assert starts is not None and starts.astimezone(TZ).date() == local_day(60)
    accept = re.search(r'name="accept_clash" value="([\d,]+)"', r.text)
    assert accept
    r = client.post(
        edit,
        data={**moved, "csrf_token": csrf_from(r.text), "accept_clash": accept.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with demo.transaction() as s:
        starts = s.scalar(select(Meeting.starts_at).where(Meeting.id == other))
    assert starts is not None and starts.astimezone(TZ).date() == local_day(50)


def test_the_board_lists_its_meetings_and_an_archive_by_year(client: TestClient, demo: Database) -> None:
    bid = board_id(demo, ENGPARKEN)
    old = make_meeting(demo, days=30, title="Bestyrelsesmøde i fjor")
    with demo.transaction() as s:
        then = utcnow() - timedelta(days=400)
        s.execute(
            update(Meeting)
            .where(Meeting.id == old)
            .values(starts_at=then, ends_at=then + timedelta(hours=2), status="held")
        )
    last_year = (utcnow() - timedelta(days=400)).year

    login_as(client, demo, TREASURER)  # a member who does not chair
    home = client.get("/").text
    assert f'href="/boards/{bid}/meetings"' in home
    page = client.get(f"/boards/{bid}/meetings")
    assert page.status_code == 200
    upcoming = page.text[page.text.index('id="upcoming-heading"') : page.text.index('id="archive-heading"')]
    archive = page.text[page.text.index('id="archive-heading"') :]
    assert upcoming.count('href="/meetings/') >= 4  # every coming meeting, not only the next three
    assert "Ny mødeindkaldelse" not in page.text
    assert f"?year={last_year}" in archive and "Bestyrelsesmøde i fjor" not in archive  # newest year first
    page = client.get(f"/boards/{bid}/meetings?year={last_year}")
    archive = page.text[page.text.index('id="archive-heading"') :]
    assert "Bestyrelsesmøde i fjor" in archive and 'aria-current="page"' in archive
    assert client.get(f"/boards/{bid}/meetings?year=1999").status_code == 200  # an unknown year: the newest

    login_as(client, demo, CHAIR)
    assert "Ny mødeindkaldelse" in client.get(f"/boards/{bid}/meetings").text
    login_as(client, demo, ADMIN)
    assert client.get(f"/boards/{bid}/meetings").status_code == 200
    assert f'href="/boards/{bid}/meetings"' in client.get(f"/admin/boards/{bid}").text
    for outsider in (RESIDENT, MEMBER_SOEBAKKEN):
        login_as(client, demo, outsider)
        assert client.get(f"/boards/{bid}/meetings").status_code == 404, outsider
