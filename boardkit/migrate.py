"""Alembic, driven from code: ``boardkit db upgrade`` and the automatic upgrade on ``serve``."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from boardkit.core.db import make_engine
from boardkit.fileio import private_dir

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


@functools.cache
def head() -> str | None:
    """The newest migration this code has (its scripts are read once per process)."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def knows(revision: str) -> bool:
    """Whether ``revision`` is one of this code's migrations (a backup of a newer version's is not)."""
    try:
        return ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision(revision) is not None
    except CommandError:
        return False


def is_current(url: str) -> bool:
    """Whether the database is at the newest migration (cheap: no migration environment is run)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return bool(MigrationContext.configure(conn).get_current_revision() == head())
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    if url.startswith("sqlite:///"):
        private_dir(Path(url.removeprefix("sqlite:///")).parent)
    if revision == "head" and is_current(url):
        return
    command.upgrade(alembic_config(url), revision)


def revision(url: str, message: str) -> None:
    """Autogenerate a migration (developers: ``boardkit db revision -m MESSAGE``)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
