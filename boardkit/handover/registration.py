"""The handover pack's part of the application: its pages, the job that draws a pack's PDF (its own
transactions: drawn in a read, stored after), the stored PDFs it refers to, its audit names."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core import storage
from boardkit.core.audit import ObjectRef, register_object_names
from boardkit.core.db import Database
from boardkit.core.i18n import _
from boardkit.core.registry import Registry
from boardkit.handover import service, views
from boardkit.handover.models import HandoverPack
from boardkit.org import service as org_service


def _packs(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.scalars(select(HandoverPack.id).where(HandoverPack.id.in_(ids)))
    return {i: ObjectRef(_("Overdragelsesmappe %(n)s", n=i)) for i in rows}


def register(reg: Registry) -> None:
    reg.routes(views.routes)
    settings = reg.settings

    def build(database: Database, payload: dict[str, Any]) -> None:
        service.build_pdf(database, payload, settings=settings)

    reg.job(service.PDF_JOB, build, own_transactions=True)

    def departed(db: Session, ended: org_service.Membership) -> None:
        """A member who leaves the board leaves a pack for the successor (made once per seat)."""
        gone = org_service.departure(db, ended)
        if gone is not None:
            service.on_departure(db, departure=gone, settings=settings)

    # After the library's hook (app.DOMAINS order): the pack shows the keys "to return".
    org_service.on_membership_ended("handover", departed)
    storage.register_references("handover", HandoverPack.pdf_sha256)
    register_object_names("handover_pack", _packs)
