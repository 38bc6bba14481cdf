"""The page cache serves a reader's dashboard and /api/v1/me from memory only while nothing changed."""

from __future__ import annotations

import threading
import time
import typing

import pytest
from sqlalchemy import event, func, select, update
from starlette.testclient import TestClient

from boardkit.core import auth, jobs
from boardkit.core.db import Database, problem
from boardkit.core.generation import Token
from boardkit.core.models import OutboxEmail
from boardkit.meetings.models import Meeting
from boardkit.org.models import Person
from tests.helpers import api_token, login_as, person_id

pytestmark = pytest.mark.postgres  # see tests/conftest.py


def _token(db: Database) -> Token:
    """The generation as this process sees it (PostgreSQL: once its listener has connected)."""
    deadline = time.monotonic() + 10
    while (token := db.generation.token()) is None:
        assert time.monotonic() < deadline, "generation listener did not connect"
        time.sleep(0.05)
    return token


def _changed(db: Database, before: Token) -> Token:
    """Wait (PostgreSQL: for the NOTIFY) until the generation is no longer ``before``."""
    deadline = time.monotonic() + 10
    while (token := _token(db))[0] == before[0]:  # the number itself (PostgreSQL: NOTIFY arrived)
        assert time.monotonic() < deadline, "generation did not change"
        time.sleep(0.02)
    return token


def test_generation_rises_with_changes_only(demo: Database) -> None:
    start = _token(demo)
    with demo.transaction(readonly=True) as s:
        s.scalar(select(Person).limit(1))
    with demo.transaction() as s:
        jobs.enqueue(s, "search.index", {})  # queue bookkeeping is not page data
    with demo.transaction() as s:  # nor is a mail's delivery state (a mass mailing's every message)
        s.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id == s.scalar(select(func.min(OutboxEmail.id))))
            .values(status="sent")
        )
    assert _token(demo) == start
    other = Database(demo.url)  # another process's connection pool
    try:
        with other.transaction() as s:
            s.scalars(select(Person).limit(1)).one().name += " Ødegård"
        _changed(demo, start)
    finally:
        other.dispose()


def _cache(client: TestClient):  # type: ignore[no-untyped-def]
    return client.app.state.page_cache  # type: ignore[attr-defined]


def test_dashboard_is_served_from_memory_until_another_process_changes_it(
    demo: Database, client: TestClient
) -> None:
    login_as(client, demo, "formand@demo.boardkit.dk")
    first = client.get("/")  # sets the CSRF cookie: not kept
    assert first.status_code == 200
    _token(demo)
    client.get("/")
    hits = _cache(client).hits
    again = client.get("/")
    assert _cache(client).hits == hits + 1
    assert again.text == client.get("/").text
    before = _token(demo)

    other = Database(demo.url)
    try:
        with other.transaction() as s:
            shown = [
                m
                for m in s.scalars(select(Meeting).order_by(Meeting.id))
                if f'/meetings/{m.id}"' in again.text
            ]
            assert shown, "the dashboard shows no meeting"
            shown[0].title = "Ekstra møde om gårdlauget"
    finally:
        other.dispose()
    _changed(demo, before)
    assert "Ekstra møde om gårdlauget" in client.get("/").text


def test_logging_out_everywhere_is_not_outlived_by_a_cached_page(demo: Database, client: TestClient) -> None:
    pid = login_as(client, demo, "formand@demo.boardkit.dk")
    client.get("/")
    _token(demo)
    assert client.get("/").status_code == 200
    before = _token(demo)
    with demo.transaction() as s:
        auth.revoke_all_sessions(s, person_id=pid)
    _changed(demo, before)
    gone = client.get("/", follow_redirects=False)
    assert gone.status_code == 303 and "/login" in gone.headers["location"]


