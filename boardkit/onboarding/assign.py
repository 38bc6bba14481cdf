"""Giving a new board member their programme when a membership starts.

The programme is the organisation's for the role (the organisation board has its own); every
published module becomes a step due ``due_days`` after the membership's start. A re-elected member
(or one moving from substitute to member) has done steps carried over when the module has not
changed since (same revision), so they get only what changed. A welcome notice goes out through
the notification service unless there is nothing new to do.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.config import Settings
from boardkit.core import notify
from boardkit.core.i18n import _
from boardkit.onboarding.models import Assignment, Module, Programme, Progress
from boardkit.onboarding.steps import refresh
from boardkit.org import service as org_service

NOTICE_KIND = "onboarding"


def programme_role(board_kind: str, role: str) -> str:
    if board_kind == "organisation_board":
        return "organisation_board"
    return role if role in ("chair", "treasurer", "substitute") else "member"


def programme_for(db: Session, *, organisation_id: int, role: str) -> Programme | None:
    return db.scalar(
        select(Programme).where(Programme.organisation_id == organisation_id, Programme.role == role)
    )


def assign(
    db: Session, membership: org_service.Membership, *, settings: Settings | None, notify_member: bool = True
) -> Assignment | None:
    """The membership's programme (once per membership); None when the organisation has none."""
    found = db.scalar(select(Assignment).where(Assignment.membership_id == membership.id))
    if found is not None:
        return found
    board = db.get(org_service.Board, membership.board_id)
    assert board is not None
    programme = programme_for(
        db, organisation_id=board.organisation_id, role=programme_role(board.kind, membership.role)
    )
    modules = [m for m in programme.modules if m.published] if programme else []
    if programme is None or not modules:
        return None
    done_before = {
        module_id: (revision, done_at, done_by)
        for module_id, revision, done_at, done_by in db.execute(
            select(Progress.module_id, Progress.revision, Progress.done_at, Progress.done_by)
            .join(Assignment, Assignment.id == Progress.assignment_id)
            .where(Assignment.person_id == membership.person_id, Progress.done_at.is_not(None))
            .order_by(Progress.done_at)
        )
    }
    assignment = Assignment(
        person_id=membership.person_id,
        membership_id=membership.id,
        programme_id=programme.id,
        board_id=board.id,
        started_on=membership.start_date,
    )
    db.add(assignment)
    db.flush()
    new = 0
    for module in modules:
        step = Progress(
            assignment_id=assignment.id,
            module_id=module.id,
            revision=module.revision,
            due_on=membership.start_date + timedelta(days=module.due_days),
        )
        before = done_before.get(module.id)
        if before is not None and before[0] == module.revision:
            step.done_at, step.done_by = before[1], before[2]
        else:
            new += 1
        db.add(step)
    refresh(db, assignment)
    if new and notify_member and settings is not None:
        notify.send_notice(
            db,
            organisation_id=board.organisation_id,
            addressees=[notify.Addressee(membership.person_id)],
            kind=NOTICE_KIND,
            subject=_("Velkommen i %(board)s", board=board.name),
            body=_(
                "Kom godt i gang: %(title)s har %(count)s trin – videoer, læsestof og en erklæring. "
                "Du kan se dem og din fremgang på siden Kom godt i gang.",
                title=programme.title,
                count=new,
            ),
            link_path="/onboarding",
            object_type="onboarding_assignment",
            object_id=assignment.id,
            settings=settings,
        )
    return assignment


def published_modules(db: Session, programme_id: int) -> list[Module]:
    return list(
        db.scalars(
            select(Module)
            .where(Module.programme_id == programme_id, Module.published)
            .order_by(Module.position, Module.id)
        )
    )
