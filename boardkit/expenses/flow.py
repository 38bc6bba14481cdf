"""The way of a claim: draft → submitted → attested → approved or rejected → exported → paid.

The attester (the chair; the treasurer for the chair's own claims) is e-mailed when a claim is
submitted, and may send it back to the claimant as a draft or reject it, each with a reason.

Each step locks the claim's row (two approvers at once: the second sees the first's step and gets
409), is written to the claim's history, and tells the claimant by e-mail. Rules in ``rules.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import delete
from sqlalchemy.orm import Session

from boardkit.core import audit, mail
from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict, Forbidden, ValidationFailed
from boardkit.core.i18n import _, ngettext
from boardkit.core.permissions import Principal
from boardkit.expenses import claims, flags, mileage, rules
from boardkit.expenses.models import APPROVED, ExpenseClaim, ExpenseFlag
from boardkit.org import service as org_service

LinkFn = Callable[[int], str]  # claim id → absolute URL of its page


def _own_claim(principal: Principal, claim: ExpenseClaim, message: str) -> None:
    if rules.is_claimant(principal, claim):
        raise Forbidden(message, code="own_claim")


def submit_claim(
    db: Session, *, principal: Principal, claim_id: int, secret_key: str, link: LinkFn | None = None
) -> ExpenseClaim:
    """The claimant sends the draft for attestation; duplicate flags are computed now."""
    claim = claims.get_claim(db, principal=principal, claim_id=claim_id, lock=True)
    if not rules.is_claimant(principal, claim):
        raise Forbidden(_("Kun den, der har lagt ud, kan sende udlægget."), code="not_claimant")
    if claim.status != "draft":
        raise Conflict(_("Udlægget er allerede sendt."), code="already_submitted")
    errors: dict[str, str] = {}
    if not claim.lines:
        errors["lines"] = _("Tilføj mindst ét bilag eller én kørsel.")
    missing = [
        str(n) for n, line in enumerate(claim.lines, 1) if line.kind == "receipt" and not line.amount_ore
    ]
    if missing:
        errors["lines"] = _("Udfyld dato og beløb på bilag %(lines)s.", lines=", ".join(missing))
    if claims.bank_details(claim, secret_key=secret_key) is None:
        errors["bank_account"] = _("Skriv den konto, pengene skal udbetales til.")
    if errors:
        raise ValidationFailed(_("Udlægget kan ikke sendes endnu."), fields=errors)
    for line in claim.lines:
        if line.kind == "mileage":  # earlier lines may have been deleted or rejected since
            mileage.price_line(db, line=line, claimant_id=claim.claimant_id)
    claims.refresh_total(claim)
    claim.status, claim.submitted_at = "submitted", utcnow()
    db.flush()
    found = flags.compute_flags(db, claim=claim)
    note = ngettext("%(num)s mulig dublet", "%(num)s mulige dubletter", len(found)) if found else ""
    _step(db, claim, principal, "submit", note=note, link=link)
    notify_attesters(db, claim=claim, link=link)
    return claim


def attester_role_for(db: Session, claim: ExpenseClaim) -> str:
    """Who attests this claim: the chair, or the treasurer when the claimant is the chair."""
    now = utcnow()
    members = org_service.list_board_members(db, board_id=claim.board_id)
    claimant_role = next(
        (m.role for m in members if m.person_id == claim.claimant_id and m.active_at(now)), None
    )
    return rules.attester_role(claimant_role)


def is_attester(db: Session, principal: Principal, claim: ExpenseClaim) -> bool:
    """The principal is the one to attest (or send back, or reject) this claim."""
    if rules.is_claimant(principal, claim):
        return False
    return principal.board_roles.get(claim.board_id) == attester_role_for(db, claim)


def _check_attester(db: Session, principal: Principal, claim: ExpenseClaim) -> None:
    if not is_attester(db, principal, claim):
        message = (
            _("Kassereren attesterer formandens udlæg.")
            if attester_role_for(db, claim) == "treasurer"
            else _("Kun bestyrelsens formand kan attestere udlæg.")
        )
        raise Forbidden(message, code="not_attester")


def attest_claim(
    db: Session, *, principal: Principal, claim_id: int, link: LinkFn | None = None
) -> ExpenseClaim:
    """The board's chair attests (the treasurer when the claim is the chair's own)."""
    claim = claims.get_claim(db, principal=principal, claim_id=claim_id, lock=True)
    _own_claim(principal, claim, _("Du kan ikke attestere dit eget udlæg."))
    _check_attester(db, principal, claim)
    if claim.status != "submitted":
        raise Conflict(
            _("Udlægget er ikke til attestation (status: %(s)s).", s=rules.status_name(claim.status)),
            code="not_submitted",
        )
    claim.status, claim.attested_at, claim.attested_by = "attested", utcnow(), principal.person_id
    _step(db, claim, principal, "attest", link=link)
    return claim


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason or len(reason) > 5000:
        raise ValidationFailed(
            _("Nogle felter skal rettes."),
            fields={
                "reason": _("Skriv en begrundelse (højst 5.000 tegn). Den, der har lagt ud, får den at se.")
            },
        )
    return reason


def return_claim(
    db: Session, *, principal: Principal, claim_id: int, reason: str, link: LinkFn | None = None
) -> ExpenseClaim:
    """The attester sends a submitted claim back to the claimant as a draft, with the reason.

    The claimant corrects it and submits again (duplicates are looked for anew then, so the flags of
    this submission go). The reason is in the history and in the claimant's e-mail."""
    claim = claims.get_claim(db, principal=principal, claim_id=claim_id, lock=True)
    _own_claim(principal, claim, _("Du kan ikke sende dit eget udlæg tilbage."))
    _check_attester(db, principal, claim)
    reason = _reason(reason)
    if claim.status != "submitted":
        raise Conflict(
            _(
                "Kun et udlæg til attestation kan sendes tilbage (status: %(s)s).",
                s=rules.status_name(claim.status),
            ),
            code="not_submitted",
        )
    db.execute(delete(ExpenseFlag).where(ExpenseFlag.claim_id == claim.id))
    claim.status, claim.submitted_at = "draft", None
    _step(db, claim, principal, "return", note=reason, link=link, event="returned", reason=reason)
    return claim


