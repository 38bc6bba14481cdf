"""A resident's case: applying (only a tenant of the tenancy), withdrawing, reporting an animal
gone; and telling the resident at every step through the notification service (their channel,
paper when they have no digital one)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from boardkit.config import Settings
from boardkit.core import audit, notify, uploads
from boardkit.core.errors import Conflict, NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.core.storage import FileStore
from boardkit.org import service as org_service
from boardkit.permits import catalogue, deadlines, lookup
from boardkit.permits import files as permit_files
from boardkit.permits.models import ACTIVE, WAITING, Permit, PermitEvent, PermitKind

NOTICE_KIND = "permit"
MAX_TEXT = 4000


@dataclass(frozen=True)
class Application:
    kind: str  # a PermitKind.code
    title: str
    description: str = ""
    tenancy_id: int | None = None  # needed only by a tenant of more than one home
    needs_building_permit: bool = False
    outside: bool = False  # an installation outside the home is outdoor råderet, not an installation
    animal: dict[str, Any] | None = None
    details: dict[str, Any] = field(default_factory=dict)


def tell(
    db: Session, permit: Permit, *, subject: str, body: str, settings: Settings, important: bool = False
) -> None:
    """A notice about the case to its applicant (by their channel; on paper to the tenancy)."""
    notify.send_notice(
        db,
        organisation_id=permit.organisation_id,
        addressees=[notify.Addressee(permit.applicant_id, permit.tenancy_id)],
        kind=NOTICE_KIND,
        subject=subject,
        body=body,
        link_path=f"/permits/{permit.id}",
        important=important,
        object_type="permit",
        object_id=permit.id,
        settings=settings,
    )


def event(db: Session, permit: Permit, action: str, actor_id: int | None, note: str = "") -> None:
    db.add(PermitEvent(permit_id=permit.id, action=action, actor_id=actor_id, note=note))


def _tenancy(db: Session, principal: Principal, tenancy_id: int | None) -> org_service.Tenancy:
    """The home the applicant rents (404 for a household member, a sub-tenant or someone else's home)."""
    if principal.person_id is None:
        raise NotFound()
    homes = org_service.rented_homes(db, person_id=principal.person_id)
    if tenancy_id is not None:
        homes = [h for h in homes if h.id == tenancy_id]
    if not homes:
        raise NotFound(_("Kun lejeren af boligen kan søge om tilladelse."), code="not_tenant")
    if len(homes) > 1:
        raise ValidationFailed(_("Vælg hvilken bolig ansøgningen gælder."), fields={"tenancy_id": "required"})
    return homes[0]


def _kind(db: Session, organisation_id: int, application: Application) -> PermitKind:
    kind = lookup.get_kind(db, organisation_id=organisation_id, code=application.kind)
    if kind is None:
        raise ValidationFailed(_("Vælg hvad ansøgningen gælder."), fields={"kind": "unknown"})
    if kind.group == "installations" and application.outside:
        # Højesteret 12 Aug 2025: an installation outside the home (an EV charger on the outer wall)
        # is not the tenant's right to install but outdoor råderet, decided case by case.
        outdoor = lookup.get_kind(db, organisation_id=organisation_id, code=catalogue.OUTDOOR_OTHER)
        if outdoor is None:
            raise ValidationFailed(
                _("Arbejde uden for boligen kræver en ansøgning om udendørs råderet."),
                fields={"outside": "outdoor"},
            )
        return outdoor
    return kind


def _animal(kind: PermitKind, application: Application, rules: dict[str, Any]) -> dict[str, Any]:
    """The one animal a pet permit is for (name, species, breed, chip; a dog's liability insurance)."""
    if application.details.get("animals") is not None:
        raise ValidationFailed(
            _("En tilladelse gælder ét dyr. Søg om en tilladelse for hvert dyr."),
            fields={"animal": "one_only"},
        )
    given = application.animal or {}
    animal: dict[str, Any] = {
        k: str(v).strip() for k, v in given.items() if k not in ("assistance_dog", "insured")
    }
    errors = {}
    for name in ("name", "breed") if kind.code != "other_pet" else ("name", "species"):
        if not animal.get(name):
            errors[f"animal.{name}"] = _("Skal udfyldes.")
    if kind.code == "dog" and not given.get("insured"):
        errors["animal.insured"] = _("En hund skal have en ansvarsforsikring.")
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    if kind.code == "dog" and (banned := catalogue.banned_breed(animal["breed"], rules)):
        raise ValidationFailed(
            _("%(breed)s er en forbudt hunderace og kan ikke få tilladelse.", breed=banned),
            fields={"animal.breed": "banned"},
        )
    animal["species"] = animal.get("species") or kind.name
    animal["assistance_dog"] = bool(given.get("assistance_dog"))
    animal["insured"] = bool(given.get("insured"))
    return animal


def submit(
    db: Session,
    *,
    principal: Principal,
    application: Application,
    settings: Settings,
    today: date,
    files: Sequence[uploads.UploadLike] = (),
    store: FileStore | None = None,
) -> Permit:
    """Hand in an application, report or notice for one's own home, with drawings, quotes or
    photos (``files``, judged before anything is saved); returns the case."""
    tenancy = _tenancy(db, principal, application.tenancy_id)
    checked = permit_files.check_files(files)
    department = db.get(org_service.Department, tenancy.department_id)
    assert department is not None
    organisation = db.get(org_service.Organisation, department.organisation_id)
    assert organisation is not None
    kind = _kind(db, organisation.id, application)
    title, description = application.title.strip(), application.description.strip()
    if not title:
        raise ValidationFailed(_("Skriv kort hvad det gælder."), fields={"title": "required"})
    if len(title) > 200 or len(description) > MAX_TEXT:
        raise ValidationFailed(_("Teksten er for lang."), fields={"description": "too_long"})
    details = dict(application.details)
    if kind.group == "pets":
        details["animal"] = _animal(kind, application, organisation.rules or {})
    if kind.code != application.kind:
        details["filed_as"] = application.kind
    track = deadlines.Track(kind.track)
    building = application.needs_building_permit or kind.needs_building_permit
    route = deadlines.route(
        track,
        explicit_approval=bool((organisation.rules or {}).get(catalogue.EXPLICIT_APPROVAL_RULE)),
        needs_building_permit=building,
    )
    permit = Permit(
        organisation_id=organisation.id,
        department_id=department.id,
        tenancy_id=tenancy.id,
        kind_id=kind.id,
        kind=kind,
        applicant_id=principal.person_id,
        status="acknowledged" if route is deadlines.Route.ACKNOWLEDGE else "submitted",
        route=route.value,
        title=title,
        description=description,
        details=details,
        needs_building_permit=building,
        received_on=today,
        # a report's last day for an objection; an application's answer-by day (a target, it never lapses)
        deadline=None if route is deadlines.Route.ACKNOWLEDGE else deadlines.objection_deadline(today),
    )
    db.add(permit)
    db.flush()
    if checked:
        assert store is not None, "files need the file store"
        permit_files.store_files(db, permit, checked, store=store, actor_id=principal.person_id)
    event(db, permit, "submitted", principal.person_id)
    audit.record(
        db, actor_id=principal.person_id, action="permit.submit", obj=permit, organisation_id=organisation.id
    )
    tell(db, permit, subject=_receipt_subject(permit), body=_receipt_body(permit), settings=settings)
    return permit


def _receipt_subject(permit: Permit) -> str:
    return _("Modtaget: %(title)s", title=permit.title)


def _receipt_body(permit: Permit) -> str:
    if permit.route == deadlines.Route.ACKNOWLEDGE:
        return _("Vi har modtaget din anmeldelse. Husk at retablere ved fraflytning, hvis det kræves.")
    if permit.deadline is not None:
        return _(
            "Vi har modtaget din anmeldelse. Har du ikke hørt fra os senest %(date)s, må du gå i gang.",
            date=permit.deadline.strftime("%d.%m.%Y"),
        )
    return _("Vi har modtaget din ansøgning. Du får besked, når der er truffet en afgørelse.")


def withdraw(db: Session, *, principal: Principal, permit_id: int, settings: Settings) -> Permit:
    """The resident takes back a case that is still waiting."""
    permit = lookup.get_permit(db, principal=principal, permit_id=permit_id, lock=True)
    if permit.applicant_id != principal.person_id and not lookup.is_tenant_of(db, principal, permit):
        raise NotFound()
    if permit.status not in WAITING:
        raise Conflict(_("Sagen er afgjort og kan ikke trækkes tilbage."), code="permit_decided")
    permit.status = "withdrawn"
    event(db, permit, "withdrawn", principal.person_id)
    audit.record(
        db,
        actor_id=principal.person_id,
        action="permit.withdraw",
        obj=permit,
        organisation_id=permit.organisation_id,
    )
    return permit


def report_gone(db: Session, *, principal: Principal, permit_id: int, today: date) -> Permit:
    """The resident reports the animal gone: the pet permit ends (it is for that animal only)."""
    permit = lookup.get_permit(db, principal=principal, permit_id=permit_id, lock=True)
    if not lookup.is_tenant_of(db, principal, permit) and not lookup.is_staff_for(principal, permit):
        raise NotFound()
    if permit.kind.group != "pets" or permit.status not in ACTIVE:
        raise Conflict(
            _("Kun en gældende tilladelse til et dyr kan afsluttes her."), code="permit_not_active"
        )
    permit.status, permit.ended_on = "ended", today
    event(db, permit, "ended", principal.person_id)
    audit.record(
        db,
        actor_id=principal.person_id,
        action="permit.end",
        obj=permit,
        organisation_id=permit.organisation_id,
    )
    return permit
