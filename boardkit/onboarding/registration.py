"""The onboarding domain's part of the application: a programme for every membership that starts
(on the board page or by an import), the lock on closed items until a declaration is signed, the
stored files it refers to, and the names of its objects in the audit log."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core import storage
from boardkit.core.audit import ObjectRef, register_object_names
from boardkit.core.registry import Registry
from boardkit.onboarding import (
    admin_views,
    assign,
    contact_views,
    declarations,
    reminders,
    views,
    yearplan_feed,
    yearplan_views,
)
from boardkit.onboarding.models import Caption, Declaration, Module, Video
from boardkit.org import service as org_service


def _declarations(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(select(Declaration.id, Declaration.title).where(Declaration.id.in_(ids)))
    return {i: ObjectRef(title) for i, title in rows}


def register(reg: Registry) -> None:
    settings = reg.settings
    reg.routes(views.routes)
    reg.routes(admin_views.routes)
    reg.routes(contact_views.routes)

    def remind(db: Session, payload: dict[str, Any]) -> None:
        reminders.remind(db, today=org_service.today(), settings=settings)

    reg.every(reminders.KIND, remind, seconds=reminders.EVERY_SECONDS)

    def started(db: Session, membership: org_service.Membership) -> None:
        assign.assign(db, membership, settings=settings)

    org_service.on_membership_added("onboarding", started)
    org_service.register_closed_item_gate(
        "onboarding",
        lambda db, person_id, board_ids: declarations.locked_boards(
            db, person_id=person_id, board_ids=board_ids
        ),
    )
    storage.register_references(
        "onboarding", Video.sha256, Video.poster_sha256, Caption.sha256, Module.document_sha256
    )
    register_object_names("onboarding_declaration", _declarations)

    # The year plan (årshjul): its pages and its events in each member's calendar feed.
    reg.routes(yearplan_views.routes)
    yearplan_feed.register(reg)
