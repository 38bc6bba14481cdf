"""Invitations' part of the application: the invitation pages, the print batches of paper letters
(under /print-batches) and the batches' names in the audit log."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.audit import ObjectRef, register_object_names
from boardkit.core.i18n import _
from boardkit.core.registry import Registry
from boardkit.meetings.invitations import letter_views, views
from boardkit.meetings.models import PrintBatch


def _batches(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.scalars(select(PrintBatch.id).where(PrintBatch.id.in_(ids)))
    return {i: ObjectRef(_("Brevbatch %(n)s", n=i), "letters:batch", {"batch_id": i}) for i in rows}


def register(reg: Registry) -> None:
    reg.routes(views.routes)
    reg.mount("/print-batches", letter_views.routes, name="letters")
    register_object_names("print_batch", _batches)
