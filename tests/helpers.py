"""Test helpers: log a client in as a person, read the CSRF token of a page, run a command."""

from __future__ import annotations

import io
import logging
import re
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit import cli
from boardkit.core import auth, mail
from boardkit.core.db import Database
from boardkit.core.models import OutboxEmail
from boardkit.core.web import SESSION_COOKIE
from boardkit.org.models import Person


def person_id(db: Database, email: str) -> int:
    with db.transaction() as s:
        pid = s.scalar(select(Person.id).where(Person.email == email))
    assert pid is not None, f"no person {email}"
    return pid


def login_as(client: TestClient, db: Database, email: str) -> int:
    """Give the client a real server-side session for ``email``."""
    pid = person_id(db, email)
    with db.transaction() as s:
        secret = auth.create_session(s, person_id=pid, days=1)
    client.cookies.set(SESSION_COOKIE, secret)
    return pid


def api_token(db: Database, email: str) -> dict[str, str]:
    """Authorization headers with a fresh API token for ``email``."""
    pid = person_id(db, email)
    with db.transaction() as s:
        _token, secret = auth.create_api_token(s, person_id=pid, name="test")
    return {"Authorization": f"Bearer {secret}"}


def mail_text(db: Database, address: str, secret_key: str = "test-secret-key") -> str:
    """The text of the newest e-mail to ``address`` as its recipient gets it (personal links are
    stored masked in the outbox; this unseals them with the ``settings`` fixture's key)."""
    with db.transaction() as s:
        email = s.scalars(
            select(OutboxEmail).where(OutboxEmail.to_address == address).order_by(OutboxEmail.id.desc())
        ).first()
        assert email is not None, f"no mail to {address}"
        return mail.deliverable(email, secret_key)[0]


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def boardkit(data_dir: Path, *args: str, stdin: str = "") -> Ran:
    """Run ``boardkit <args>`` in-process as a user runs it with only ``BOARDKIT_DATA_DIR`` set: its exit
    status, its standard output, and its standard error with its log (as ``boardkit.cli.main`` logs)."""
    out, err = io.StringIO(), io.StringIO()
    handler = logging.StreamHandler(err)
    handler.addFilter(auth.RedactSecrets())
    logger = logging.getLogger("boardkit")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    stdin_was = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = cli.run(list(args), env={"BOARDKIT_DATA_DIR": str(data_dir)})
            except SystemExit as exc:  # argparse's usage errors, or a message as the interpreter prints it
                if exc.code is None or isinstance(exc.code, int):
                    code = exc.code or 0
                else:
                    print(exc.code, file=sys.stderr)
                    code = 1
    finally:
        sys.stdin = stdin_was
        logger.removeHandler(handler)
        logger.setLevel(level)
    return Ran(code, out.getvalue(), err.getvalue())
