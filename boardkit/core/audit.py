"""Audit log: who changed what, when, with a before → after summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from boardkit.core.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(obj: Any, fields: Sequence[str]) -> dict[str, Any]:
    return {f: _plain(getattr(obj, f)) for f in fields}


def snapshot_value(value: Any) -> Any:
    """One value as a snapshot stores it (dates as ISO text)."""
    return _plain(value)


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Only the fields that changed, as ``{field: [before, after]}``."""
    keys = list(dict.fromkeys([*before, *after]))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def record(
    db: Session,
    *,
    actor_id: int | None,
    action: str,
    obj: Any = None,
    object_type: str | None = None,
    object_id: int | None = None,
    organisation_id: int | None = None,
    summary: str = "",
    diff: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit entry in the caller's transaction."""
    if obj is not None:
        db.flush()
        object_type = object_type or inspect(obj).mapper.local_table.name
        object_id = object_id if object_id is not None else obj.id
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        object_type=object_type or "",
        object_id=object_id,
        organisation_id=organisation_id,
        summary=summary[:2000],
        changes=dict(diff or {}),
    )
    db.add(entry)
    return entry


def list_entries(
    db: Session, *, organisation_ids: Sequence[int] | None, limit: int = 100, before_id: int | None = None
) -> list[AuditEntry]:
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if organisation_ids is not None:
        q = q.where(AuditEntry.organisation_id.in_(organisation_ids))
    if before_id:
        q = q.where(AuditEntry.id < before_id)
    return list(db.scalars(q))
