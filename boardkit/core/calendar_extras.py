"""Extra all-day events in each person's calendar feed, from domains the feed cannot import.

The personal feed (``/calendar/{token}.ics``, the meetings domain) shows the person's meetings and,
after them, the all-day events every registered provider gives for that person: a domain calls
``register_feed_events(owner, fn)`` in its ``register``, where ``fn(db, person_id, board_ids)``
returns the events of a person who sits on ``board_ids`` (active memberships). Registering again
under the same owner replaces, as core's other registries do.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class FeedEvent:
    """One all-day event: ``uid`` is unique and stays the same each time the feed is read; ``organizer``
    is the name shown as the event's organiser (e.g. the board's), with the feed's sender address."""

    day: date
    uid: str
    summary: str
    description: str = ""
    organizer: str = ""


# (db, person id, the person's board ids) → that person's events.
FeedEventsFn = Callable[[Session, int, frozenset[int]], Sequence[FeedEvent]]

_PROVIDERS: dict[str, FeedEventsFn] = {}


def register_feed_events(owner: str, fn: FeedEventsFn) -> None:
    _PROVIDERS[owner] = fn


def feed_events(db: Session, *, person_id: int, board_ids: Collection[int]) -> list[FeedEvent]:
    """Every provider's events for the person, by day (the same order on every read)."""
    boards = frozenset(board_ids)
    found: list[FeedEvent] = []
    for owner in sorted(_PROVIDERS):
        found += _PROVIDERS[owner](db, person_id, boards)
    return sorted(found, key=lambda e: (e.day, e.uid))
