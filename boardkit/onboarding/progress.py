"""A member's way through their programme, and who sees it.

The member sees their own steps; the board's chair (and vice chair) and the administration see each
member's progress — the share done and what is missing — but never a ranking; other members see
only their own. A video is done when 90% of it has been watched (the page posts how far the player
got) or with the "Markér som set" button; a declaration when its current version is signed; a
task is ticked by the member or, where the module says so, by the chair.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from boardkit.core.errors import Conflict, NotFound
from boardkit.core.i18n import _
from boardkit.core.permissions import MANAGING_ROLES, Principal
from boardkit.onboarding.models import Assignment, Module, Progress
from boardkit.onboarding.steps import mark_done
from boardkit.org import service as org_service

WATCHED_SHARE = 0.9


@dataclass(frozen=True)
class Step:
    progress: Progress
    module: Module
    overdue: bool

    @property
    def done(self) -> bool:
        return self.progress.done_at is not None


@dataclass(frozen=True)
class Programme:
    assignment: Assignment
    steps: list[Step]

    @property
    def done(self) -> int:
        return sum(1 for s in self.steps if s.done)

    @property
    def percent(self) -> int:
        return round(100 * self.done / len(self.steps)) if self.steps else 100

    @property
    def missing(self) -> list[Step]:
        return [s for s in self.steps if not s.done]


def _steps(assignment: Assignment, today: date) -> list[Step]:
    rows = sorted(assignment.steps, key=lambda p: (p.module.position, p.module_id))
    return [Step(p, p.module, p.done_at is None and p.due_on < today) for p in rows]


def _loaded() -> tuple[object, ...]:
    return (
        selectinload(Assignment.steps).joinedload(Progress.module).joinedload(Module.video),
        joinedload(Assignment.programme),
    )


def my_programmes(db: Session, *, person_id: int, today: date) -> list[Programme]:
    """The person's assignments, newest first (usually one)."""
    assignments = db.scalars(
        select(Assignment)
        .options(*_loaded())  # type: ignore[arg-type]
        .where(Assignment.person_id == person_id)
        .order_by(Assignment.started_on.desc(), Assignment.id.desc())
    ).unique()
    return [Programme(a, _steps(a, today)) for a in assignments]


def current(db: Session, *, person_id: int, today: date) -> Programme | None:
    """The programme to show on the dashboard: the newest one not yet done."""
    return next((p for p in my_programmes(db, person_id=person_id, today=today) if p.missing), None)


def may_follow(principal: Principal, board: org_service.Board) -> bool:
    """The chair (and vice chair) of the board and the administration follow its members."""
    if board.organisation_id in principal.staff_organisation_ids:
        return True
    if board.department_id is not None and board.department_id in principal.staff_department_ids:
        return True
    return principal.board_roles.get(board.id) in MANAGING_ROLES


def board_status(
    db: Session, *, principal: Principal, board_id: int, today: date
) -> list[tuple[str, Programme]]:
    """Each member's programme on the board, by name (not by progress: no ranking)."""
    board = db.get(org_service.Board, board_id)
    if board is None or not may_follow(principal, board):
        raise NotFound()
    assignments = list(
        db.scalars(
            select(Assignment).options(*_loaded()).where(Assignment.board_id == board_id)  # type: ignore[arg-type]
        ).unique()
    )
    people = {
        i: p.name for i, p in org_service.get_people(db, ids=[a.person_id for a in assignments]).items()
    }
    found = [(people.get(a.person_id, ""), Programme(a, _steps(a, today))) for a in assignments]
    return sorted(found, key=lambda pair: pair[0].casefold())


def _step(db: Session, principal: Principal, progress_id: int) -> Progress:
    """A step of the principal's own programme, locked for the update (404 for anyone else's)."""
    progress = db.get(Progress, progress_id, with_for_update=True)
    if progress is None or principal.person_id is None:
        raise NotFound()
    if progress.assignment.person_id != principal.person_id:
        board = db.get(org_service.Board, progress.assignment.board_id)
        chair_ticks = progress.module.kind == "task" and progress.module.tick_by == "chair"
        if not (chair_ticks and board is not None and may_follow(principal, board)):
            raise NotFound()
    return progress


def record(
    db: Session,
    *,
    principal: Principal,
    progress_id: int,
    seconds_watched: float | None = None,
    done: bool = False,
) -> Progress:
    """How far a video got (done at 90%), or a step marked done; marking done again changes nothing."""
    progress = _step(db, principal, progress_id)
    module = progress.module
    if seconds_watched is not None:
        if module.kind != "video" or module.video is None:
            raise Conflict(_("Kun en video kan ses."), code="not_a_video")
        if not 0 <= seconds_watched < 10**7:
            raise Conflict(_("Ugyldig afspilningstid."), code="invalid_seconds")
        watched = min(float(seconds_watched), module.video.duration)
        progress.seconds_watched = max(progress.seconds_watched, watched)
        if progress.seconds_watched >= WATCHED_SHARE * module.video.duration:
            mark_done(db, progress, by=principal.person_id)
    if done and progress.done_at is None:
        if module.kind == "declaration":
            raise Conflict(
                _("En erklæring er først gennemført, når du har underskrevet den."), code="sign_first"
            )
        if (
            module.kind == "task"
            and module.tick_by == "chair"
            and progress.assignment.person_id == principal.person_id
        ):
            raise Conflict(_("Formanden markerer denne opgave som gjort."), code="chair_ticks")
        mark_done(db, progress, by=principal.person_id)
    return progress


def step_of_module(db: Session, *, person_id: int, module_id: int) -> int:
    """The person's step for a module (in their newest programme that has it); 404 when none."""
    found = db.scalar(
        select(Progress.id)
        .join(Assignment, Assignment.id == Progress.assignment_id)
        .where(Assignment.person_id == person_id, Progress.module_id == module_id)
        .order_by(Assignment.started_on.desc(), Assignment.id.desc())
        .limit(1)
    )
    if found is None:
        raise NotFound()
    return found


def one_step(db: Session, *, progress_id: int, today: date) -> Step:
    progress = db.get(Progress, progress_id)
    assert progress is not None
    return Step(progress, progress.module, progress.done_at is None and progress.due_on < today)
