"""Duplicate flags, computed when a claim is submitted; the approver decides each one.

A line is flagged against lines of the organisation's other submitted claims (drafts and rejected
claims do not count) and against the other lines of the same claim, when it has
- the same receipt file (sha256 of the original): ``same_file``;
- a near-identical photo of it (perceptual hash within ``DUPLICATE_DISTANCE`` bits): ``similar_photo``;
- the same amount on the same day, by the same claimant: ``same_amount_date``;
- a mileage trip on the same day along the same route, by the same claimant: ``same_route``.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.expenses import claims, rules
from boardkit.expenses.models import FLAG_DECISIONS, ExpenseClaim, ExpenseFlag, ExpenseLine
from boardkit.expenses.receipt_files import DUPLICATE_DISTANCE, hamming


def _route(line: ExpenseLine) -> tuple[str, ...]:
    return tuple(p.strip().casefold() for p in (line.from_place, *line.stops, line.to_place))


def _candidates(db: Session, claim: ExpenseClaim) -> list[tuple[ExpenseLine, ExpenseClaim]]:
    counted = ExpenseClaim.status.not_in(("draft", "rejected"))
    rows = db.execute(
        select(ExpenseLine, ExpenseClaim)
        .join(ExpenseClaim, ExpenseClaim.id == ExpenseLine.claim_id)
        .where(ExpenseClaim.organisation_id == claim.organisation_id)
        .where(or_(ExpenseClaim.id == claim.id, counted))
        .where(
            or_(
                ExpenseLine.original_sha256.is_not(None),
                ExpenseLine.phash.is_not(None),
                ExpenseClaim.claimant_id == claim.claimant_id,
            )
        )
    ).all()
    return [(line, other) for line, other in rows]


def _kinds(line: ExpenseLine, other: ExpenseLine, same_claimant: bool) -> list[str]:
    found: list[str] = []
    if line.kind == "receipt" and other.kind == "receipt":
        if line.original_sha256 and line.original_sha256 == other.original_sha256:
            found.append("same_file")
        elif line.phash and other.phash and hamming(line.phash, other.phash) <= DUPLICATE_DISTANCE:
            found.append("similar_photo")
        if (
            same_claimant
            and line.amount_ore > 0
            and line.amount_ore == other.amount_ore
            and line.spent_on == other.spent_on
        ):
            found.append("same_amount_date")
    elif (
        line.kind == "mileage"
        and other.kind == "mileage"
        and same_claimant
        and line.spent_on == other.spent_on
        and _route(line) == _route(other)
    ):
        found.append("same_route")
    return found


def compute_flags(db: Session, *, claim: ExpenseClaim) -> list[ExpenseFlag]:
    """Flag the claim's lines that look like another line (see the module's docstring)."""
    candidates = _candidates(db, claim)
    made: list[ExpenseFlag] = []
    for line in claim.lines:
        for other, other_claim in candidates:
            if other.id == line.id:
                continue
            for kind in _kinds(line, other, other_claim.claimant_id == claim.claimant_id):
                made.append(
                    ExpenseFlag(
                        claim_id=claim.id,
                        line_id=line.id,
                        kind=kind,
                        other_claim_id=other_claim.id,
                        other_line_id=other.id,
                    )
                )
    db.add_all(made)
    db.flush()
    return made


def decide_flag(
    db: Session, *, principal: Principal, claim: ExpenseClaim, flag_id: int, decision: str
) -> ExpenseFlag:
    """The administration records whether a flagged line is a duplicate (once)."""
    flag = db.get(ExpenseFlag, flag_id)
    if flag is None or flag.claim_id != claim.id:
        raise NotFound()
    if not rules.is_administration(principal, claim) or rules.is_claimant(principal, claim):
        raise Forbidden(
            _("Kun administrationen kan afgøre, om et bilag er en dublet."), code="not_administration"
        )
    if decision not in FLAG_DECISIONS:
        raise ValidationFailed(
            _("Nogle felter skal rettes."), fields={"decision": _("Vælg dublet eller ikke dublet.")}
        )
    if flag.decided_at is not None:
        raise Conflict(_("Markeringen er allerede afgjort."), code="already_decided")
    flag.decision, flag.decided_by, flag.decided_at = decision, principal.person_id, utcnow()
    db.flush()
    claims.record_event(
        db,
        claim,
        actor_id=principal.person_id,
        action="flag.decide",
        line_id=flag.line_id,
        after={"decision": decision, "other_claim": flag.other_claim_id},
        note=_("Dublet") if decision == "duplicate" else _("Ikke en dublet"),
    )
    return flag
