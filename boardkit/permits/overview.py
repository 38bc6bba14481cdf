"""Overviews: the board's per-department figures (no names, addresses or unit numbers: a board has
no general need to know who keeps a pet), and the case lists of residents and the administration."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from boardkit.core.errors import NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.core.spreadsheet import excel_csv
from boardkit.core.templating import TZ
from boardkit.org import service as org_service
from boardkit.permits.lookup import board_roles_for, is_staff_in, staff_cases
from boardkit.permits.models import STATUSES, WAITING, Permit, PermitKind

NEAR_DAYS = 14  # a waiting report whose deadline is this close is "near its deadline"
PAGE_SIZE = 50


@dataclass(frozen=True)
class KindFigures:
    code: str
    name: str
    group: str
    delegated: bool
    by_status: dict[str, int]


@dataclass(frozen=True)
class DepartmentOverview:
    department_id: int
    department_name: str
    kinds: list[KindFigures]
    waiting: int
    near_deadline: int
    past_deadline: int
    average_handling_days: float | None
    total: int = 0
    delegated_codes: list[str] = field(default_factory=list)


def may_see_overview(principal: Principal, department: org_service.Department) -> bool:
    in_board = bool(board_roles_for(principal, department.id))
    return in_board or is_staff_in(principal, department.organisation_id, department.id)


def department_overview(
    db: Session, *, principal: Principal, department_id: int, today: date
) -> DepartmentOverview:
    """Counts by kind and status, deadlines near and past, the average handling time (404 for
    anyone but the department's board and the administration)."""
    department = db.get(org_service.Department, department_id)
    if department is None or not may_see_overview(principal, department):
        raise NotFound()
    in_department = Permit.department_id == department.id
    counts: dict[int, dict[str, int]] = {}
    for kind_id, status, n in db.execute(
        select(Permit.kind_id, Permit.status, func.count())
        .where(in_department)
        .group_by(Permit.kind_id, Permit.status)
    ):
        counts.setdefault(kind_id, {})[status] = n
    kinds = list(
        db.scalars(
            select(PermitKind)
            .where(PermitKind.organisation_id == department.organisation_id)
            .order_by(PermitKind.position, PermitKind.id)
        )
    )
    waiting = in_department & Permit.status.in_(WAITING) & Permit.deadline.is_not(None)
    near = db.scalar(
        select(func.count()).where(
            waiting, Permit.deadline >= today, Permit.deadline <= today + timedelta(NEAR_DAYS)
        )
    )
    past = db.scalar(select(func.count()).where(waiting, Permit.deadline < today))
    handled = db.execute(
        select(Permit.received_on, Permit.decided_at).where(in_department, Permit.decided_at.is_not(None))
    )
    days = [(decided.astimezone(TZ).date() - received).days for received, decided in handled if decided]
    figures = [
        KindFigures(
            k.code,
            k.name,
            k.group,
            k.delegated_to_board,
            {s: counts.get(k.id, {}).get(s, 0) for s in STATUSES},
        )
        for k in kinds
        if k.active or k.id in counts
    ]
    return DepartmentOverview(
        department_id=department.id,
        department_name=department.name,
        kinds=figures,
        waiting=sum(f.by_status[s] for f in figures for s in WAITING),
        near_deadline=near or 0,
        past_deadline=past or 0,
        average_handling_days=round(sum(days) / len(days), 1) if days else None,
        total=sum(sum(f.by_status.values()) for f in figures),
        delegated_codes=[k.code for k in kinds if k.delegated_to_board],
    )


@dataclass(frozen=True)
class Filters:
    department_id: int | None = None
    kind: str = ""
    status: str = ""
    at_risk: bool = False  # waiting, and the deadline within NEAR_DAYS or past
    page: int = 1


Q = TypeVar("Q", bound=Select)


def _filtered(query: Q, filters: Filters, today: date) -> Q:
    """``query`` narrowed by the list's filters (422 for a status that does not exist)."""
    if filters.status and filters.status not in STATUSES:
        raise ValidationFailed(_("Ukendt status."), fields={"status": "invalid"})
    if filters.department_id is not None:
        query = query.where(Permit.department_id == filters.department_id)
    if filters.kind:
        query = query.where(Permit.kind_id.in_(select(PermitKind.id).where(PermitKind.code == filters.kind)))
    if filters.status:
        query = query.where(Permit.status == filters.status)
    if filters.at_risk:
        query = query.where(Permit.status.in_(WAITING), Permit.deadline <= today + timedelta(NEAR_DAYS))
    return query


def list_permits(
    db: Session, *, principal: Principal, filters: Filters, today: date
) -> tuple[list[Permit], bool]:
    """Cases by name: a resident's own homes' cases, or, for the administration, every case of its
    organisations with the filters; newest first. Returns the page and whether there is more."""
    query = select(Permit).options(joinedload(Permit.kind))
    if principal.is_staff:
        query = query.where(staff_cases(principal))
    elif principal.person_id is not None:
        homes = [t.id for t in org_service.rented_homes(db, person_id=principal.person_id)]
        query = query.where(Permit.tenancy_id.in_(homes))
    else:
        return [], False
    query = _filtered(query, filters, today)
    page = max(filters.page, 1)
    rows = list(
        db.scalars(query.order_by(Permit.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1))
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


EXPORT_LIMIT = 200_000
EXPORT_HEADER = [
    "Sag",
    "Afdeling",
    "Lejemål",
    "Adresse",
    "Ansøger",
    "Slags",
    "Status",
    "Modtaget",
    "Frist",
    "Afgjort",
    "Behandlingstid (dage)",
]


def handling_days(permit: Permit) -> int | None:
    """Days from received to decided (None while it waits)."""
    if permit.decided_at is None:
        return None
    return (permit.decided_at.astimezone(TZ).date() - permit.received_on).days


def export_csv(db: Session, *, principal: Principal, filters: Filters, today: date) -> bytes:
    """The administration's cases with the filters, as a CSV for Danish Excel."""
    if not principal.is_staff:
        raise NotFound()
    query = (
        select(Permit, PermitKind.name, org_service.Department, org_service.Tenancy, org_service.Person.name)
        .join(PermitKind, PermitKind.id == Permit.kind_id)
        .join(org_service.Department, org_service.Department.id == Permit.department_id)
        .join(org_service.Tenancy, org_service.Tenancy.id == Permit.tenancy_id)
        .outerjoin(org_service.Person, org_service.Person.id == Permit.applicant_id)
        .where(staff_cases(principal))
    )
    rows = db.execute(_filtered(query, filters, today).order_by(Permit.id).limit(EXPORT_LIMIT))
    return excel_csv(
        EXPORT_HEADER,
        (
            [
                p.id,
                f"{d.number} {d.name}",
                t.number,
                f"{t.address}{', ' + t.unit if t.unit else ''}",
                applicant or "",
                kind,
                p.status,
                p.received_on.isoformat(),
                p.deadline.isoformat() if p.deadline else "",
                p.decided_at.astimezone(TZ).date().isoformat() if p.decided_at else "",
                handling_days(p) if p.decided_at else "",
            ]
            for p, kind, d, t, applicant in rows
        ),
    )
