"""Ending a membership takes effect for every session and token of that person (budget 60 s).

The demo on SQLite, the app in-process with its worker running as ``boardkit serve`` runs it. The
treasurer of Engparken's board logs in 20 times (browser sessions) and makes 20 API tokens; each
reads a closed agenda item of the board (its private note: page and API). Then the
membership ends 1 s from now (``org.service.end_membership``) and every session and token polls
until all answer 404. Prints the time from the end moment until the last one lost access, and
when the end's effects (the job) had run; their own expense claim must still answer 200.

    python bench/bench_access_end.py [--sessions 20] [--tokens 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update
from starlette.testclient import TestClient

from boardkit import migrate
from boardkit.app import create_app
from boardkit.config import Settings
from boardkit.core import auth
from boardkit.core.db import Database, utcnow
from boardkit.core.models import Job
from boardkit.core.web import SESSION_COOKIE
from boardkit.demo import load_demo
from boardkit.expenses import service as expenses
from boardkit.meetings.models import AgendaItem
from boardkit.org import service as org_service
from boardkit.org.models import Board, Membership, Person

BUDGET_SECONDS = 60.0
EMAIL = "kasserer@demo.boardkit.dk"
BOARD = "Afdelingsbestyrelsen i Engparken"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--tokens", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        migrate.upgrade(url)
        db = Database(url)
        with db.transaction() as s:
            load_demo(s, seed=1)
        settings = Settings(
            data_dir=Path(tmp) / "data",
            database_url=url,
            secret_key="bench-secret-key",
            base_url="http://testserver",
            worker_poll_seconds=1.0,
        )
        with db.transaction() as s:
            person = s.scalar(select(Person).where(Person.email == EMAIL))
            board = s.scalar(select(Board).where(Board.name == BOARD))
            assert person is not None and board is not None
            board_id, person_id = board.id, person.id
            # The demo's closed item (a staff case) on an Engparken board meeting.
            meeting_id, closed_id = s.execute(
                select(AgendaItem.meeting_id, AgendaItem.id).where(AgendaItem.title == "Personalesag")
            ).one()
            membership = s.scalar(
                select(Membership).where(
                    Membership.person_id == person_id,
                    Membership.board_id == board_id,
                    Membership.ends_at.is_(None),
                )
            )
            assert meeting_id is not None and membership is not None
            membership_id = membership.id
            principal = org_service.build_principal(s, person_id=person_id)
            claim_id = expenses.create_claim(
                s,
                principal=principal,
                board_id=board_id,
                purpose="Kaffe",
                account_code="119",
                secret_key=settings.secret_key,
            ).id
            # What loading the demo queued (mail, search index, PDFs) is not this bench's business:
            # a real worker would have done it long before a membership ends.
            s.execute(update(Job).where(Job.status == "queued").values(status="done"))
            sessions = [auth.create_session(s, person_id=person_id, days=1) for _ in range(args.sessions)]
            tokens = [
                auth.create_api_token(s, person_id=person_id, name=f"b{i}")[1] for i in range(args.tokens)
            ]

        app = create_app(settings, db=db)  # with its in-process worker, as ``boardkit serve``
        readers: list[tuple[str, dict[str, str], dict[str, str]]] = []
        for secret in sessions:
            readers.append(("session", {SESSION_COOKIE: secret}, {}))
        for secret in tokens:
            readers.append(("token", {}, {"Authorization": f"Bearer {secret}"}))
        paths = {  # the meeting itself is the board's; its closed item is for the sitting board only
            "session": [f"/agenda-items/{closed_id}/note"],
            "token": [f"/api/v1/agenda-items/{closed_id}/note"],
        }
        own = {"session": f"/expenses/{claim_id}", "token": f"/api/v1/expense-claims/{claim_id}"}
        with TestClient(app, base_url="http://testserver") as client:

            def status(kind: str, cookies: dict[str, str], headers: dict[str, str], path: str) -> int:
                client.cookies.clear()
                for k, v in cookies.items():
                    client.cookies.set(k, v)
                return client.get(path, headers=headers).status_code

            for kind, cookies, headers in readers:
                for path in paths[kind]:
                    assert status(kind, cookies, headers, path) == 200, (kind, path)
            with db.transaction() as s:
                m = s.get(Membership, membership_id)
                assert m is not None
                ends_at = utcnow() + timedelta(seconds=1)
                org_service.end_membership(s, m, ends_at=ends_at, actor_id=None, reason="resignation")
            pending = [(kind, c, h, p) for kind, c, h in readers for p in paths[kind]]
            while pending and (utcnow() - ends_at).total_seconds() < BUDGET_SECONDS:
                pending = [r for r in pending if status(*r) != 404]
                if pending:
                    time.sleep(0.2)
            lost = (utcnow() - ends_at).total_seconds()
            effects = None
            while (utcnow() - ends_at).total_seconds() < BUDGET_SECONDS:
                with db.transaction(readonly=True) as s:
                    done_at = s.scalar(
                        select(Membership.ended_effects_at).where(Membership.id == membership_id)
                    )
                if done_at is not None:
                    effects = (done_at - ends_at).total_seconds()
                    break
                time.sleep(0.2)
            kept = all(status(kind, c, h, own[kind]) == 200 for kind, c, h in readers)
        db.dispose()
    print(
        f"{args.sessions} sessions + {args.tokens} tokens: access lost {lost:.2f} s after the end moment "
        f"(budget {BUDGET_SECONDS:.0f} s); the end's effects ran after "
        f"{'never' if effects is None else f'{effects:.2f} s'}; own expense claim kept: {kept}"
    )
    ok = not pending and lost < BUDGET_SECONDS and effects is not None and kept
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
