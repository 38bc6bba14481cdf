"""Reminders of overdue onboarding steps: 7 and 14 days after a step's due day, then no more.

One notice per member and round, naming every step it reminds of (not one notice per step). A
periodic job runs it; a second run the same day finds nothing (``reminders_sent`` counts them).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from boardkit.config import Settings
from boardkit.core import notify
from boardkit.core.i18n import _, ngettext
from boardkit.onboarding.models import Assignment, Progress

KIND = "onboarding.reminders"
EVERY_SECONDS = 6 * 60 * 60
AFTER_DAYS = (7, 14)  # the first and the last reminder


def remind(db: Session, *, today: date, settings: Settings) -> int:
    """Send the reminders that are due today; returns how many notices went out."""
    first, last = (today - timedelta(days=d) for d in AFTER_DAYS)
    due = db.scalars(
        select(Progress)
        .join(Assignment, Assignment.id == Progress.assignment_id)
        .where(Progress.done_at.is_(None), Assignment.completed_at.is_(None))
        .where(
            or_(
                (Progress.reminders_sent == 0) & (Progress.due_on <= first),
                (Progress.reminders_sent == 1) & (Progress.due_on <= last),
            )
        )
        .order_by(Progress.assignment_id, Progress.id)
        .with_for_update(skip_locked=True)
    ).all()
    by_assignment: dict[int, list[Progress]] = defaultdict(list)
    for step in due:
        by_assignment[step.assignment_id].append(step)
    for steps in by_assignment.values():
        assignment = steps[0].assignment
        titles = "\n".join(f"– {s.module.title}" for s in steps)
        notify.send_notice(
            db,
            organisation_id=assignment.programme.organisation_id,
            addressees=[notify.Addressee(assignment.person_id)],
            kind="onboarding",
            subject=ngettext(
                "Påmindelse: %(num)s trin i Kom godt i gang",
                "Påmindelse: %(num)s trin i Kom godt i gang",
                len(steps),
            ),
            body=_(
                "Fristen er passeret for:\n%(steps)s\n\nDu finder dem på siden Kom godt i gang.", steps=titles
            ),
            link_path="/onboarding",
            object_type="onboarding_assignment",
            object_id=assignment.id,
            reminder_days=None,
            settings=settings,
        )
        for step in steps:
            step.reminders_sent += 1
    return len(by_assignment)
