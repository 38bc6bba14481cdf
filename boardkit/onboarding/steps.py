"""Marking a step of a member's programme done, and the programme complete when every step is."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.db import utcnow
from boardkit.onboarding.models import Assignment, Progress


def mark_done(db: Session, progress: Progress, *, by: int | None) -> None:
    if progress.done_at is None:
        progress.done_at, progress.done_by = utcnow(), by
    refresh(db, progress.assignment)


def refresh(db: Session, assignment: Assignment) -> None:
    """The assignment is complete when every step is done (and open again when one is reopened)."""
    db.flush()
    open_steps = db.scalar(
        select(Progress.id)
        .where(Progress.assignment_id == assignment.id, Progress.done_at.is_(None))
        .limit(1)
    )
    if open_steps is None and assignment.completed_at is None:
        assignment.completed_at = utcnow()
    elif open_steps is not None:
        assignment.completed_at = None
