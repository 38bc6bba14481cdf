"""The personal calendar feed's secret URL: ``/calendar/{token}.ics``.

The URL must be shown again on the profile page whenever the person looks, so the token is not
a random value kept only as a hash (that could be shown once). Instead it is *derived*:
``token = "<person id>-" + HMAC(secret_key, "calendar-feed:<person id>:<generation>")``, where the
generation is the ``created_at`` of the person's ``CalendarFeed`` row (none yet: generation 0).
The database holds no token and nothing a token can be made from without the server's key
(only its SHA-256, for the record). "Lav nyt link" writes a new generation, so the old URL stops
working at once. Changing ``BOARDKIT_SECRET_KEY`` changes every feed URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core import audit
from boardkit.core.db import utcnow
from boardkit.meetings.models import CalendarFeed

FEED_PATH = "/calendar/{token}.ics"


def _generation(feed: CalendarFeed | None) -> str:
    if feed is None:
        return "0"
    return feed.created_at.astimezone(UTC).isoformat()


def derive_token(*, secret_key: str, person_id: int, feed: CalendarFeed | None) -> str:
    message = f"calendar-feed:{person_id}:{_generation(feed)}".encode()
    mac = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()[:24]
    return f"{person_id}-{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def _feed_row(db: Session, person_id: int) -> CalendarFeed | None:
    return db.scalar(select(CalendarFeed).where(CalendarFeed.person_id == person_id))


def feed_token(db: Session, *, secret_key: str, person_id: int) -> str:
    """The person's current feed token."""
    return derive_token(secret_key=secret_key, person_id=person_id, feed=_feed_row(db, person_id))


def calendar_feed_url(db: Session, *, person_id: int, base_url: str, secret_key: str) -> str:
    """The secret https:// address of the person's calendar feed (show it as webcal:// too)."""
    token = feed_token(db, secret_key=secret_key, person_id=person_id)
    return base_url + FEED_PATH.format(token=token)


def webcal(url: str) -> str:
    return "webcal://" + url.split("://", 1)[1]


def regenerate_feed(db: Session, *, person_id: int, secret_key: str) -> str:
    """Make a new feed token; the old URL stops working. Returns the new token."""
    feed = _feed_row(db, person_id)
    now = utcnow()
    if feed is None:
        feed = CalendarFeed(person_id=person_id, token_hash="", created_at=now)
        db.add(feed)
    elif feed.created_at >= now:  # two clicks in one clock tick must still give a new token
        now = feed.created_at + timedelta(microseconds=1)
    feed.created_at = now
    token = derive_token(secret_key=secret_key, person_id=person_id, feed=feed)
    feed.token_hash = hashlib.sha256(token.encode()).hexdigest()
    db.flush()
    audit.record(
        db,
        actor_id=person_id,
        action="calendar_feed.regenerate",
        object_type="person",
        object_id=person_id,
        summary="",
    )
    return token


def resolve_feed_token(db: Session, *, secret_key: str, token: str) -> int | None:
    """The person whose current token this is, or None (unknown, malformed or replaced)."""
    head, sep, _mac = token.partition("-")
    if not sep or not head.isdigit() or len(head) > 18 or len(token) > 80:
        return None
    person_id = int(head)
    expected = derive_token(secret_key=secret_key, person_id=person_id, feed=_feed_row(db, person_id))
    return person_id if hmac.compare_digest(expected.encode(), token.encode()) else None
