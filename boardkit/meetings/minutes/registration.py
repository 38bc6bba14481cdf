"""Minutes' part of the application: the minutes and decision pages, their search material, the
paper channel of core.notify (a notice becomes a letter), the notice link to a meeting's minutes,
and the minutes' names in the audit log."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core import notify, search
from boardkit.core.audit import ObjectRef, register_object_names
from boardkit.core.i18n import _
from boardkit.core.registry import Registry
from boardkit.meetings.minutes import approval, decision_views, election, views
from boardkit.meetings.minutes.notice_letters import queue_notice_letters
from boardkit.meetings.minutes.search import PROVIDER, minutes_documents
from boardkit.meetings.minutes_models import Minutes
from boardkit.meetings.models import Meeting
from boardkit.org import service as org_service


def _minutes(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(
        select(Minutes.id, Meeting.id, Meeting.title)
        .join(Meeting, Meeting.id == Minutes.meeting_id)
        .where(Minutes.id.in_(ids))
    )
    return {i: ObjectRef(_("Referat: %(title)s", title=t), "minutes", {"meeting_id": m}) for i, m, t in rows}


def propose_board_changes(db: Session, minutes: Minutes, meeting: Meeting) -> None:
    """Approved minutes that record an election propose the board's changes to the administration."""
    outcome = election.board_changes(minutes)
    if outcome is not None:
        org_service.propose_election(db, outcome)


def register(reg: Registry) -> None:
    approval.on_minutes_approved("board_changes", propose_board_changes)
    reg.routes(views.routes)
    reg.routes(decision_views.routes)
    search.register_provider(PROVIDER, minutes_documents)
    notify.register_channel("paper", queue_notice_letters)
    notify.register_link_view("minutes", views.minutes_by_link)
    register_object_names("minutes", _minutes)
