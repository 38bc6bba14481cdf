"""the PostgreSQL search index (issue 19)

On PostgreSQL, the table of ``core/search/postgres.py``: one row per searchable document, with a
generated ``tsvector`` (title weight A, text weight B, the built-in ``danish`` configuration) and
the permission scopes as ``text[]``, each with a GIN index. It is an index, not a model (like the
whoosh files it replaces there), so ``boardkit.migrations.env`` leaves it out of the comparison
with the models. On SQLite nothing: the whoosh index lives under the data directory.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE TABLE search_document (
            key text NOT NULL,
            grp text NOT NULL,
            kind text NOT NULL,
            doc_id bigint NOT NULL,
            title text NOT NULL,
            body text NOT NULL,
            scopes text[] NOT NULL,
            route text NOT NULL,
            params jsonb NOT NULL,
            anchor text NOT NULL DEFAULT '',
            date timestamptz,
            tsv tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('danish'::regconfig, title), 'A')
                || setweight(to_tsvector('danish'::regconfig, body), 'B')
            ) STORED,
            CONSTRAINT pk_search_document PRIMARY KEY (key)
        )
        """
    )
    # Kept in the row (compressed) where it fits: every candidate of a search is checked against it.
    op.execute("ALTER TABLE search_document ALTER COLUMN tsv SET STORAGE MAIN")
    # lz4 where the server has it: pglz compressing each tsvector costs a third of the indexing.
    lz4 = op.get_bind().exec_driver_sql(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    )
    if lz4.scalar():
        op.execute("ALTER TABLE search_document ALTER COLUMN tsv SET COMPRESSION lz4")
        op.execute("ALTER TABLE search_document ALTER COLUMN body SET COMPRESSION lz4")
    op.execute("CREATE INDEX ix_search_document_grp ON search_document (grp)")
    op.execute("CREATE INDEX ix_search_document_scopes ON search_document USING gin (scopes)")
    op.execute("CREATE INDEX ix_search_document_tsv ON search_document USING gin (tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE IF EXISTS search_document")
