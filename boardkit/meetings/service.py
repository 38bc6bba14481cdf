"""Meeting services."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from boardkit.core.db import utcnow
from boardkit.meetings.models import Meeting


def upcoming_by_board(
    db: Session, *, board_ids: Iterable[int], per_board: int = 3, now: datetime | None = None
) -> dict[int, list[Meeting]]:
    """The next few meetings of each board, in one query (a window over the boards)."""
    ids = list(board_ids)
    if not ids:
        return {}
    now = now or utcnow()
    ranked = (
        select(
            Meeting.id,
            func.row_number().over(partition_by=Meeting.board_id, order_by=Meeting.starts_at).label("n"),
        )
        .where(Meeting.board_id.in_(ids), Meeting.ends_at >= now, Meeting.status != "cancelled")
        .subquery()
    )
    meetings = db.scalars(
        select(Meeting)
        .join(ranked, ranked.c.id == Meeting.id)
        .where(ranked.c.n <= per_board)
        .order_by(Meeting.starts_at)
    )
    result: dict[int, list[Meeting]] = defaultdict(list)
    for m in meetings:
        result[m.board_id].append(m)
    return result
