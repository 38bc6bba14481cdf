"""The library's part of the application: its pages, its search provider, the stored files it
refers to, the hourly escalation of overdue "to return" tasks, and its names in the audit log."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core import search, storage
from boardkit.core.audit import ObjectRef, register_object_names
from boardkit.core.registry import Registry
from boardkit.library import keys, search_docs, views
from boardkit.library.models import AccessItem, DocumentVersion, LibraryDocument
from boardkit.org import service as org_service


def _documents(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(select(LibraryDocument.id, LibraryDocument.title).where(LibraryDocument.id.in_(ids)))
    return {i: ObjectRef(title, "library_document", {"document_id": i}) for i, title in rows}


def _items(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(select(AccessItem.id, AccessItem.label).where(AccessItem.id.in_(ids)))
    return {i: ObjectRef(label) for i, label in rows}


def register(reg: Registry) -> None:
    settings = reg.settings
    reg.routes(views.routes)
    search.register_provider(search_docs.PROVIDER, search_docs.documents)
    storage.register_references("library", DocumentVersion.sha256)
    register_object_names("library_document", _documents)
    register_object_names("library_item", _items)

    def escalate(db: Session, payload: dict[str, Any]) -> None:
        keys.escalate_overdue(db, settings=settings)

    reg.every(keys.ESCALATE_KIND, escalate, seconds=keys.ESCALATE_EVERY_SECONDS)

    def departed(db: Session, ended: org_service.Membership) -> None:
        """A member who leaves the board: what they hold becomes "to return" (not on a new role)."""
        gone = org_service.departure(db, ended)
        if gone is not None:
            keys.mark_departure(db, board_id=gone.board_id, person_id=gone.person_id, at=gone.at)

    org_service.on_membership_ended("library", departed)
