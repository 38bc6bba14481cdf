"""Which index a process uses (BOARDKIT_SEARCH, or the database's natural one), and
``boardkit reindex`` on each."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stderr
from pathlib import Path

import pytest

from boardkit import cli
from boardkit.config import ConfigError, Settings, load_settings
from boardkit.core.db import Database
from boardkit.core.search import indexing as search_index
from boardkit.core.search.postgres import PostgresIndex
from boardkit.core.search.whoosh import WhooshIndex

PG = "postgresql+psycopg://boardkit@db.example/boardkit"


def settings_from(tmp_path: Path, **env: str) -> Settings:
    return load_settings({"BOARDKIT_DATA_DIR": str(tmp_path), **{f"BOARDKIT_{k}": v for k, v in env.items()}})


def test_the_database_chooses_unless_told(tmp_path: Path) -> None:
    assert settings_from(tmp_path).search_backend == "whoosh"
    assert settings_from(tmp_path, DATABASE_URL=PG).search_backend == "postgres"
    assert settings_from(tmp_path, DATABASE_URL=PG, SEARCH="whoosh").search_backend == "whoosh"
    assert settings_from(tmp_path, DATABASE_URL=PG, SEARCH=" Postgres ").search_backend == "postgres"


def test_an_impossible_choice_is_a_clear_startup_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs a PostgreSQL database"):
        settings_from(tmp_path, SEARCH="postgres")
    with pytest.raises(ConfigError, match="use one of whoosh, postgres"):
        settings_from(tmp_path, DATABASE_URL=PG, SEARCH="elastic")
    err = io.StringIO()
    with redirect_stderr(err):
        code = cli.run(["reindex"], env={"BOARDKIT_DATA_DIR": str(tmp_path), "BOARDKIT_SEARCH": "postgres"})
    assert code == 2
    assert err.getvalue().startswith("boardkit: BOARDKIT_SEARCH=postgres needs a PostgreSQL database")
    # Settings made in code are checked where the index is opened.
    with pytest.raises(ConfigError):
        search_index.backend_for(Settings(data_dir=tmp_path, database_url="sqlite://", search="postgres"))


def test_backend_for_opens_the_chosen_index_once(tmp_path: Path) -> None:
    sqlite = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/b.sqlite3")
    try:
        whoosh = search_index.backend_for(sqlite)
        assert isinstance(whoosh, WhooshIndex) and search_index.backend_for(sqlite) is whoosh
        pg = search_index.backend_for(sqlite.with_(database_url=PG))  # opens no connection yet
        assert isinstance(pg, PostgresIndex) and search_index.backend_for(sqlite.with_(database_url=PG)) is pg
        assert search_index.backend_for(sqlite.with_(database_url=PG, search="whoosh")) is whoosh
    finally:
        search_index.close_all()


@pytest.mark.postgres
def test_reindex_on_either_backend(demo: Database, tmp_path: Path) -> None:
    env = {"BOARDKIT_DATA_DIR": str(tmp_path), "BOARDKIT_DATABASE_URL": demo.url}
    err = io.StringIO()
    try:
        with redirect_stderr(err):
            assert cli.run(["reindex"], env=env) == 0
        found = re.search(r"Indexed (\d+) documents", err.getvalue())
        assert found is not None and int(found.group(1)) > 100
        backend = search_index.backend_for(load_settings(env))
        assert isinstance(backend, PostgresIndex if demo.url.startswith("postgresql") else WhooshIndex)
        assert backend.count() == int(found.group(1))
    finally:
        search_index.close_all()
