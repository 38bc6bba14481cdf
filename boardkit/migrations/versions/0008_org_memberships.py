"""memberships: one open-ended chair per board, one open-ended membership per person and board

Existing data that breaks the rule (two open-ended chairs of a board, a person open-ended twice on
one board) is mended first: the older membership ends the day before the newer one starts (or on
its own start day, when both start the same day), so the indexes can be made.

Revision ID: 0008_org
Revises: 0008_dom
Create Date: 2026-12-05 10:00:00.000000
"""

from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0008_org"
down_revision: str | None = "0008_dom"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_CHAIR = "role = 'chair' AND end_date IS NULL"
OPEN_MEMBERSHIP = "end_date IS NULL"


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _end_older_duplicates(conn: sa.Connection, *, chairs_only: bool) -> None:
    """Per board (chairs) or per board and person, keep the newest open-ended membership open."""
    rows = conn.execute(
        sa.text(
            "SELECT id, board_id, person_id, role, start_date FROM membership WHERE end_date IS NULL "
            "ORDER BY start_date DESC, id DESC"
        )
    ).all()
    newest: dict[tuple[int, ...], date] = {}
    for row_id, board_id, person_id, role, raw_start in rows:
        if chairs_only and role != "chair":
            continue
        key = (board_id,) if chairs_only else (board_id, person_id)
        start = _as_date(raw_start)
        if key in newest:
            end = max(start, newest[key] - timedelta(days=1))
            conn.execute(
                sa.text("UPDATE membership SET end_date = :end WHERE id = :id"), {"end": end, "id": row_id}
            )
        newest[key] = start


def upgrade() -> None:
    conn = op.get_bind()
    _end_older_duplicates(conn, chairs_only=True)
    _end_older_duplicates(conn, chairs_only=False)
    op.create_index(
        "uq_membership_open_chair",
        "membership",
        ["board_id"],
        unique=True,
        sqlite_where=sa.text(OPEN_CHAIR),
        postgresql_where=sa.text(OPEN_CHAIR),
    )
    op.create_index(
        "uq_membership_open_person",
        "membership",
        ["board_id", "person_id"],
        unique=True,
        sqlite_where=sa.text(OPEN_MEMBERSHIP),
        postgresql_where=sa.text(OPEN_MEMBERSHIP),
    )


def downgrade() -> None:
    op.drop_index("uq_membership_open_person", table_name="membership")
    op.drop_index("uq_membership_open_chair", table_name="membership")