def _check_administration(principal: Principal, claim: ExpenseClaim) -> None:
    if not rules.is_administration(principal, claim):
        raise Forbidden(_("Kun administrationen kan godkende eller afvise udlæg."), code="not_administration")


def approve_claim(
    db: Session, *, principal: Principal, claim_id: int, link: LinkFn | None = None
) -> ExpenseClaim:
    """The administration approves; above the organisation's limit two different people must."""
    claim = claims.get_claim(db, principal=principal, claim_id=claim_id, lock=True)
    _check_administration(principal, claim)
    _own_claim(principal, claim, _("Du kan ikke godkende dit eget udlæg."))
    if claim.status in APPROVED:
        raise Conflict(_("Udlægget er allerede godkendt."), code="already_approved")
    if claim.status != "attested":
        raise Conflict(_("Udlægget skal attesteres, før det kan godkendes."), code="not_attested")
    if claim.first_approved_by == principal.person_id:
        raise Conflict(
            _("Du har allerede godkendt. Udlægget skal godkendes af en anden i administrationen."),
            code="already_approved",
        )
    organisation = db.get(org_service.Organisation, claim.organisation_id)
    limit = rules.second_approval_limit(organisation.rules if organisation else {})
    now = utcnow()
    if claim.total_ore > limit and claim.first_approved_by is None:
        claim.first_approved_at, claim.first_approved_by = now, principal.person_id
        claims.record_event(
            db,
            claim,
            actor_id=principal.person_id,
            action="approve.first",
            note=_("Første godkendelse; udlægget skal godkendes af en til."),
        )
        return claim
    claim.status, claim.approved_at, claim.approved_by = "approved", now, principal.person_id
    _step(db, claim, principal, "approve", link=link)
    return claim


def reject_claim(
    db: Session, *, principal: Principal, claim_id: int, reason: str, link: LinkFn | None = None
) -> ExpenseClaim:
    """Reject with a reason: the administration (submitted or attested), or the attester while the
    claim waits for attestation. It ends there; the claimant is told why."""
    claim = claims.get_claim(db, principal=principal, claim_id=claim_id, lock=True)
    _own_claim(principal, claim, _("Du kan ikke afvise dit eget udlæg."))
    administration = rules.is_administration(principal, claim)
    if not administration and not (claim.status == "submitted" and is_attester(db, principal, claim)):
        raise Forbidden(
            _("Kun den, der attesterer, eller administrationen kan afvise udlæg."), code="not_administration"
        )
    reason = _reason(reason)
    if claim.status not in ("submitted", "attested"):
        raise Conflict(
            _("Udlægget kan ikke afvises nu (status: %(s)s).", s=rules.status_name(claim.status)),
            code="not_open",
        )
    claim.status, claim.rejected_at, claim.rejected_by = "rejected", utcnow(), principal.person_id
    claim.reject_reason = reason
    by = "administration" if administration else "board"
    _step(db, claim, principal, "reject", note=reason, link=link, reason=reason, rejected_by=by)
    return claim


