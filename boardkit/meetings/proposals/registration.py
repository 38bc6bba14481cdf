"""Residents' proposals' part of the application: their pages and their names in the audit log."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.audit import ObjectRef, register_object_names
from boardkit.core.registry import Registry
from boardkit.meetings.models import Proposal
from boardkit.meetings.proposals.views import routes


def _proposals(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(select(Proposal.id, Proposal.title, Proposal.meeting_id).where(Proposal.id.in_(ids)))
    return {i: ObjectRef(title, "proposals", {"meeting_id": m}) for i, title, m in rows}


def register(reg: Registry) -> None:
    reg.routes(routes)
    register_object_names("proposal", _proposals)
