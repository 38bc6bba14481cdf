"""Audit log: who changed what, when, with a before → after summary."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, inspect, or_, select
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


@dataclass(frozen=True)
class Filters:
    """What the audit log page asks for; empty fields do not filter."""

    actor_id: int | None = None
    actions: tuple[str, ...] = ()  # exact actions, or prefixes ending in "." (``"meeting."``)
    object_type: str = ""
    object_id: int | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


def _filtered(q: Select[Any], organisation_ids: Sequence[int] | None, f: Filters) -> Select[Any]:
    if organisation_ids is not None:
        q = q.where(AuditEntry.organisation_id.in_(organisation_ids))
    if f.actor_id is not None:
        q = q.where(AuditEntry.actor_id == f.actor_id)
    if f.actions:
        q = q.where(
            or_(
                *(
                    AuditEntry.action.startswith(a, autoescape=True)
                    if a.endswith(".")
                    else AuditEntry.action == a
                    for a in f.actions
                )
            )
        )
    if f.object_type:
        q = q.where(AuditEntry.object_type == f.object_type)
    if f.object_id is not None:
        q = q.where(AuditEntry.object_id == f.object_id)
    if f.since is not None:
        q = q.where(AuditEntry.at >= f.since)
    if f.until is not None:
        q = q.where(AuditEntry.at < f.until)
    return q


def list_entries(
    db: Session,
    *,
    organisation_ids: Sequence[int] | None,
    limit: int = 100,
    before_id: int | None = None,
    after_id: int | None = None,
    filters: Filters | None = None,
) -> list[AuditEntry]:
    """Entries newest first: older than ``before_id``, or the page just newer than ``after_id``."""
    q = _filtered(select(AuditEntry), organisation_ids, filters or Filters())
    if after_id:
        newer = q.where(AuditEntry.id > after_id).order_by(AuditEntry.id.asc()).limit(limit)
        return list(reversed(list(db.scalars(newer))))
    if before_id:
        q = q.where(AuditEntry.id < before_id)
    return list(db.scalars(q.order_by(AuditEntry.id.desc()).limit(limit)))


def count_entries(
    db: Session, *, organisation_ids: Sequence[int] | None, filters: Filters | None = None
) -> int:
    q = _filtered(select(func.count(AuditEntry.id)), organisation_ids, filters or Filters())
    return db.scalar(q) or 0


def has_entries(
    db: Session,
    *,
    organisation_ids: Sequence[int] | None,
    filters: Filters,
    before_id: int = 0,
    after_id: int = 0,
) -> bool:
    """Whether there is an entry older than ``before_id`` (or newer than ``after_id``)."""
    q = _filtered(select(AuditEntry.id), organisation_ids, filters)
    q = q.where(AuditEntry.id < before_id) if before_id else q.where(AuditEntry.id > after_id)
    return db.scalar(q.limit(1)) is not None


def actor_ids(db: Session, *, organisation_ids: Sequence[int] | None) -> list[int]:
    """Everyone who appears in the log as the one acting."""
    q = _filtered(select(AuditEntry.actor_id).distinct(), organisation_ids, Filters())
    return [a for a in db.scalars(q.where(AuditEntry.actor_id.is_not(None))) if a is not None]


# --- what the log's objects are called ------------------------------------------------------


@dataclass(frozen=True)
class ObjectRef:
    """An object of the log as a reader knows it: its name, and the page it is on (a route name)."""

    label: str
    route: str = ""
    params: dict[str, Any] = field(default_factory=dict)


ObjectNames = Callable[[Session, Collection[int]], dict[int, ObjectRef]]
_NAMES: dict[str, ObjectNames] = {}


def register_object_names(object_type: str, names: ObjectNames) -> None:
    """A domain tells the log what its objects are called (core knows no domain)."""
    _NAMES[object_type] = names


def object_refs(db: Session, wanted: Mapping[str, Collection[int]]) -> dict[tuple[str, int], ObjectRef]:
    """Names of the objects, one query per type; objects since deleted (or of unknown types) are left out."""
    found: dict[tuple[str, int], ObjectRef] = {}
    for object_type, ids in wanted.items():
        names = _NAMES.get(object_type)
        if names is None or not ids:
            continue
        found.update(((object_type, i), ref) for i, ref in names(db, list(set(ids))).items())
    return found
