"""Alembic environment: runs on the URL handed in by boardkit.migrate."""

from alembic import context

from boardkit.core.db import make_engine
from boardkit.schema import metadata

config = context.config
# Tables the migrations make that are no model's: the PostgreSQL search index (core/search/postgres.py).
UNMODELLED = frozenset({"search_document"})


def include_name(name: str | None, type_: str, _parent: object) -> bool:
    return not (type_ == "table" and name in UNMODELLED)


def run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
