"""What each person hears from a forum space, and the threads they muted.

Per person and space a level — ``all`` (every post at once), ``mentions`` (only when mentioned or
answered in one's own thread), ``digest`` (those at once; the rest in one mail a day) or ``off``
(nothing) — and whether mails hide the post's content (only a neutral line and a link).

Without a choice of their own:

* **a board's forum**: ``all`` with the content hidden. A board is a handful of people who talk
  between meetings and expect an answer; what they write is often confidential (tenants' cases,
  staff, tenders) and must not sit in private mailboxes, so a mail only says that there is a new
  post and links to it.
* **a bulletin board**: ``digest`` with the content shown. A department has hundreds of
  residents: a mail for every borrowed drill would be the flood people complain about, and the
  posts are written for the whole department anyway (the poster in the stairwell shows them too).

A muted thread (``mute``; leaving a thread is muting it) sends nothing, mentions included. A
person's preferences are their own business: changing them is not audited.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from boardkit.core.errors import NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.forum.models import LEVELS, Preference, Space, Thread, ThreadState

# space kind → (level, hide_content) of everyone who has not chosen
DEFAULTS: dict[str, tuple[str, bool]] = {"board": ("all", True), "bulletin": ("digest", False)}


def defaults(kind: str) -> tuple[str, bool]:
    """The level and content hiding of a space of this kind for those who have not chosen."""
    return DEFAULTS[kind]


def _preference(db: Session, person_id: int, space_id: int) -> Preference | None:
    return db.scalar(
        select(Preference).where(Preference.person_id == person_id, Preference.space_id == space_id)
    )


def level_for(db: Session, person_id: int, space: Space) -> str:
    """``all``, ``mentions``, ``digest`` or ``off``: the person's choice, or the space's default."""
    chosen = _preference(db, person_id, space.id)
    return chosen.level if chosen is not None else defaults(space.kind)[0]


def hides_content(db: Session, person_id: int, space: Space) -> bool:
    """Whether the person's mails about the space carry only a neutral line and a link."""
    chosen = _preference(db, person_id, space.id)
    return chosen.hide_content if chosen is not None else defaults(space.kind)[1]


def level_column() -> ColumnElement[str]:
    """The level as SQL, in a query that outer-joins ``Preference`` and joins ``Space``."""
    fallback = case(*((Space.kind == k, v[0]) for k, v in DEFAULTS.items()), else_="off")
    return func.coalesce(Preference.level, fallback)


def hide_column() -> ColumnElement[bool]:
    """Content hiding as SQL, in a query that outer-joins ``Preference`` and joins ``Space``."""
    fallback = case(*((Space.kind == k, v[1]) for k, v in DEFAULTS.items()), else_=True)
    return func.coalesce(Preference.hide_content, fallback)


def set_preference(
    db: Session, *, person_id: int, space_id: int, level: str, hide_content: bool
) -> Preference:
    """Choose what the person hears from the space (404 for a space that does not exist; the caller
    checks that the person may see it)."""
    errors: dict[str, str] = {}
    if level not in LEVELS:
        errors["level"] = _("Vælg alle indlæg, kun omtaler, et dagligt overblik eller ingen besked.")
    if not isinstance(hide_content, bool):
        errors["hide_content"] = _("Vælg, om e-mails skal vise indlæggets tekst.")
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    if db.get(Space, space_id) is None:
        raise NotFound()
    chosen = _preference(db, person_id, space_id)
    if chosen is None:
        try:
            with db.begin_nested():  # the same person choosing in two tabs at once: the second updates
                chosen = Preference(
                    person_id=person_id, space_id=space_id, level=level, hide_content=hide_content
                )
                db.add(chosen)
            return chosen
        except IntegrityError:
            chosen = _preference(db, person_id, space_id)
            assert chosen is not None
    chosen.level, chosen.hide_content = level, hide_content
    return chosen


def mute(db: Session, person_id: int, thread_id: int, muted: bool) -> None:
    """Mute (or leave) a thread, or hear it again (404 for a thread that does not exist)."""
    if db.get(Thread, thread_id) is None:
        raise NotFound()
    state = db.scalar(
        select(ThreadState).where(ThreadState.person_id == person_id, ThreadState.thread_id == thread_id)
    )
    if state is None:
        try:
            with db.begin_nested():
                db.add(ThreadState(person_id=person_id, thread_id=thread_id, muted=muted))
            return
        except IntegrityError:
            state = db.scalar(
                select(ThreadState).where(
                    ThreadState.person_id == person_id, ThreadState.thread_id == thread_id
                )
            )
            assert state is not None
    state.muted = muted
