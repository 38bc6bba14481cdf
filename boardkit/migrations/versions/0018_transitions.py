"""board changes: transitions of memberships (elections, substitutes moving up, resignations,
move-outs) and a substitute's place in line

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import boardkit.core.db

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("membership") as batch:
        batch.add_column(sa.Column("position", sa.Integer(), nullable=True))
    op.create_table(
        "membership_transition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("effective_at", boardkit.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("created_at", boardkit.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", boardkit.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["board.id"],
            name=op.f("fk_membership_transition_board_id_board"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["person.id"],
            name=op.f("fk_membership_transition_decided_by_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_membership_transition_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_transition")),
        sa.UniqueConstraint("board_id", "key", name=op.f("uq_membership_transition_board_id")),
    )
    op.create_index(
        op.f("ix_membership_transition_board_id"), "membership_transition", ["board_id"], unique=False
    )
    op.create_index(
        op.f("ix_membership_transition_organisation_id"),
        "membership_transition",
        ["organisation_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_membership_transition_organisation_id"), table_name="membership_transition")
    op.drop_index(op.f("ix_membership_transition_board_id"), table_name="membership_transition")
    op.drop_table("membership_transition")
    with op.batch_alter_table("membership") as batch:
        batch.drop_column("position")
