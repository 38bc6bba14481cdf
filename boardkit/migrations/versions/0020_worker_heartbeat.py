"""worker heartbeats for /readyz

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import boardkit.core.db

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "worker_heartbeat",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("started_at", boardkit.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seen_at", boardkit.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worker_heartbeat")),
    )
    with op.batch_alter_table("worker_heartbeat") as batch:
        batch.create_index(batch.f("ix_worker_heartbeat_seen_at"), ["seen_at"], unique=False)


def downgrade() -> None:
    op.drop_table("worker_heartbeat")
