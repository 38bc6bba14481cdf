"""permits: kinds, cases, history, files, invoice lines and compensation maxima (issue 14)

Revision ID: 0009
Revises: 0008_perf
Create Date: 2026-12-04 20:04:56.602764
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import boardkit.core.db

revision: str = "0009"
down_revision: str | None = "0008_perf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "permit_compensation_maximum",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("amount_ore", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_permit_compensation_maximum_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permit_compensation_maximum")),
        sa.UniqueConstraint(
            "organisation_id", "valid_from", name=op.f("uq_permit_compensation_maximum_organisation_id")
        ),
    )
    with op.batch_alter_table("permit_compensation_maximum", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_permit_compensation_maximum_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "permit_kind",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("group", sa.String(length=20), nullable=False),
        sa.Column("track", sa.String(length=20), nullable=False),
        sa.Column("reestablish_on_move_out", sa.Boolean(), nullable=False),
        sa.Column("life_years", sa.Integer(), nullable=True),
        sa.Column("needs_building_permit", sa.Boolean(), nullable=False),
        sa.Column("delegated_to_board", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_permit_kind_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permit_kind")),
        sa.UniqueConstraint("organisation_id", "code", name=op.f("uq_permit_kind_organisation_id")),
    )
    with op.batch_alter_table("permit_kind", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_permit_kind_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "permit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("tenancy_id", sa.Integer(), nullable=False),
        sa.Column("kind_id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("route", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("needs_building_permit", sa.Boolean(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("decided_at", boardkit.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("taken_into_use", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("external_ref", sa.String(length=60), nullable=True),
        sa.Column("created_at", boardkit.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", boardkit.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["person.id"], name=op.f("fk_permit_applicant_id_person"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["person.id"], name=op.f("fk_permit_decided_by_person"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_permit_department_id_department")
        ),
        sa.ForeignKeyConstraint(["kind_id"], ["permit_kind.id"], name=op.f("fk_permit_kind_id_permit_kind")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_permit_organisation_id_organisation")
        ),
        sa.ForeignKeyConstraint(["tenancy_id"], ["tenancy.id"], name=op.f("fk_permit_tenancy_id_tenancy")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permit")),
    )
    with op.batch_alter_table("permit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_permit_applicant_id"), ["applicant_id"], unique=False)
        batch_op.create_index(
            "ix_permit_department_kind_status", ["department_id", "kind_id", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_permit_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index("ix_permit_status_deadline", ["status", "deadline"], unique=False)
        batch_op.create_index(batch_op.f("ix_permit_tenancy_id"), ["tenancy_id"], unique=False)

    op.create_table(
        "permit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permit_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", boardkit.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["person.id"], name=op.f("fk_permit_event_actor_id_person"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["permit.id"], name=op.f("fk_permit_event_permit_id_permit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permit_event")),
    )
    with op.batch_alter_table("permit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_permit_event_permit_id"), ["permit_id"], unique=False)

    op.create_table(
        "permit_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permit_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", boardkit.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["permit.id"], name=op.f("fk_permit_file_permit_id_permit"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["person.id"],
            name=op.f("fk_permit_file_uploaded_by_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permit_file")),
    )
    with op.batch_alter_table("permit_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_permit_file_permit_id"), ["permit_id"], unique=False)

    op.create_table(
        "permit_invoice_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permit_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("amount_ore", sa.Integer(), nullable=False),
        sa.Column("cvr", sa.String(length=12), nullable=False),
        sa.Column("vat_registered", sa.Boolean(), nullable=False),
        sa.Column("own_labour", sa.Boolean(), nullable=False),
        sa.Column("white_goods", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["permit_id"],
            ["permit.id"],
            name=op.f("fk_permit_invoice_line_permit_id_permit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permit_invoice_line")),
    )
    with op.batch_alter_table("permit_invoice_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_permit_invoice_line_permit_id"), ["permit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("permit_invoice_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_permit_invoice_line_permit_id"))

    op.drop_table("permit_invoice_line")
    with op.batch_alter_table("permit_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_permit_file_permit_id"))

    op.drop_table("permit_file")
    with op.batch_alter_table("permit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_permit_event_permit_id"))

    op.drop_table("permit_event")
    with op.batch_alter_table("permit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_permit_tenancy_id"))
        batch_op.drop_index("ix_permit_status_deadline")
        batch_op.drop_index(batch_op.f("ix_permit_organisation_id"))
        batch_op.drop_index("ix_permit_department_kind_status")
        batch_op.drop_index(batch_op.f("ix_permit_applicant_id"))

    op.drop_table("permit")
    with op.batch_alter_table("permit_kind", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_permit_kind_organisation_id"))

    op.drop_table("permit_kind")
    with op.batch_alter_table("permit_compensation_maximum", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_permit_compensation_maximum_organisation_id"))

    op.drop_table("permit_compensation_maximum")
