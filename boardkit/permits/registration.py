"""The permits domain's part of the application: its pages, the pass of unanswered reports and the
retention rule of closed cases (run nightly by core's retention job), its kind of import
file, the column of stored files it refers to, and the cases' names in the audit log."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core import jobs, storage
from boardkit.core.audit import ObjectRef, register_object_names
from boardkit.core.db import Database
from boardkit.core.i18n import _
from boardkit.core.registry import Registry
from boardkit.core.retention import service as core_retention
from boardkit.org import service as org_service
from boardkit.org.importing import service as importing
from boardkit.permits import admin_views, imports, retention, views
from boardkit.permits.decisions import LAPSE_EVERY_SECONDS, LAPSE_KIND, lapse_reports
from boardkit.permits.models import Permit, PermitFile


def _permits(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    # The case's number, never the resident's name: the audit log is read by more people.
    rows = db.scalars(select(Permit.id).where(Permit.id.in_(ids)))
    return {i: ObjectRef(_("Tilladelsessag %(n)s", n=i)) for i in rows}


def in_batches(step: Callable[[Session], int]) -> jobs.OwnHandler:
    """A job that runs ``step`` in short transactions of its own until a step finds nothing to do."""

    def run(database: Database, payload: dict[str, Any]) -> None:
        while True:
            with database.transaction() as db:
                if not step(db):
                    return

    return run


def register(reg: Registry) -> None:
    settings = reg.settings
    reg.routes(views.routes)
    reg.routes(admin_views.routes)
    lapse = in_batches(lambda db: lapse_reports(db, today=org_service.today(), settings=settings))

    reg.every(LAPSE_KIND, lapse, seconds=LAPSE_EVERY_SECONDS, own_transactions=True)
    core_retention.register_rule(retention.RULE, retention.rule)
    register_object_names("permit", _permits)
    importing.register_format(imports.FORMAT)
    storage.register_references("permits", PermitFile.sha256)
