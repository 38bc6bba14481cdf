"""The board forum is searched with the rest, and never shows a board thread to a resident."""

from __future__ import annotations

from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.core.search import indexing as search_index
from boardkit.forum import service
from boardkit.org import service as org_service
from boardkit.org.models import Board, Person
from tests.meetings.test_search import api_search, run_jobs


def test_a_board_thread_is_found_by_the_board_and_never_by_residents(
    client: TestClient, demo: Database, app_settings: Settings
) -> None:
    with demo.transaction() as s:
        search_index.rebuild(s, app_settings)
        chair = s.scalar(select(Person.id).where(Person.email == "formand@demo.boardkit.dk"))
        board = s.scalar(select(Board.id).where(Board.name == "Afdelingsbestyrelsen i Engparken"))
        assert chair is not None and board is not None
        service.start_thread(
            s,
            principal=org_service.build_principal(s, person_id=chair),
            board_id=board,
            title="Snerydning",
            body="Entreprenøren vil have flere penge for snerydningen i vinter.",
            settings=app_settings,
        )
    run_jobs(demo, app_settings)
    try:
        found = api_search(client, demo, "kasserer@demo.boardkit.dk", "snerydningen")
        assert [h["kind"] for h in found if h["title"] == "Snerydning"] == ["forum_thread"]
        for resident in ("beboer@demo.boardkit.dk", "beboer2@demo.boardkit.dk", "medlem@demo.boardkit.dk"):
            assert not [
                h for h in api_search(client, demo, resident, "snerydningen") if h["kind"] == "forum_thread"
            ]
    finally:
        search_index.close_all()
