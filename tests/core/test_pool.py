"""The PostgreSQL pool's size: one connection per worker thread by default, smaller where several
processes share one server (BOARDKIT_DB_POOL_SIZE); SQLite's engine is made as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from boardkit.config import load_settings
from boardkit.core.db import PG_POOL_OVERFLOW, PG_POOL_SIZE, Database

pytestmark = pytest.mark.postgres  # see tests/conftest.py


def test_the_pool_keeps_a_connection_per_worker_thread_unless_told_otherwise(
    db: Database, tmp_path: Path
) -> None:
    if not db.is_sqlite:
        assert db.engine.pool.size() == PG_POOL_SIZE  # type: ignore[attr-defined]
        assert db.engine.pool._max_overflow == PG_POOL_OVERFLOW  # type: ignore[attr-defined]
    env = {"BOARDKIT_DATA_DIR": str(tmp_path), "BOARDKIT_SECRET_KEY": "k", "BOARDKIT_DB_POOL_SIZE": "8"}
    settings = load_settings({**env, "BOARDKIT_DATABASE_URL": db.url})
    assert settings.db_pool_size == 8
    small = Database(db.url, pool_size=settings.db_pool_size)
    try:
        expected = db.engine.pool.size() if db.is_sqlite else 8  # type: ignore[attr-defined]
        assert small.engine.pool.size() == expected  # type: ignore[attr-defined]
        with small.transaction() as s:
            assert s.connection().exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        small.dispose()