def test_a_revoked_api_token_is_refused_at_once(demo: Database, client: TestClient) -> None:
    headers = api_token(demo, "beboer@demo.boardkit.dk")
    _token(demo)
    # The first use of a token notes when it was last used (after the answer): then it is kept.
    hits = _cache(client).hits
    for _ in range(50):
        assert client.get("/api/v1/me", headers=headers).json()["email"] == "beboer@demo.boardkit.dk"
        if _cache(client).hits > hits:
            break
        time.sleep(0.05)
    assert _cache(client).hits > hits
    before = _token(demo)
    with demo.transaction() as s:
        for token in auth.list_api_tokens(s, person_id=person_id(demo, "beboer@demo.boardkit.dk")):
            auth.revoke_api_token(s, person_id=token.person_id, token_id=token.id)
    _changed(demo, before)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_readers_never_share_a_cached_answer(demo: Database, client: TestClient) -> None:
    chair = api_token(demo, "formand@demo.boardkit.dk")
    resident = api_token(demo, "beboer@demo.boardkit.dk")
    _token(demo)
    for _ in range(2):
        assert client.get("/api/v1/me", headers=chair).json()["email"] == "formand@demo.boardkit.dk"
        assert client.get("/api/v1/me", headers=resident).json()["email"] == "beboer@demo.boardkit.dk"


def test_many_requests_for_a_missing_answer_make_it_once(demo: Database, app) -> None:  # type: ignore[no-untyped-def]
    """Sixteen requests at once for a dashboard not kept yet: one renders it, the others wait for it."""
    import asyncio

    import httpx
    from sqlalchemy import event

    before = _token(demo)
    with demo.transaction() as s:
        pid = s.scalar(select(Person.id).where(Person.email == "formand@demo.boardkit.dk"))
        assert pid is not None
        secret = auth.create_session(s, person_id=pid, days=1)
    _changed(demo, before)  # the new session is a change too (PostgreSQL: once its NOTIFY is in)
    cookies = {"bk_session": secret, "bk_csrf": "a-browser-binding"}
    lookups: list[str] = []

    def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if "FROM web_session" in statement:
            lookups.append(statement)

    async def burst() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", cookies=cookies) as c:
            return await asyncio.gather(*(c.get("/") for _ in range(16)))

    event.listen(demo.engine, "before_cursor_execute", seen)
    try:
        answers = asyncio.run(burst())
    finally:
        event.remove(demo.engine, "before_cursor_execute", seen)
    assert {r.status_code for r in answers} == {200}
    assert len({r.text for r in answers}) == 1
    assert len(lookups) == 1, f"{len(lookups)} renders for one answer"


def test_writers_do_not_wait_for_each_other_to_move_the_generation(demo: Database) -> None:
    """On PostgreSQL a change is told to the other processes after its commit, so a transaction on
    its way to commit never holds up another one's (one row every writer updated, or a NOTIFY
    inside the transaction, would make each commit wait for the one before it to be durable). On
    SQLite writers take turns anyway: the other one waits for the write lock and, after its busy
    timeout, gives up as busy (a 503 in a request); the first one's change still counts."""
    start = _token(demo)
    other = Database(demo.url, busy_timeout=1.0)  # a lock waited for 1 s is an error
    outcome: dict[str, object] = {}

    def second_writer() -> None:
        try:
            with other.transaction() as s:
                s.scalars(select(Person).order_by(Person.id.desc()).limit(1)).one().name += " Şahin"
            outcome["committed"] = True
        except Exception as exc:
            outcome["error"] = exc

    def meanwhile(_session: object) -> None:  # the first is about to commit: another commits first
        writer = threading.Thread(target=second_writer)
        writer.start()
        writer.join(timeout=10)

    try:
        with demo.transaction() as first:
            first.scalars(select(Person).order_by(Person.id).limit(1)).one().name += " Ødegård"
            event.listen(first, "before_commit", meanwhile)
        if demo.is_sqlite:
            assert problem(typing.cast(BaseException, outcome["error"])) == "busy", outcome
        else:
            assert outcome == {"committed": True}
        _changed(demo, start)
    finally:
        other.dispose()
