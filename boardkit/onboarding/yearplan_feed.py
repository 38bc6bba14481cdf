"""The year plan in each person's calendar feed (``core.calendar_extras``): the plans of the department
boards the person sits on, this year and next, as all-day events. Each UID names the board, the kind
and the day (``yearplan-7-budget_meeting-20260930@boardkit.example.dk``), so it stays the same on every
read while the organisation's rules do."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from boardkit.config import Settings
from boardkit.core.calendar_extras import FeedEvent, FeedEventsFn, register_feed_events
from boardkit.core.registry import Registry
from boardkit.onboarding.yearplan import to_ics_events
from boardkit.onboarding.yearplan_board import DEPARTMENT_BOARD, plan_of
from boardkit.org import service as org_service


def uid_prefix(board_id: int, domain: str) -> str:
    return f"yearplan-{board_id}@{domain}"


def year_plan_events(
    db: Session, *, person_id: int, board_ids: frozenset[int], domain: str
) -> list[FeedEvent]:
    """The all-day events of the year plans of the person's department boards."""
    boards = sorted(
        (b for b in org_service.get_boards(db, ids=board_ids).values() if b.kind == DEPARTMENT_BOARD),
        key=lambda b: b.id,
    )
    if not boards:
        return []
    principal = org_service.build_principal(db, person_id=person_id)
    today = org_service.today()
    found: list[FeedEvent] = []
    for board in boards:
        plan = plan_of(db, principal=principal, board=board, today=today)
        found += to_ics_events(plan.events, board_name=board.name, uid_prefix=uid_prefix(board.id, domain))
    return found


def provider(settings: Settings) -> FeedEventsFn:
    """The feed's provider for ``register_feed_events("onboarding", ...)``."""
    domain = urlsplit(settings.base_url).hostname or "boardkit.local"

    def events(db: Session, person_id: int, board_ids: frozenset[int]) -> list[FeedEvent]:
        return year_plan_events(db, person_id=person_id, board_ids=board_ids, domain=domain)

    return events


def register(reg: Registry) -> None:
    """The year plan's events in every member's calendar feed (called by onboarding's ``register``)."""
    register_feed_events("onboarding", provider(reg.settings))