def mark_exported(
    db: Session, *, principal: Principal, claim_id: int, link: LinkFn | None = None
) -> ExpenseClaim:
    claim = claims.get_claim(db, principal=principal, claim_id=claim_id, lock=True)
    _check_administration(principal, claim)
    if claim.status != "approved":
        raise Conflict(_("Kun godkendte udlæg kan eksporteres."), code="not_approved")
    claim.status, claim.exported_at = "exported", utcnow()
    _step(db, claim, principal, "export", link=link)
    return claim


def mark_paid(
    db: Session, *, principal: Principal, claim_id: int, link: LinkFn | None = None
) -> ExpenseClaim:
    claim = claims.get_claim(db, principal=principal, claim_id=claim_id, lock=True)
    _check_administration(principal, claim)
    if claim.status != "exported":
        raise Conflict(
            _("Udlægget skal eksporteres til bogføringen, før det er betalt."), code="not_exported"
        )
    claim.status, claim.paid_at = "paid", utcnow()
    _step(db, claim, principal, "pay", link=link)
    return claim


def delete_claim(db: Session, *, principal: Principal, claim_id: int, today: date | None = None) -> None:
    """A draft is the claimant's to delete; a submitted claim is a voucher, kept 5 years (409 before)."""
    claim = claims.get_claim(db, principal=principal, claim_id=claim_id, lock=True)
    organisation = db.get(org_service.Organisation, claim.organisation_id)
    keep_until = rules.retained_until(claim, organisation.rules if organisation else None)
    if keep_until is None:
        if not rules.is_claimant(principal, claim):
            raise Forbidden(_("Kun den, der har lagt ud, kan slette sin kladde."), code="not_claimant")
    else:
        if (today or rules.today()) < keep_until:
            raise Conflict(
                _(
                    "Udlægget er et bilag i regnskabet og skal gemmes til og med %(year)s.",
                    year=keep_until.year - 1,
                ),
                code="retention",
            )
        _check_administration(principal, claim)
    audit.record(
        db,
        actor_id=principal.person_id,
        action="expense.delete",
        obj=claim,
        organisation_id=claim.organisation_id,
        summary=claim.purpose[:200],
    )
    db.delete(claim)
    db.flush()


def _step(
    db: Session,
    claim: ExpenseClaim,
    principal: Principal,
    action: str,
    *,
    note: str = "",
    link: LinkFn | None,
    event: str | None = None,
    reason: str = "",
    rejected_by: str = "",
) -> None:
    claim.updated_at = utcnow()
    db.flush()
    claims.record_event(
        db, claim, actor_id=principal.person_id, action=action, after={"status": claim.status}, note=note
    )
    notify(db, claim=claim, link=link, event=event, reason=reason, rejected_by=rejected_by)


def notify(
    db: Session,
    *,
    claim: ExpenseClaim,
    link: LinkFn | None = None,
    event: str | None = None,
    reason: str = "",
    rejected_by: str = "",
) -> None:
    """Tell the claimant where their claim stands (by e-mail, when we have an address).

    ``event`` is what happened when the status alone does not say it (``returned``: back as a draft)."""
    person = org_service.get_person(db, person_id=claim.claimant_id)
    if not person.email or not person.active:
        return
    mail.queue_mail(
        db,
        to=mail.Recipient(person.email, person.name, person.language, person.id),
        template="expense_status",
        context={
            "name": person.name,
            "status": event or claim.status,
            "claim_id": claim.id,
            "purpose": claim.purpose,
            "total_ore": claim.total_ore,
            "reason": reason or claim.reject_reason,
            "rejected_by": rejected_by,
            "link": link(claim.id) if link else "",
        },
        organisation_id=claim.organisation_id,
    )


def notify_attesters(db: Session, *, claim: ExpenseClaim, link: LinkFn | None = None) -> int:
    """Tell whoever attests (the chair; the treasurer for the chair's own claims) that a claim waits
    for them; returns how many were told. Nobody holding the role (or no address) means no e-mail:
    the claim is on their list on the expenses page and the dashboard all the same."""
    needed = attester_role_for(db, claim)
    now = utcnow()
    claimant = org_service.get_person(db, person_id=claim.claimant_id)
    board = org_service.get_boards(db, ids=[claim.board_id]).get(claim.board_id)
    told = 0
    for m in org_service.list_board_members(db, board_id=claim.board_id):
        person = m.person
        if m.role != needed or not m.active_at(now) or person.id == claim.claimant_id:
            continue
        if not person.email or not person.active:
            continue
        mail.queue_mail(
            db,
            to=mail.Recipient(person.email, person.name, person.language, person.id),
            template="expense_to_attest",
            context={
                "name": person.name,
                "claimant": claimant.name,
                "board": board.name if board else "",
                "claim_id": claim.id,
                "purpose": claim.purpose,
                "total_ore": claim.total_ore,
                "link": link(claim.id) if link else "",
            },
        )
        told += 1
    return told
