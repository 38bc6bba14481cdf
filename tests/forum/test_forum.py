"""The board forum and the bulletin board through the real app: who sees what (404 for the rest),
mentions, harmless rendering, edit history and deletion markers, flags and moderation, limits."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.app import compose
from boardkit.core.db import Database
from boardkit.core.models import AuditEntry
from boardkit.forum.models import Mention, Post, Thread
from boardkit.org.models import Board, Department, Person
from tests.helpers import csrf_from, login_as
from tests.onboarding.onboarding_env import SETTINGS

pytestmark = pytest.mark.postgres

CHAIR, TREASURER, MEMBER_ELSEWHERE = (
    "formand@demo.boardkit.dk",
    "kasserer@demo.boardkit.dk",
    "medlem@demo.boardkit.dk",
)
RESIDENT, OTHER_RESIDENT, ADMIN = (
    "beboer@demo.boardkit.dk",
    "beboer2@demo.boardkit.dk",
    "admin@demo.boardkit.dk",
)


def ids(db: Database) -> tuple[int, int, str]:
    with db.transaction(readonly=True) as s:
        board = s.scalar(select(Board).where(Board.name == "Afdelingsbestyrelsen i Engparken"))
        department = s.scalar(select(Department.id).where(Department.name == "Engparken"))
        treasurer = s.scalar(select(Person.name).where(Person.email == TREASURER))
        assert board is not None and department is not None and treasurer is not None
        return board.id, department, treasurer


def neighbour(db: Database) -> str:
    """Another Engparken resident with an e-mail address (not on its board)."""
    from boardkit.org.models import Residency, Tenancy

    with db.transaction(readonly=True) as s:
        email = s.scalar(
            select(Person.email)
            .join(Residency, Residency.person_id == Person.id)
            .join(Tenancy, Tenancy.id == Residency.tenancy_id)
            .join(Department, Department.id == Tenancy.department_id)
            .where(Department.name == "Engparken", Person.email.is_not(None))
            .where(
                Person.email.not_in([RESIDENT, CHAIR, TREASURER]), Person.email.not_like("%@demo.boardkit.dk")
            )
            .limit(1)
        )
        assert email
        return email


def post(client: TestClient, url: str, form_url: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(
        url, data={"csrf_token": csrf_from(client.get(form_url).text), **data}, follow_redirects=True
    )


def test_a_thread_with_a_mention_a_reply_and_strangers_kept_out(client: TestClient, demo: Database) -> None:
    compose(demo, SETTINGS)
    board_id, department_id, treasurer = ids(demo)
    forum = f"/boards/{board_id}/forum"
    login_as(client, demo, CHAIR)
    made = post(
        client,
        forum,
        forum,
        {
            "title": "Legepladsen",
            "body": f"Hej @{treasurer}, kan du se på tilbuddet?\n\n"
            "<script>alert(1)</script> [x](javascript:alert(1))",
        },
    )
    assert made.status_code == 200 and "Tråden er oprettet" in made.text
    assert "<script>alert" not in made.text and 'href="javascript' not in made.text
    with demo.transaction(readonly=True) as s:
        thread = s.scalar(select(Thread).where(Thread.title == "Legepladsen"))
        assert thread is not None
        mentioned = s.scalars(
            select(Person.email)
            .join(Mention, Mention.person_id == Person.id)
            .join(Post, Post.id == Mention.post_id)
            .where(Post.thread_id == thread.id)
        ).all()
        assert mentioned == [TREASURER]
    url = f"/forum/threads/{thread.id}"
    login_as(client, demo, TREASURER)
    answer = post(client, url, url, {"body": "Ja, det ser fint ud."})
    assert "Dit svar er gemt" in answer.text and "Ja, det ser fint ud." in answer.text
    for stranger in (RESIDENT, OTHER_RESIDENT, MEMBER_ELSEWHERE):
        login_as(client, demo, stranger)
        assert client.get(forum).status_code == 404, stranger
        assert client.get(url).status_code == 404, stranger
    login_as(client, demo, OTHER_RESIDENT)
    assert client.get(f"/departments/{department_id}/bulletin").status_code == 404
    login_as(client, demo, MEMBER_ELSEWHERE)
    assert client.get(f"/departments/{department_id}/bulletin").status_code == 404


def test_too_long_edited_deleted_and_too_fast(client: TestClient, demo: Database) -> None:
    compose(demo, SETTINGS)
    board_id, _d, _t = ids(demo)
    forum = f"/boards/{board_id}/forum"
    login_as(client, demo, CHAIR)
    long = post(client, forum, forum, {"title": "Langt", "body": "x" * 100_000})
    assert long.status_code == 422 and "for langt" in long.text
    made = post(client, forum, forum, {"title": "Budget", "body": "Første udkast"})
    with demo.transaction(readonly=True) as s:
        first = s.scalar(select(Post).join(Thread).where(Thread.title == "Budget"))
        assert first is not None
    edit = f"/forum/posts/{first.id}/edit"
    assert "rettet" in post(client, edit, edit, {"body": "Andet udkast"}).text
    history = client.get(f"/forum/posts/{first.id}/history").text
    assert "Første udkast" in history and "Andet udkast" in history
    thread_url = made.url.path
    gone = post(client, f"/forum/posts/{first.id}/delete", thread_url, {})
    assert "Indlægget er slettet." in gone.text and "Andet udkast" not in gone.text
    codes = [post(client, forum, forum, {"title": f"Nr. {n}", "body": "hej"}).status_code for n in range(12)]
    assert 429 in codes and codes.count(200) >= 8


def test_three_flags_hide_a_bulletin_post_and_a_moderator_restores_it(
    client: TestClient, demo: Database
) -> None:
    compose(demo, SETTINGS)
    _board_id, department_id, _t = ids(demo)
    bulletin = f"/departments/{department_id}/bulletin"
    login_as(client, demo, RESIDENT)
    no_rules = post(client, bulletin, bulletin, {"title": "Boremaskine", "body": "Lånes ud"})
    assert no_rules.status_code == 422 and "husreglerne" in no_rules.text
    made = post(
        client,
        bulletin,
        bulletin,
        {
            "house_rules": "1",
            "title": "Hækkesaks til udlån",
            "body": "Spørg i opgang 3",
            "category": "lend",
        },
    )
    assert "Dit opslag er sat op" in made.text and "Hækkesaks til udlån" in made.text
    with demo.transaction(readonly=True) as s:
        target = s.scalar(select(Post).join(Thread).where(Thread.title == "Hækkesaks til udlån"))
        assert target is not None
    flag = f"/forum/posts/{target.id}/flag"
    with demo.transaction(readonly=True) as s:
        flaggers = s.scalars(select(Person.email).where(Person.email.in_([CHAIR, TREASURER, ADMIN]))).all()
    for email in flaggers:
        login_as(client, demo, email)
        post(client, flag, bulletin, {})
        post(client, flag, bulletin, {})  # twice: once counts
    with demo.transaction(readonly=True) as s:
        hidden = s.get(Post, target.id)
        assert hidden is not None and hidden.flag_count == 3 and hidden.state == "flagged"
    login_as(client, demo, RESIDENT)  # the author still sees it, marked; other residents do not
    assert "Hækkesaks til udlån" in client.get(bulletin).text
    login_as(client, demo, neighbour(demo))
    seen = client.get(bulletin).text
    assert "Hækkesaks til udlån" not in seen
    login_as(client, demo, CHAIR)
    moderate = f"/forum/posts/{target.id}/moderate"
    refused = post(client, moderate, bulletin, {"action": "restore", "reason": ""})
    assert "begrundelse" in refused.text.lower()
    restored = post(client, moderate, bulletin, {"action": "restore", "reason": "Opslaget er i orden."})
    assert "Moderationen er gemt" in restored.text
    with demo.transaction(readonly=True) as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "forum_post")).all()
        assert "forum.flagged" in actions and "forum.restore" in actions
        assert s.get(Post, target.id).state == "visible"  # type: ignore[union-attr]
    login_as(client, demo, neighbour(demo))
    assert "Hækkesaks til udlån" in client.get(bulletin).text  # restored: everyone sees it again


def test_the_stairwell_poster_reads_back_and_passes_qpdf(
    client: TestClient, demo: Database, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    import io
    import subprocess

    from pypdf import PdfReader

    compose(demo, SETTINGS)
    _board, department_id, _t = ids(demo)
    login_as(client, demo, RESIDENT)
    page = client.get(f"/departments/{department_id}/bulletin.pdf")
    assert page.status_code == 200 and page.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(page.content)).pages)
    assert "Engparken" in text and "Vandet lukkes tirsdag" in text and "Boremaskine til udlån" in text
    assert "Sælges" not in text  # the advert hidden by flags stays off the stairwell
    path = tmp_path / "poster.pdf"
    path.write_bytes(page.content)
    assert subprocess.run(["qpdf", "--check", str(path)], capture_output=True).returncode == 0
    login_as(client, demo, OTHER_RESIDENT)
    assert client.get(f"/departments/{department_id}/bulletin.pdf").status_code == 404


def test_a_thread_goes_on_the_next_meetings_agenda_with_a_link_back(
    client: TestClient, demo: Database
) -> None:
    from boardkit.meetings.models import AgendaItem

    compose(demo, SETTINGS)
    board_id, _d, _t = ids(demo)
    forum = f"/boards/{board_id}/forum"
    login_as(client, demo, CHAIR)
    made = post(client, forum, forum, {"title": "Cykelstativer", "body": "Skal vi købe flere?"})
    thread_url = made.url.path
    thread_id = int(thread_url.rsplit("/", 1)[1])
    placed = post(client, f"{thread_url}/agenda", thread_url, {})
    assert "Tråden er sat på dagsordenen." in placed.text and "Cykelstativer" in placed.text
    with demo.transaction(readonly=True) as s:
        thread = s.get(Thread, thread_id)
        assert thread is not None and thread.agenda_item_id is not None
        item = s.get(AgendaItem, thread.agenda_item_id)
        assert item is not None and f"/forum/threads/{thread_id}" in item.description
    page = client.get(thread_url).text
    assert "Står på dagsordenen" in page and f'href="/meetings/{item.meeting_id}"' in page
    again = post(client, f"{thread_url}/agenda", thread_url, {})
    assert again.status_code == 409
    login_as(client, demo, TREASURER)  # a member who does not manage the meetings
    made = post(client, forum, forum, {"title": "Nøgler", "body": "Hvem har nøglen til kælderen?"})
    assert post(client, f"{made.url.path}/agenda", made.url.path, {}).status_code == 404
