"""Deciding a case, and the periodic job that lets an unanswered report pass by silence.

Outcomes: ``approve`` (with or without conditions), ``reject`` (a reason is required, and the
letter names the appeal route: beboerklagenævnet), ``more_info`` (the resident is asked for
more; the case waits). A dog of a banned breed is never approved; an assistance dog is never
refused on house-rule grounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from boardkit.config import Settings
from boardkit.core import audit
from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.org import service as org_service
from boardkit.permits import catalogue, lookup
from boardkit.permits.cases import event, tell
from boardkit.permits.deadlines import Route
from boardkit.permits.models import WAITING, Permit, PermitEvent

OUTCOMES = ("approve", "reject", "more_info")
GROUNDS = ("house_rules", "other")
APPEAL = "beboerklagenævnet"
LAPSE_KIND = "permits.lapse"
LAPSE_EVERY_SECONDS = 60 * 60
LAPSE_BATCH = 2000


@dataclass(frozen=True)
class Decision:
    outcome: str
    reason: str = ""
    conditions: str = ""
    grounds: str = "other"  # a refusal's grounds: the house rules, or other (e.g. the building)


def decide(
    db: Session, *, principal: Principal, permit_id: int, decision: Decision, settings: Settings
) -> Permit:
    permit = lookup.get_permit(db, principal=principal, permit_id=permit_id, lock=True)
    if not lookup.may_decide(principal, permit):
        raise NotFound()
    if decision.outcome not in OUTCOMES:
        raise ValidationFailed(_("Vælg en afgørelse."), fields={"outcome": "invalid"})
    if permit.status not in WAITING:
        raise Conflict(_("Sagen er allerede afgjort."), code="permit_decided")
    if permit.route == Route.ACKNOWLEDGE:
        raise Conflict(_("En anmeldelse af en installation skal ikke godkendes."), code="permit_notice")
    reason, conditions = decision.reason.strip(), decision.conditions.strip()
    animal = permit.details.get("animal") or {}
    if decision.outcome == "approve":
        organisation = db.get(org_service.Organisation, permit.organisation_id)
        rules = organisation.rules if organisation is not None else {}
        if permit.kind.code == "dog" and (
            banned := catalogue.banned_breed(str(animal.get("breed", "")), rules or {})
        ):
            raise RuleViolation(
                _("%(breed)s er en forbudt hunderace og kan ikke godkendes.", breed=banned),
                code="banned_breed",
            )
        permit.status, permit.conditions = "approved", conditions
        subject = _("Godkendt: %(title)s", title=permit.title)
        body = _("Din ansøgning er godkendt.") + (
            "\n\n" + _("Vilkår: %(conditions)s", conditions=conditions) if conditions else ""
        )
    elif decision.outcome == "reject":
        if not reason:
            raise ValidationFailed(_("Skriv en begrundelse for afslaget."), fields={"reason": "required"})
        if animal.get("assistance_dog") and decision.grounds == "house_rules":
            raise RuleViolation(
                _("En servicehund kan ikke nægtes med henvisning til husordenen."), code="assistance_dog"
            )
        permit.status, permit.reason = "rejected", reason
        subject = _("Afslag: %(title)s", title=permit.title)
        body = _("Din ansøgning er afslået. Begrundelse: %(reason)s", reason=reason) + "\n\n"
        body += _("Du kan klage over afgørelsen til %(appeal)s.", appeal=APPEAL)
    else:
        if not reason:
            raise ValidationFailed(_("Skriv hvad der mangler."), fields={"reason": "required"})
        permit.status, permit.reason = "more_info", reason
        subject = _("Vi mangler oplysninger: %(title)s", title=permit.title)
        body = _("Vi mangler oplysninger for at kunne afgøre sagen: %(reason)s", reason=reason)
    if decision.outcome != "more_info":
        permit.decided_at, permit.decided_by = utcnow(), principal.person_id
    event(db, permit, decision.outcome, principal.person_id, reason or conditions)
    audit.record(
        db,
        actor_id=principal.person_id,
        action=f"permit.{decision.outcome}",
        obj=permit,
        organisation_id=permit.organisation_id,
    )
    tell(db, permit, subject=subject, body=body, settings=settings, important=decision.outcome != "approve")
    return permit


def lapse_reports(db: Session, *, today: date, settings: Settings, batch: int = LAPSE_BATCH) -> int:
    """The day after its deadline, a report nobody objected to becomes "no objection", and the
    resident is told. Runs again harmlessly: a case that passed is no longer waiting."""
    due = (
        select(Permit.id)
        .where(Permit.status == "submitted", Permit.route == Route.SILENCE.value, Permit.deadline < today)
        .order_by(Permit.id)
        .limit(batch)
    )
    ids = list(db.scalars(due))
    if not ids:
        return 0
    db.execute(
        update(Permit)
        .where(Permit.id.in_(ids), Permit.status == "submitted")
        .values(status="no_objection", updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.add_all(PermitEvent(permit_id=i, action="no_objection", actor_id=None) for i in ids)
    for permit in db.scalars(select(Permit).where(Permit.id.in_(ids))):
        tell(
            db,
            permit,
            subject=_("Ingen indsigelse: %(title)s", title=permit.title),
            body=_("Fristen for indsigelse er udløbet uden indsigelse. Du må gå i gang."),
            settings=settings,
        )
    return len(ids)
