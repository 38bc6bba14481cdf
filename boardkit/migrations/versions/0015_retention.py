"""retention: when the material of a closed person or complaint case was deleted; the permits'
own retention job is now core's nightly retention job

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import boardkit.core.db

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agenda_item") as batch:
        batch.add_column(sa.Column("material_deleted_at", boardkit.core.db.UTCDateTime(timezone=True)))
    # A waiting job of the old kind would find no handler any more.
    op.execute("DELETE FROM job WHERE kind = 'permits.retention' AND status IN ('queued', 'running')")


def downgrade() -> None:
    with op.batch_alter_table("agenda_item") as batch:
        batch.drop_column("material_deleted_at")
