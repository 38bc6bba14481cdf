"""Private notes: a reader's own note on an agenda item, seen by nobody else.

A note belongs to the item (not to a page of a pack), so it survives every new pack version;
it goes with the item when the item is deleted. Callers pass the person whose notes they want:
there is no way to read another person's notes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from boardkit.core.db import utcnow
from boardkit.core.errors import ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.templating import fmt_number
from boardkit.meetings.models import AgendaItem, PrivateNote

MAX_CHARS = 10_000


def get_notes(db: Session, *, person_id: int, item_ids: Iterable[int]) -> dict[int, PrivateNote]:
    """The person's notes on the given items, by item id."""
    ids = list(set(item_ids))
    if not ids:
        return {}
    rows = db.scalars(
        select(PrivateNote).where(PrivateNote.person_id == person_id, PrivateNote.agenda_item_id.in_(ids))
    )
    return {note.agenda_item_id: note for note in rows}


def save_note(db: Session, *, person_id: int, item: AgendaItem, text: str) -> PrivateNote | None:
    """Write the person's note on the item; an empty text deletes it (returns None)."""
    text = text.replace("\r\n", "\n").replace("\x00", "").strip()  # NUL: PostgreSQL refuses it
    if len(text) > MAX_CHARS:
        raise ValidationFailed(
            _("Noten må højst være %(max)s tegn.", max=fmt_number(MAX_CHARS)),
            fields={"text": "too_long"},
        )
    note = get_notes(db, person_id=person_id, item_ids=[item.id]).get(item.id)
    if not text:
        if note is not None:
            db.delete(note)
            db.flush()
        return None
    if note is None:
        try:
            with db.begin_nested():  # the same person saving in two tabs at once: the second updates
                note = PrivateNote(person_id=person_id, agenda_item_id=item.id, text=text)
                db.add(note)
            return note
        except IntegrityError:
            note = get_notes(db, person_id=person_id, item_ids=[item.id])[item.id]
    if note.text != text:
        note.text, note.updated_at = text, utcnow()
    db.flush()
    return note


def digest(texts: dict[int, str]) -> str:
    """A fingerprint of notes by item (part of a rendered pack's cache key); "" for none."""
    if not texts:
        return ""
    canonical = json.dumps(sorted(texts.items()), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
