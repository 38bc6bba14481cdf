"""Retention: a household's permit cases are deleted a configurable time after its tenancy ended
(``Organisation.rules["permits_retention_years"]``, default 5 years); the cases of a current
tenancy are kept, whatever their state. Each deletion leaves an audit entry without the content
(the case's number and kind only). A periodic job runs it daily, in batches; once a batch has
committed, its files are deleted from the store unless something else (another case, a meeting)
refers to the same stored file.

The rule is registered with core's retention job (``core.retention``, rule :data:`RULE`), which
runs it nightly in batches with the other domains' rules and writes what it deleted to the audit
log; each deleted case also keeps its own audit entry (``permit.deleted_by_retention``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from boardkit.core import audit, storage
from boardkit.core.db import Database
from boardkit.core.retention import service as retention
from boardkit.org import service as org_service
from boardkit.permits.catalogue import RETENTION_RULE
from boardkit.permits.models import Permit, PermitEvent, PermitFile, PermitInvoiceLine, PermitKind

DEFAULT_YEARS = 5
BATCH = 500
RULE = "permits.closed_cases"


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def due_for_deletion(db: Session, *, today: date, limit: int = BATCH) -> list[int]:
    """Cases whose applicant's tenancy ended longer ago than the organisation keeps them."""
    found: list[int] = []
    for organisation in db.scalars(select(org_service.Organisation)):
        years = (organisation.rules or {}).get(RETENTION_RULE, DEFAULT_YEARS)
        cutoff = years_before(today, int(years) if isinstance(years, int) and years > 0 else DEFAULT_YEARS)
        ended = (
            select(org_service.Residency.id)
            .where(
                org_service.Residency.person_id == Permit.applicant_id,
                org_service.Residency.tenancy_id == Permit.tenancy_id,
                org_service.Residency.role == "tenant",
            )
            .correlate(Permit)
        )
        still_there = ended.where(
            (org_service.Residency.end_date.is_(None)) | (org_service.Residency.end_date >= cutoff)
        )
        query = (
            select(Permit.id)
            .where(Permit.organisation_id == organisation.id, ended.exists(), ~still_there.exists())
            .order_by(Permit.id)
            .limit(limit - len(found))
        )
        found += db.scalars(query)
        if len(found) >= limit:
            break
    return found


def purge(db: Session, *, today: date, limit: int = BATCH, files: set[str] | None = None) -> int:
    """Delete one batch of cases due for deletion; returns how many (0: nothing left). The stored
    files of the deleted cases are added to ``files``, for :func:`delete_files` after the commit."""
    return _delete(db, due_for_deletion(db, today=today, limit=limit), files=files)


def _delete(db: Session, ids: list[int], *, files: set[str] | None) -> int:
    if not ids:
        return 0
    if files is not None:
        files.update(db.scalars(select(PermitFile.sha256).where(PermitFile.permit_id.in_(ids))))
    kinds = dict(
        db.execute(
            select(Permit.id, PermitKind.code)
            .join(PermitKind, PermitKind.id == Permit.kind_id)
            .where(Permit.id.in_(ids))
        ).all()
    )
    organisations = dict(
        db.execute(select(Permit.id, Permit.organisation_id).where(Permit.id.in_(ids))).all()
    )
    for child in (PermitEvent, PermitFile, PermitInvoiceLine):
        db.execute(delete(child).where(child.permit_id.in_(ids)).execution_options(synchronize_session=False))
    db.execute(delete(Permit).where(Permit.id.in_(ids)).execution_options(synchronize_session=False))
    for permit_id in ids:
        audit.record(
            db,
            actor_id=None,
            action="permit.deleted_by_retention",
            object_type="permit",
            object_id=permit_id,
            organisation_id=organisations[permit_id],
            summary=kinds[permit_id],  # the kind only: nothing about the household
        )
    return len(ids)


def rule(db: Session, today: date, limit: int) -> retention.RetentionResult:
    """The retention rule: one batch of cases deleted, with their ids and stored files."""
    ids = due_for_deletion(db, today=today, limit=limit)
    files: set[str] = set()
    count = _delete(db, ids, files=files)
    return retention.RetentionResult(counts={"permits": count}, ids={"permit": ids}, files=files)


def run(database: Database, *, store: storage.FileStore, today: date) -> int:
    """Apply the rule now (as the nightly job does): every batch in a short transaction of its
    own, then its files; returns the count."""
    return retention.run_rule(database, store=store, name=RULE, today=today).result.total
