"""Memberships of boards: the checks (roles, overlapping terms) and adding or changing one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import cast

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from boardkit.core import audit
from boardkit.core.errors import Conflict, NotFound
from boardkit.core.i18n import _
from boardkit.core.templating import fmt_date
from boardkit.org.boards import role_name
from boardkit.org.models import (
    Board,
    Membership,
    Person,
)
from boardkit.org.periods import periods_overlap

MEMBERSHIP_FIELDS = ("role", "start_date", "end_date")


def _period(m: Membership) -> str:
    if m.end_date is None:
        return _("fra %(start)s uden slutdato", start=fmt_date(m.start_date))
    return _("fra %(start)s til %(end)s", start=fmt_date(m.start_date), end=fmt_date(m.end_date))


def check_membership(
    db: Session,
    *,
    board: Board,
    person_id: int,
    role: str,
    start_date: date,
    end_date: date | None,
    except_id: int | None = None,
) -> None:
    """One chair of a board at a time, and one role per person and board at a time (409 otherwise).

    Periods are compared, not today's state: a membership that has ended before the new one starts
    is history, and one that ends in the future still counts until its last day (end dates are
    inclusive, so a successor starts the day after).
    """
    query = (
        select(Membership)
        .options(joinedload(Membership.person))
        .where(
            Membership.board_id == board.id,
            or_(Membership.person_id == person_id, Membership.role == "chair"),
            or_(Membership.end_date.is_(None), Membership.end_date >= start_date),
        )
        .order_by(Membership.start_date, Membership.id)
    )
    if except_id is not None:
        query = query.where(Membership.id != except_id)
    for other in db.scalars(query):
        if not periods_overlap(start_date, end_date, other.start_date, other.end_date):
            continue
        if other.person_id == person_id:
            raise Conflict(
                _(
                    "%(name)s sidder allerede i %(board)s som %(role)s %(period)s. En person har én rolle i "
                    "en bestyrelse ad gangen: afslut det medlemskab, og lad det nye begynde dagen efter.",
                    name=other.person.name,
                    board=board.name,
                    role=role_name(other.role),
                    period=_period(other),
                ),
                code="already_member",
                fields={"role": "already_member"},
            )
        if role == "chair":
            raise Conflict(
                _(
                    "%(board)s har allerede en formand: %(name)s %(period)s. Afslut det medlemskab, og lad "
                    "den nye formand begynde dagen efter.",
                    name=other.person.name,
                    board=board.name,
                    period=_period(other),
                ),
                code="chair_taken",
                fields={"role": "chair_taken"},
            )


def lock_board(db: Session, *, board_id: int) -> None:
    """Serialise changes to a board's memberships (PostgreSQL: row lock; SQLite writers are serial)."""
    db.execute(select(Board.id).where(Board.id == board_id).with_for_update())


def _flush_membership(db: Session, membership: Membership) -> None:
    """Flush in a savepoint: the database's own rule (partial unique indexes) becomes a 409."""
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError as exc:
        raise Conflict(
            _("Bestyrelsen blev ændret samtidig, og medlemskabet strider nu mod den. Prøv igen."),
            code="membership_conflict",
        ) from exc


def add_membership(
    db: Session,
    board: Board,
    *,
    actor_id: int | None,
    person: Person,
    role: str,
    start_date: date,
    end_date: date | None = None,
) -> Membership:
    """Add a person to a board in a role, audited; 409 when it breaks a membership rule."""
    lock_board(db, board_id=board.id)
    check_membership(
        db, board=board, person_id=person.id, role=role, start_date=start_date, end_date=end_date
    )
    membership = Membership(
        board_id=board.id, person_id=person.id, role=role, start_date=start_date, end_date=end_date
    )
    db.add(membership)
    _flush_membership(db, membership)
    audit.record(
        db,
        actor_id=actor_id,
        action="membership.create",
        obj=membership,
        organisation_id=board.organisation_id,
        summary=f"{person.name} → {board.name}",
        diff=audit.changes({}, audit.snapshot(membership, MEMBERSHIP_FIELDS)),
    )
    started(db, [membership])
    return membership


MembershipHook = Callable[[Session, Membership], None]
_ON_START: dict[str, MembershipHook] = {}


def on_membership_added(owner: str, hook: MembershipHook) -> None:
    """Call ``hook(db, membership)`` in the same transaction whenever a membership is added (on the
    board page or by an import); registering again replaces."""
    _ON_START[owner] = hook


def started(db: Session, memberships: list[Membership]) -> None:
    for membership in memberships:
        for hook in _ON_START.values():
            hook(db, membership)


def get_membership(db: Session, *, board: Board, membership_id: int) -> Membership:
    m = db.get(Membership, membership_id, options=[joinedload(Membership.person)])
    if m is None or m.board_id != board.id:
        raise NotFound()
    return m


def update_membership(
    db: Session, membership: Membership, *, actor_id: int | None, **values: object
) -> Membership:
    """Change a membership's role or dates, audited; 409 when it breaks a membership rule."""
    lock_board(db, board_id=membership.board_id)
    before = audit.snapshot(membership, MEMBERSHIP_FIELDS)
    after = {f: values.get(f, getattr(membership, f)) for f in MEMBERSHIP_FIELDS}
    diff = audit.changes(before, {f: audit.snapshot_value(v) for f, v in after.items()})
    if not diff:
        return membership
    end, old_end = cast("date | None", after["end_date"]), membership.end_date
    shorter = set(diff) == {"end_date"} and end is not None and (old_end is None or end <= old_end)
    if not shorter:  # ending a term sooner never breaks a rule (and must work even on old, bad data)
        check_membership(  # before the change, so a refusal leaves the membership as it was
            db,
            board=membership.board,
            person_id=membership.person_id,
            role=cast(str, after["role"]),
            start_date=cast(date, after["start_date"]),
            end_date=end,
            except_id=membership.id,
        )
    for key, value in values.items():
        setattr(membership, key, value)
    _flush_membership(db, membership)
    audit.record(
        db,
        actor_id=actor_id,
        action="membership.update",
        obj=membership,
        organisation_id=membership.board.organisation_id,
        summary=f"{membership.person.name} → {membership.board.name}",
        diff=diff,
    )
    return membership
