"""The move-out checklist for a tenancy (the administration's, for the inspection): the permits in
force, what must be re-established, and the compensation owed for improvements (``compensation``:
the invoice lines that count, the maximum in force when taken into use, written down by months).
Also the invoice lines the administration records on an improvement case."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from boardkit.core import audit
from boardkit.core.errors import NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.org import service as org_service
from boardkit.permits import lookup
from boardkit.permits.compensation import Compensation, DatedAmount, InvoiceLine, compensation
from boardkit.permits.models import ACTIVE, CompensationMaximum, Permit, PermitInvoiceLine

MAX_AMOUNT_ORE = 10_000_000_00  # 10 million kr: anything above is a typing error


@dataclass
class Improvement:
    permit: Permit
    owed: Compensation | None  # None: no invoice lines, or no life set for the kind
    problem: str = ""


@dataclass
class Checklist:
    tenancy: org_service.Tenancy
    department: org_service.Department
    moved_out: date
    active: list[Permit]
    reestablish: list[Permit]
    improvements: list[Improvement] = field(default_factory=list)

    @property
    def total_owed_ore(self) -> int:
        return sum(i.owed.owed_ore for i in self.improvements if i.owed is not None)


def _staff_tenancy(
    db: Session, principal: Principal, tenancy_id: int
) -> tuple[org_service.Tenancy, org_service.Department]:
    tenancy = db.get(org_service.Tenancy, tenancy_id)
    department = db.get(org_service.Department, tenancy.department_id) if tenancy is not None else None
    if (
        tenancy is None
        or department is None
        or not lookup.is_staff_in(principal, department.organisation_id, department.id)
    ):
        raise NotFound()
    return tenancy, department


def maxima(db: Session, organisation_id: int) -> list[DatedAmount]:
    rows = db.scalars(
        select(CompensationMaximum).where(CompensationMaximum.organisation_id == organisation_id)
    )
    return [DatedAmount(r.valid_from, r.amount_ore) for r in rows]


def lines_of(db: Session, permit: Permit) -> list[InvoiceLine]:
    rows = db.scalars(
        select(PermitInvoiceLine)
        .where(PermitInvoiceLine.permit_id == permit.id)
        .order_by(PermitInvoiceLine.id)
    )
    return [
        InvoiceLine(r.description, r.amount_ore, r.cvr, r.vat_registered, r.own_labour, r.white_goods)
        for r in rows
    ]


def checklist(db: Session, *, principal: Principal, tenancy_id: int, moved_out: date) -> Checklist:
    """What the inspection of ``tenancy_id`` checks when the tenant moves out on ``moved_out``."""
    tenancy, department = _staff_tenancy(db, principal, tenancy_id)
    active = list(
        db.scalars(
            select(Permit)
            .options(joinedload(Permit.kind))
            .where(Permit.tenancy_id == tenancy.id, Permit.status.in_(ACTIVE))
            .order_by(Permit.received_on, Permit.id)
        )
    )
    found = Checklist(
        tenancy, department, moved_out, active, [p for p in active if p.kind.reestablish_on_move_out]
    )
    limits = maxima(db, department.organisation_id)
    for permit in active:
        if permit.kind.group != "improvement":
            continue
        lines = lines_of(db, permit)
        start = permit.taken_into_use or (permit.decided_at.date() if permit.decided_at else permit.deadline)
        if not lines or permit.kind.life_years is None or start is None:
            found.improvements.append(Improvement(permit, None, _("Ingen fakturaer registreret.")))
            continue
        owed = compensation(
            lines, life_years=permit.kind.life_years, taken_into_use=start, moved_out=moved_out, maxima=limits
        )
        found.improvements.append(Improvement(permit, owed))
    return found


def add_invoice_line(
    db: Session, *, principal: Principal, permit_id: int, line: InvoiceLine
) -> PermitInvoiceLine:
    """An invoice line on an improvement case (the administration, from the resident's invoices)."""
    permit = lookup.get_permit(db, principal=principal, permit_id=permit_id, lock=True)
    if not lookup.is_staff_for(principal, permit):
        raise NotFound()
    if permit.kind.group != "improvement":
        raise ValidationFailed(_("Kun forbedringer giver godtgørelse."), fields={"kind": "not_improvement"})
    errors = {}
    if not line.description.strip() or len(line.description) > 200:
        errors["description"] = _("Skriv hvad fakturaen dækker (højst 200 tegn).")
    if not 0 < line.amount_ore <= MAX_AMOUNT_ORE:
        errors["amount_ore"] = _("Beløbet skal være over 0 kr.")
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    row = PermitInvoiceLine(
        permit_id=permit.id,
        description=line.description.strip(),
        amount_ore=line.amount_ore,
        cvr=line.cvr.replace(" ", "")[:12],
        vat_registered=line.vat_registered,
        own_labour=line.own_labour,
        white_goods=line.white_goods,
    )
    db.add(row)
    audit.record(
        db,
        actor_id=principal.person_id,
        action="permit.invoice_line",
        obj=permit,
        organisation_id=permit.organisation_id,
    )
    return row


def invoice_lines(db: Session, permit: Permit) -> list[PermitInvoiceLine]:
    query = select(PermitInvoiceLine).where(PermitInvoiceLine.permit_id == permit.id)
    return list(db.scalars(query.order_by(PermitInvoiceLine.id)))


def set_taken_into_use(db: Session, *, principal: Principal, permit_id: int, day: date) -> Permit:
    """From when an improvement is written down (the administration)."""
    permit = lookup.get_permit(db, principal=principal, permit_id=permit_id, lock=True)
    if not lookup.is_staff_for(principal, permit) or permit.kind.group != "improvement":
        raise NotFound()
    if day > org_service.today() or day.year < 1950:
        raise ValidationFailed(
            _("Skriv en gyldig dato, ikke i fremtiden."), fields={"taken_into_use": "invalid"}
        )
    permit.taken_into_use = day
    audit.record(
        db,
        actor_id=principal.person_id,
        action="permit.taken_into_use",
        obj=permit,
        organisation_id=permit.organisation_id,
    )
    return permit
