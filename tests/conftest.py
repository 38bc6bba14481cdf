"""Shared fixtures: real databases (SQLite always, PostgreSQL when BOARDKIT_TEST_POSTGRES_URL is set).

Every test that takes ``db`` runs on SQLite; one marked ``@pytest.mark.postgres`` (or in a module
with ``pytestmark = pytest.mark.postgres``) runs on PostgreSQL too. Mark a test when PostgreSQL
behaves differently for what it checks: concurrency and locking (every "exactly one wins" rule, on
both databases), serialisation retries, migrations, JSON/date/text comparisons, case-insensitive
matching, search, NUL characters, PostgreSQL-only SQL, the page-cache generation (LISTEN/NOTIFY).
``BOARDKIT_TEST_ALL_BACKENDS=1`` runs every database test on both, as before the marker.

The schema is built by the real Alembic migrations once per backend and session; each test then
starts from empty tables (SQLite: a copy of a migrated template file; PostgreSQL: TRUNCATE), or
from the demo (see ``demo``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from starlette.testclient import TestClient

from boardkit import migrate
from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.schema import metadata
from tests.api.schema_check import api_schema_check  # noqa: F401  (every API answer vs. the OpenAPI document)

PG_URL = os.environ.get("BOARDKIT_TEST_POSTGRES_URL", "")
ALL_BACKENDS = os.environ.get("BOARDKIT_TEST_ALL_BACKENDS", "") not in ("", "0")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        both = PG_URL and (ALL_BACKENDS or metafunc.definition.get_closest_marker("postgres") is not None)
        only = PG_URL and metafunc.definition.get_closest_marker("postgres_only") is not None
        backends = ["postgres"] if only else ["sqlite", "postgres"] if both else ["sqlite"]
        metafunc.parametrize("backend", backends, scope="session")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A ``postgres_only`` test says why it does not run without PostgreSQL, in one place (CI
    always sets BOARDKIT_TEST_POSTGRES_URL, so there it always runs)."""
    if PG_URL:
        return
    needs = pytest.mark.skip(reason="a PostgreSQL test: set BOARDKIT_TEST_POSTGRES_URL")
    for item in items:
        if item.get_closest_marker("postgres_only") is not None:
            item.add_marker(needs)


