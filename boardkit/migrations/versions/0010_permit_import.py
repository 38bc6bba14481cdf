"""permits: an imported case is unique by the administration system's number (issue 14, import);
organisations made before permits get the default kinds (so no page has to write them on a read)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 21:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from boardkit.permits.catalogue import DEFAULT_KINDS

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("permit", schema=None) as batch_op:
        batch_op.create_index(
            "uq_permit_organisation_external_ref", ["organisation_id", "external_ref"], unique=True
        )
    bind = op.get_bind()
    kind = sa.table(
        "permit_kind",
        *(sa.column(c) for c in ("organisation_id", "code", "name", "group", "track")),
        *(sa.column(c) for c in ("reestablish_on_move_out", "life_years", "needs_building_permit")),
        *(sa.column(c) for c in ("delegated_to_board", "active", "position")),
    )
    without = bind.execute(
        sa.text("SELECT id FROM organisation WHERE id NOT IN (SELECT organisation_id FROM permit_kind)")
    ).scalars()
    rows = [
        {
            "organisation_id": organisation_id,
            "code": k.code,
            "name": k.name,
            "group": k.group,
            "track": k.track.value,
            "reestablish_on_move_out": k.reestablish,
            "life_years": k.life_years,
            "needs_building_permit": k.building_permit,
            "delegated_to_board": False,
            "active": True,
            "position": position,
        }
        for organisation_id in list(without)
        for position, k in enumerate(DEFAULT_KINDS)
    ]
    if rows:
        op.bulk_insert(kind, rows)


def downgrade() -> None:
    with op.batch_alter_table("permit", schema=None) as batch_op:
        batch_op.drop_index("uq_permit_organisation_external_ref")
