"""expense exports

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 15:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import boardkit.core.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "expense_export",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", boardkit.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["person.id"],
            name=op.f("fk_expense_export_created_by_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_expense_export_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expense_export")),
    )
    with op.batch_alter_table("expense_export", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_expense_export_organisation_id"), ["organisation_id"], unique=False
        )
    with op.batch_alter_table("expense_claim", schema=None) as batch_op:
        batch_op.add_column(sa.Column("export_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_expense_claim_export_id"), ["export_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_expense_claim_export_id_expense_export"), "expense_export", ["export_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("expense_claim", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_expense_claim_export_id_expense_export"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_expense_claim_export_id"))
        batch_op.drop_column("export_id")
    with op.batch_alter_table("expense_export", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expense_export_organisation_id"))
    op.drop_table("expense_export")
