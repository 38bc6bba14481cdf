"""Search over the demo organisation, through the real job runner, pages and API (SQLite + PostgreSQL).

Done-when of issue 5: "vaskeri" finds an item about "vaskeriet"; a resident never gets a closed
item's text; a member of another board sees none of this board's closed material.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.app import build_runner
from boardkit.config import Settings
from boardkit.core.db import Database, utcnow
from boardkit.core.models import Job
from boardkit.core.search import indexing as search_index
from boardkit.core.storage import FileStore
from boardkit.meetings import attachments, pack_queue, service
from boardkit.meetings.models import AgendaItem
from boardkit.meetings.service import ItemInput
from boardkit.org import service as org_service
from tests.helpers import api_token, login_as, person_id
from tests.meetings.meeting_env import (
    ADMIN,
    CHAIR,
    ENGPARKEN,
    MEMBER_SOEBAKKEN,
    RESIDENT,
    RESIDENT_SOEBAKKEN,
    closed_item,
    department_meeting,
    email_of_role,
)

pytestmark = pytest.mark.postgres  # see tests/conftest.py

SECRET = "Fortrolig sag om huslejerestancer og udsættelse i blok syv"


def pdf_with_text(text: str) -> bytes:
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=12)
    doc.multi_cell(0, 8, text)
    return bytes(doc.output())


def run_jobs(db: Database, settings: Settings) -> None:
    build_runner(db, settings).run_until_idle(now=utcnow() + timedelta(minutes=1))


@pytest.fixture
def indexed(demo: Database, app_settings: Settings) -> Iterator[Database]:
    """The demo, indexed from scratch, plus an open item about the laundry and a closed one."""
    with demo.transaction() as s:
        search_index.rebuild(s, app_settings)
    meeting_id = department_meeting(demo)
    board_meeting_id, closed_id = closed_item(demo)
    admin = person_id(demo, ADMIN)
    with demo.transaction() as s:
        principal = org_service.build_principal(s, person_id=admin)
        meeting = service.get_meeting(s, principal=principal, meeting_id=meeting_id)
        service.add_item(
            s,
            meeting,
            actor_id=admin,
            data=ItemInput(title="Renovering", description="Vaskeriet i kælderen får nye maskiner."),
        )
        item = s.get(AgendaItem, closed_id)
        assert item is not None
        item.description = SECRET
        pack_queue.changed(s, item.meeting)  # as update_item does
        jobs = s.scalars(select(Job).where(Job.kind == "search.index", Job.status == "queued")).all()
        # One job for the transaction, naming both meetings.
        assert [j.payload for j in jobs] == [
            {"kind": "meeting", "ids": sorted([meeting_id, board_meeting_id])}
        ]
    run_jobs(demo, app_settings)
    yield demo
    search_index.close_all()


def api_search(client: TestClient, db: Database, email: str, q: str, **params: str) -> list[dict]:
    r = client.get("/api/v1/search", params={"q": q, **params}, headers=api_token(db, email))
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def test_vaskeri_finds_the_item_about_vaskeriet(client: TestClient, indexed: Database) -> None:
    items = api_search(client, indexed, RESIDENT, "vaskeri")
    hit = next(i for i in items if i["title"] == "Renovering")
    assert hit["kind"] == "agenda_item"
    assert "<mark>Vaskeriet</mark>" in hit["highlights"][0]
    assert hit["url"].startswith("http://testserver/meetings/") and "#item-" in hit["url"]
    assert set(hit) >= {"kind", "id", "title", "url", "highlights", "date"}
    # The link works for the resident.
    login_as(client, indexed, RESIDENT)
    assert client.get(hit["url"].removeprefix("http://testserver")).status_code == 200


def test_closed_material_only_for_the_sitting_board(client: TestClient, indexed: Database) -> None:
    words = "huslejerestancer udsættelse"
    _meeting, closed_id = closed_item(indexed)
    chair = api_search(client, indexed, CHAIR, words)
    assert [(i["kind"], i["id"]) for i in chair] == [("agenda_item", closed_id)]
    assert api_search(client, indexed, ADMIN, words)  # the administration
    substitute = email_of_role(indexed, ENGPARKEN, "substitute")
    for outsider in (RESIDENT, RESIDENT_SOEBAKKEN, MEMBER_SOEBAKKEN, substitute):
        assert api_search(client, indexed, outsider, words) == [], outsider
        assert api_search(client, indexed, outsider, "personalesag") == [], outsider
        login_as(client, indexed, outsider)
        page = client.get("/search", params={"q": words})
        assert page.status_code == 200 and "Ingen resultater" in page.text
        assert "bk-search-results" not in page.text and "Personalesag" not in page.text


def test_a_member_of_another_board_sees_none_of_this_boards_board_material(
    client: TestClient, indexed: Database
) -> None:
    # "Legepladsen ved Engvænget" is on an Engparken *board* meeting: open, but board material.
    assert api_search(client, indexed, CHAIR, "legepladsen")
    assert api_search(client, indexed, MEMBER_SOEBAKKEN, "legepladsen") == []
    assert api_search(client, indexed, RESIDENT, "legepladsen") == []


def test_attachment_text_is_searchable_and_a_broken_pdf_fails_nothing(
    client: TestClient, indexed: Database, app_settings: Settings
) -> None:
    meeting_id = department_meeting(indexed)
    admin = person_id(indexed, ADMIN)
    store = FileStore(app_settings.files_dir)
    with indexed.transaction() as s:
        principal = org_service.build_principal(s, person_id=admin)
        meeting = service.get_meeting(s, principal=principal, meeting_id=meeting_id)
        item = meeting.items[0]
        text = pdf_with_text("Tilbud paa facaderenovering fra Murermester Hansen")
        attachments.add_attachment(s, item, store=store, actor_id=admin, filename="tilbud.pdf", data=text)
        broken = pdf_with_text("x")[:-200]  # cut short: a PDF that no longer parses properly
        attachments.add_attachment(
            s, item, store=store, actor_id=admin, filename="noter.bin", data=b"%PDF-1.4\n" + broken[9:60]
        )
    run_jobs(indexed, app_settings)
    with indexed.transaction() as s:
        assert set(s.scalars(select(Job.status).where(Job.kind == "search.index"))) == {"done"}
    items = api_search(client, indexed, RESIDENT, "facaderenovering", kind="attachment")
    assert [i["title"] for i in items] == ["tilbud.pdf"]
    assert "<mark>facaderenovering</mark>" in items[0]["highlights"][0]
    assert "/attachments/" in items[0]["url"]


def test_reindex_rebuilds_from_the_database(
    client: TestClient, indexed: Database, app_settings: Settings
) -> None:
    if app_settings.search_backend == "whoosh":
        search_index.close_all()
        shutil.rmtree(search_index.index_dir(app_settings))
    else:  # PostgreSQL: the index is a table the migrations made; empty it
        search_index.backend_for(app_settings).rebuild([])
    assert api_search(client, indexed, RESIDENT, "vaskeri") == []  # an empty index answers, quietly
    search_index.close_all()
    with indexed.transaction() as s:
        count = search_index.rebuild(s, app_settings)
    assert count > 100
    assert [i["title"] for i in api_search(client, indexed, RESIDENT, "vaskeri")] == ["Renovering"]


def test_a_deleted_item_leaves_the_index(
    client: TestClient, indexed: Database, app_settings: Settings
) -> None:
    admin = person_id(indexed, ADMIN)
    with indexed.transaction() as s:
        item = s.scalar(select(AgendaItem).where(AgendaItem.title == "Renovering"))
        assert item is not None
        service.delete_item(s, item, actor_id=admin)
    run_jobs(indexed, app_settings)
    assert api_search(client, indexed, RESIDENT, "vaskeri") == []


BAD = ["", " ", "AND OR (", "\x00", "vaskeri\x00", 'title:"(', "*?", "ø" * 499]


def test_bad_queries_are_never_a_500(client: TestClient, indexed: Database) -> None:
    headers = api_token(indexed, RESIDENT)
    for q in BAD:
        r = client.get("/api/v1/search", params={"q": q}, headers=headers)
        assert r.status_code == 200, (q, r.text)
        assert r.json()["next"] is None
    long = client.get("/api/v1/search", params={"q": "vaskeri " * 286}, headers=headers)
    assert long.status_code == 400 and long.json()["error"]["code"] == "query_too_long"
    kind = client.get("/api/v1/search", params={"q": "vaskeri", "kind": "nonsense"}, headers=headers)
    assert kind.status_code == 400 and kind.json()["error"]["code"] == "invalid_kind"
    assert client.get("/api/v1/search", params={"q": "vaskeri"}).status_code == 401
    login_as(client, indexed, RESIDENT)
    for q in BAD:
        assert client.get("/search", params={"q": q}).status_code == 200, q
    page = client.get("/search", params={"q": "vaskeri " * 286})
    assert page.status_code == 400 and "Søgningen er for lang" in page.text


def test_the_search_page_shows_highlights_and_filters_by_kind(client: TestClient, indexed: Database) -> None:
    login_as(client, indexed, RESIDENT)
    page = client.get("/search", params={"q": "vaskeriet"})
    assert page.status_code == 200
    assert "<mark>Vaskeriet</mark>" in page.text and "Renovering" in page.text
    assert 'role="search"' in page.text  # the header's box
    none = client.get("/search", params={"q": "vaskeriet", "kind": "proposal"})
    assert "bk-search-results" not in none.text and "Ingen resultater" in none.text
    assert client.get("/search").status_code == 200  # the empty form
    client.cookies.clear()
    assert client.get("/search", params={"q": "x"}, follow_redirects=False).status_code == 303
