"""Lists to work from: the administration's approval queue and the claims a chair is to attest."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from boardkit.core.permissions import Principal
from boardkit.expenses import rules
from boardkit.expenses.models import ExpenseClaim, ExpenseFlag
from boardkit.org import service as org_service

QUEUE_STATUSES = ("attested", "submitted", "approved", "rejected", "exported", "paid")


@dataclass(frozen=True)
class QueueRow:
    claim: ExpenseClaim
    claimant: str
    board: str
    open_flags: int


def _administered(principal: Principal) -> list[object]:
    seen: list[object] = []
    if principal.staff_organisation_ids:
        seen.append(ExpenseClaim.organisation_id.in_(principal.staff_organisation_ids))
    if principal.staff_department_ids:
        seen.append(ExpenseClaim.department_id.in_(principal.staff_department_ids))
    return seen


def _open_flags(db: Session, claim_ids: list[int]) -> dict[int, int]:
    if not claim_ids:
        return {}
    rows = db.execute(
        select(ExpenseFlag.claim_id, func.count())
        .where(ExpenseFlag.claim_id.in_(claim_ids), ExpenseFlag.decided_at.is_(None))
        .group_by(ExpenseFlag.claim_id)
    )
    return {claim_id: count for claim_id, count in rows}


def _rows(db: Session, claims: list[ExpenseClaim]) -> list[QueueRow]:
    people = org_service.get_people(db, ids={c.claimant_id for c in claims})
    boards = {i: b.name for i, b in org_service.get_boards(db, ids={c.board_id for c in claims}).items()}
    flags = _open_flags(db, [c.id for c in claims])
    return [
        QueueRow(
            claim=c,
            claimant=people[c.claimant_id].name if c.claimant_id in people else "",
            board=boards.get(c.board_id, ""),
            open_flags=flags.get(c.id, 0),
        )
        for c in claims
    ]


def list_queue(
    db: Session,
    *,
    principal: Principal,
    status: str = "attested",
    board_id: int | None = None,
    flagged: bool = False,
    before_id: int | None = None,
    limit: int = 25,
) -> list[QueueRow]:
    """The administration's claims in one status, oldest first within a page of ``limit``."""
    seen = _administered(principal)
    if not seen:
        return []
    q = select(ExpenseClaim).where(or_(*seen), ExpenseClaim.status == status)  # type: ignore[arg-type]
    if board_id:
        q = q.where(ExpenseClaim.board_id == board_id)
    if flagged:
        q = q.where(
            select(ExpenseFlag.id)
            .where(ExpenseFlag.claim_id == ExpenseClaim.id, ExpenseFlag.decided_at.is_(None))
            .exists()
        )
    if before_id:
        q = q.where(ExpenseClaim.id < before_id)
    q = q.order_by(ExpenseClaim.id.desc()).limit(limit).options(selectinload(ExpenseClaim.account))
    return _rows(db, list(db.scalars(q)))


def count_queue(db: Session, *, principal: Principal) -> dict[str, int]:
    """How many of the administration's claims are in each open status."""
    seen = _administered(principal)
    if not seen:
        return {}
    rows = db.execute(
        select(ExpenseClaim.status, func.count())
        .where(or_(*seen), ExpenseClaim.status.in_(("submitted", "attested", "approved")))  # type: ignore[arg-type]
        .group_by(ExpenseClaim.status)
    )
    return {status: count for status, count in rows}


def awaiting_attestation(db: Session, *, principal: Principal) -> list[QueueRow]:
    """Submitted claims this person is the one to attest: the chair's boards (the treasurer: the chair's)."""
    boards = [b for b, role in principal.board_roles.items() if role in ("chair", "treasurer")]
    if not boards:
        return []
    claims = list(
        db.scalars(
            select(ExpenseClaim)
            .where(ExpenseClaim.board_id.in_(boards), ExpenseClaim.status == "submitted")
            .order_by(ExpenseClaim.id)
            .options(selectinload(ExpenseClaim.account))
        )
    )
    mine = []
    for claim in claims:
        if rules.is_claimant(principal, claim):
            continue
        chair_ids = {
            m.person_id
            for m in org_service.list_board_members(db, board_id=claim.board_id)
            if m.role == "chair"
        }
        needed = rules.attester_role("chair" if claim.claimant_id in chair_ids else None)
        if principal.board_roles.get(claim.board_id) == needed:
            mine.append(claim)
    return _rows(db, mine)
