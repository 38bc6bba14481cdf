"""memberships: exact moments (starts_at, ends_at) beside the dates, and when the end's effects ran

Existing memberships get the moments their dates stand for: local midnight (Europe/Copenhagen)
starting the start date, and the local midnight after the (inclusive) end date. A membership that
has already ended is marked as having had its end's effects, so nothing runs retroactively.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-10 10:00:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import boardkit.core.db

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = ZoneInfo("Europe/Copenhagen")


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=TZ).astimezone(UTC)


def upgrade() -> None:
    moment = boardkit.core.db.UTCDateTime(timezone=True)
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(sa.Column("starts_at", moment, nullable=True))
        batch_op.add_column(sa.Column("ends_at", moment, nullable=True))
        batch_op.add_column(sa.Column("ended_effects_at", moment, nullable=True))

    membership = sa.table(
        "membership",
        sa.column("id", sa.Integer()),
        sa.column("starts_at", moment),
        sa.column("ends_at", moment),
        sa.column("ended_effects_at", moment),
    )
    conn = op.get_bind()
    now = datetime.now(UTC)
    rows = conn.execute(sa.text("SELECT id, start_date, end_date FROM membership")).all()
    values = []
    for row_id, raw_start, raw_end in rows:
        ends_at = None if raw_end is None else _midnight(_as_date(raw_end) + timedelta(days=1))
        values.append(
            {
                "row_id": row_id,
                "starts_at": _midnight(_as_date(raw_start)),
                "ends_at": ends_at,
                "ended_effects_at": now if ends_at is not None and ends_at <= now else None,
            }
        )
    if values:
        conn.execute(
            membership.update()
            .where(membership.c.id == sa.bindparam("row_id"))
            .values(
                starts_at=sa.bindparam("starts_at"),
                ends_at=sa.bindparam("ends_at"),
                ended_effects_at=sa.bindparam("ended_effects_at"),
            ),
            values,
        )

    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.alter_column("starts_at", existing_type=moment, nullable=False)
        batch_op.create_index(batch_op.f("ix_membership_ends_at"), ["ends_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_ends_at"))
        batch_op.drop_column("ended_effects_at")
        batch_op.drop_column("ends_at")
        batch_op.drop_column("starts_at")