@pytest.fixture(scope="session", autouse=True)
def wired(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Register what core calls back into the domains (core.notify's people directory and paper
    channel, the search providers, the audit log's names), as the app does at start-up."""
    from boardkit.app import compose

    compose(Database("sqlite://"), Settings(data_dir=tmp_path_factory.mktemp("wired")))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def sqlite_demo_template(sqlite_template: Path) -> Callable[[], Path]:
    """The migrated template with the demo loaded, made once a day (the demo's dates follow today)."""
    made: dict[date, Path] = {}

    def for_today() -> Path:
        today = date.today()
        if today not in made:
            from boardkit.demo import load_demo

            path = sqlite_template.with_name(f"demo-{today.isoformat()}.sqlite3")
            shutil.copy(sqlite_template, path)
            database = Database(f"sqlite:///{path}")
            with database.transaction() as s:
                load_demo(s, seed=1)
            database.dispose()
            made[today] = path
        return made[today]

    return for_today


@pytest.fixture(scope="session")
def pg_ready() -> str:
    url = (
        PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
        if PG_URL.startswith("postgresql://")
        else PG_URL
    )
    url = worker_database(url)
    database = Database(url)
    with database.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    database.dispose()
    migrate.upgrade(url)
    return url


def worker_database(url: str) -> str:
    """Under pytest-xdist each worker gets a database of its own (``<name>_gw0`` …), made on
    first use next to the configured one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if exists is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_demo_copy(pg_ready: str) -> Iterator[Callable[[], str]]:
    """A fresh database with the demo loaded, for each test that asks for the demo: made from a
    template database (migrated, demo loaded, once a day per worker) in a fraction of the time
    the demo takes to load."""
    base = make_url(pg_ready)
    template, copy = f"{base.database}_demo", f"{base.database}_run"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    made: set[date] = set()

    def fresh() -> str:
        today = date.today()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))
            if today not in made:
                from boardkit.demo import load_demo

                conn.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{template}"'))
                url = base.set(database=template).render_as_string(hide_password=False)
                migrate.upgrade(url)
                database = Database(url)
                with database.transaction() as s:
                    load_demo(s, seed=1)
                database.dispose()
                made.add(today)
            conn.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{template}"'))
        return base.set(database=copy).render_as_string(hide_password=False)

    yield fresh
    admin.dispose()


# Tables the migrations make that are no model's (see boardkit/migrations/env.py).
UNMODELLED = ["search_document"]
# Reference data the migrations insert (tests read it and never change it).
SEEDED_BY_MIGRATIONS = frozenset({"mileage_rate", "data_generation"})


def truncate_all(database: Database) -> None:
    """Empty every table and restart its sequences, as ``TRUNCATE … RESTART IDENTITY`` of every
    table does, touching only what the last test used: TRUNCATE makes new files for each table it
    empties, which costs far more than asking which tables hold rows."""
    tables = [t.name for t in metadata.sorted_tables if t.name not in SEEDED_BY_MIGRATIONS]
    tables += UNMODELLED  # the PostgreSQL search index: what one test indexed, the next must not find
    quoted = {name: '"' + name + '"' for name in tables}
    with database.engine.begin() as conn:
        probe = " UNION ALL ".join(
            f"SELECT '{name}' FROM (SELECT 1 FROM {quoted[name]} LIMIT 1) AS r" for name in tables
        )
        filled = [row[0] for row in conn.execute(text(probe))]
        if filled:
            conn.execute(text(f"TRUNCATE {', '.join(quoted[n] for n in filled)} RESTART IDENTITY CASCADE"))
        # The sequences drawn from by rows deleted since (the tables' own, not the seeded ones').
        drawn = conn.execute(
            text(
                "SELECT seq.relname, tab.relname FROM pg_class seq"
                " JOIN pg_depend dep ON dep.objid = seq.oid AND dep.deptype IN ('a', 'i')"
                " JOIN pg_class tab ON tab.oid = dep.refobjid"
                " JOIN pg_sequences ps ON ps.sequencename = seq.relname AND ps.schemaname = 'public'"
                " WHERE seq.relkind = 'S' AND ps.last_value IS NOT NULL"
            )
        ).all()
        for sequence, table in drawn:
            if table in quoted:
                conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url="",
        secret_key="test-secret-key",
        base_url="http://testserver",
        argon2_time_cost=1,
        argon2_memory_kib=8,
        retry_base_seconds=0.01,
        inprocess_worker=False,
    )


@pytest.fixture
def db(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if backend == "sqlite":
        # A test that asks for the demo starts from a copy with the demo already loaded.
        template: Path = (
            request.getfixturevalue("sqlite_demo_template")()
            if "demo" in request.fixturenames
            else request.getfixturevalue("sqlite_template")
        )
        path = tmp_path / "boardkit.sqlite3"
        shutil.copy(template, path)
        database = Database(f"sqlite:///{path}")
    elif "demo" in request.fixturenames:
        database = Database(request.getfixturevalue("pg_demo_copy")())
    else:
        url: str = request.getfixturevalue("pg_ready")
        database = Database(url)
        truncate_all(database)
    yield database
    database.dispose()


@pytest.fixture
def app_settings(settings: Settings, db: Database) -> Settings:
    return settings.with_(database_url=db.url)


@pytest.fixture
def app(app_settings: Settings, db: Database):  # type: ignore[no-untyped-def]
    from boardkit.app import create_app

    return create_app(app_settings, db=db, start_worker=False)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def demo(db: Database) -> Database:
    """The demo organisation of API.md, loaded through the same code as ``boardkit demo``.

    ``db`` starts a test that asks for it from a template with the demo already loaded (SQLite: a
    file copy; PostgreSQL: ``CREATE DATABASE … TEMPLATE``), made once a day per worker."""
    return db
