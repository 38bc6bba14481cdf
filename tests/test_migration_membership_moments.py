"""Upgrading gives every membership the moments its dates stand for, and marks the ones already
ended as done, so no end's effects run retroactively (migration 0013)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import select, text

from boardkit import migrate
from boardkit.core.db import Database
from boardkit.org.models import Membership


def test_existing_memberships_get_their_moments(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    command.upgrade(migrate.alembic_config(url), "0012")
    db = Database(url)
    today = date.today()
    try:
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO organisation (id, name, short_name, rules, created_at) "
                    "VALUES (1, 'O', 'o', '{}', '2026-01-01')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO board (id, organisation_id, kind, name, created_at) "
                    "VALUES (1, 1, 'organisation_board', 'B', '2026-01-01')"
                )
            )
            for n in (1, 2, 3):
                conn.execute(
                    text(
                        "INSERT INTO person (id, name, phone, preferred_channel, paper, language, active, "
                        f"created_at) VALUES ({n}, 'P{n}', '', 'email', false, 'da', true, '2026-01-01')"
                    )
                )
            rows = [
                (1, 1, "2026-01-15", None),  # open-ended (winter: midnight is 23:00 UTC)
                (2, 2, "2025-06-01", "2025-07-31"),  # ended long ago
                (3, 3, "2025-06-01", (today + timedelta(days=30)).isoformat()),  # ends later
            ]
            for mid, pid, start, end in rows:
                conn.execute(
                    text(
                        "INSERT INTO membership (id, board_id, person_id, role, start_date, end_date) "
                        "VALUES (:i, 1, :p, 'member', :s, :e)"
                    ),
                    {"i": mid, "p": pid, "s": start, "e": end},
                )
        migrate.upgrade(url)
        with db.transaction() as s:
            found = {m.id: m for m in s.scalars(select(Membership))}
            assert found[1].starts_at == datetime(2026, 1, 14, 23, 0, tzinfo=UTC) and found[1].ends_at is None
            assert found[1].ended_effects_at is None
            assert found[2].starts_at == datetime(2025, 5, 31, 22, 0, tzinfo=UTC)
            assert found[2].ends_at == datetime(2025, 7, 31, 22, 0, tzinfo=UTC)  # midnight after 31 July
            assert found[2].ended_effects_at is not None  # nothing runs retroactively
            assert found[3].ends_at is not None and found[3].ended_effects_at is None
    finally:
        db.dispose()
