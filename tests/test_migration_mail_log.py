"""Upgrading an installation masks the personal links already in its mail log (migration 0008_sec)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from boardkit import migrate
from boardkit.core.db import Database

pytestmark = pytest.mark.postgres  # see tests/conftest.py

LINK = "http://boardkit.example/login/link/Hemmelig_Token-123"


def test_links_already_in_the_mail_log_are_masked(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    command.upgrade(migrate.alembic_config(url), "0007")
    db = Database(url)
    try:
        with db.engine.begin() as conn:
            for n, status in enumerate(("sent", "failed", "queued"), start=1):
                conn.execute(
                    text(
                        "INSERT INTO outbox_email (id, to_address, to_name, template, language, subject, "
                        "body_text, body_html, attachments, message_id, status, attempts, last_error, "
                        "created_at, eml_path) VALUES (:id, 'a@b.dk', '', 'login_link', 'da', 'Login', "
                        ":text, :html, '[]', :mid, :status, 0, '', '2026-12-01 10:00:00', '')"
                    ),
                    {
                        "id": n,
                        "text": f"Brug linket:\n{LINK}\nSvar: http://boardkit.example/rsvp/1.2.3.Sig?response=ja",
                        "html": f'<a href="{LINK}">{LINK}</a>',
                        "mid": f"<{n}@x>",
                        "status": status,
                    },
                )
        migrate.upgrade(url)
        with db.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT status, body_text, body_html, sealed FROM outbox_email ORDER BY id")
            ).all()
    finally:
        db.dispose()
    sent, failed, queued = rows
    for row in (sent, failed):
        assert "Hemmelig" not in row.body_text + row.body_html and "Sig?" not in row.body_text
        assert "http://boardkit.example/login/link/********" in row.body_text
        assert (
            row.body_html.count("/login/link/********") == 2 and "rsvp/********?response=ja" in row.body_text
        )
    assert LINK in queued.body_text and queued.sealed == ""  # still to be delivered as it was queued
