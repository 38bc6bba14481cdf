"""Upgrading an installation made before permits gives its organisations the default kinds
(migration 0010), so no page has to write them on a read; an organisation with kinds keeps its own."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from boardkit import migrate
from boardkit.core.db import Database
from boardkit.permits.catalogue import DEFAULT_KINDS


def test_organisations_without_kinds_get_the_defaults(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    command.upgrade(migrate.alembic_config(url), "0009")
    db = Database(url)
    try:
        with db.engine.begin() as conn:
            for n, name in ((1, "A"), (2, "B")):
                conn.execute(
                    text(
                        "INSERT INTO organisation (id, name, short_name, rules, created_at) "
                        "VALUES (:id, :name, :name, '{}', '2026-01-01')"
                    ),
                    {"id": n, "name": name},
                )
            conn.execute(
                text(
                    'INSERT INTO permit_kind (organisation_id, code, name, "group", track, '
                    "reestablish_on_move_out, needs_building_permit, delegated_to_board, active, position) "
                    "VALUES (2, 'dog', 'Vovse', 'pets', 'application', 0, 0, 1, 1, 0)"
                )
            )
        migrate.upgrade(url)
        with db.engine.connect() as conn:
            kinds = conn.execute(text("SELECT organisation_id, code, name FROM permit_kind")).all()
    finally:
        db.dispose()
    first = {code: name for org, code, name in kinds if org == 1}
    assert first == {k.code: k.name for k in DEFAULT_KINDS}
    assert [(code, name) for org, code, name in kinds if org == 2] == [("dog", "Vovse")]
