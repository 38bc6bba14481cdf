"""Memberships of boards: the checks (roles, overlapping terms), adding, changing and ending one,
resigning, and what happens — once, on time — when a membership ends (``run_end_effects``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from boardkit.core import audit, jobs
from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict, NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.core.templating import fmt_date, fmt_datetime
from boardkit.org.boards import role_name
from boardkit.org.models import (
    Board,
    Membership,
    Person,
)
from boardkit.org.periods import day_end, day_start, last_day, local_day, moments_overlap, today

log = logging.getLogger("boardkit.org.memberships")

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
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> None:
    """One chair of a board at a time, and one role per person and board at a time (409 otherwise).

    Terms are compared as moments (``starts_at``/``ends_at``, by default what the dates stand for),
    not today's state: a membership that has ended before the new one starts is history, and one
    that ends in the future still counts until it ends. A successor may start at the very moment
    a predecessor ends — the new chair elected at 21:30 when the old chair's seat ends at 21:30.
    """
    start = starts_at or day_start(start_date)
    end = ends_at or (None if end_date is None else day_end(end_date))
    query = (
        select(Membership)
        .options(joinedload(Membership.person))
        .where(
            Membership.board_id == board.id,
            or_(Membership.person_id == person_id, Membership.role == "chair"),
            or_(Membership.ends_at.is_(None), Membership.ends_at > start),
        )
        .order_by(Membership.start_date, Membership.id)
    )
    if except_id is not None:
        query = query.where(Membership.id != except_id)
    for other in db.scalars(query):
        if not moments_overlap(start, end, other.start_moment, other.end_moment):
            continue
        if other.person_id == person_id:
            raise Conflict(
                _(
                    "%(name)s sidder allerede i %(board)s som %(role)s %(period)s. En person har én "
                    "rolle i en bestyrelse ad gangen: afslut det medlemskab, og lad det nye begynde, "
                    "når det slutter.",
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
                    "den nye formand begynde, når det slutter.",
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
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> Membership:
    """Add a person to a board in a role, audited; 409 when it breaks a membership rule.

    ``starts_at``/``ends_at`` give exact moments (e.g. a seat that starts as the electing meeting
    ends); by default the term runs from local midnight of ``start_date`` to the local midnight
    after ``end_date``. A given moment wins over its date (the date becomes its local day)."""
    if starts_at is not None:
        start_date = local_day(starts_at)
    if ends_at is not None:
        end_date = last_day(ends_at)
    starts_at = starts_at or day_start(start_date)
    ends_at = ends_at or (None if end_date is None else day_end(end_date))
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationFailed(
            _("Medlemskabet skal slutte, efter det er begyndt."),
            code="end_before_start",
            fields={"end_date": _("Slutdatoen skal ligge efter startdatoen.")},
        )
    lock_board(db, board_id=board.id)
    check_membership(
        db,
        board=board,
        person_id=person.id,
        role=role,
        start_date=start_date,
        end_date=end_date,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    membership = Membership(
        board_id=board.id,
        person_id=person.id,
        role=role,
        start_date=start_date,
        end_date=end_date,
        starts_at=starts_at,
        ends_at=ends_at,
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
    """Change a membership's role or dates, audited; 409 when it breaks a membership rule.

    A changed date moves its moment to what the date stands for (midnight); a term that now ends
    in the future has its end's effects scheduled (and the sweep catches one that already ended)."""
    lock_board(db, board_id=membership.board_id)
    before = audit.snapshot(membership, MEMBERSHIP_FIELDS)
    after = {f: values.get(f, getattr(membership, f)) for f in MEMBERSHIP_FIELDS}
    diff = audit.changes(before, {f: audit.snapshot_value(v) for f, v in after.items()})
    if not diff:
        return membership
    end, old_end = cast("date | None", after["end_date"]), membership.end_date
    start = cast(date, after["start_date"])
    starts_at = day_start(start) if "start_date" in diff else membership.start_moment
    ends_at = (None if end is None else day_end(end)) if "end_date" in diff else membership.end_moment
    shorter = set(diff) == {"end_date"} and end is not None and (old_end is None or end <= old_end)
    if not shorter:  # ending a term sooner never breaks a rule (and must work even on old, bad data)
        check_membership(  # before the change, so a refusal leaves the membership as it was
            db,
            board=membership.board,
            person_id=membership.person_id,
            role=cast(str, after["role"]),
            start_date=start,
            end_date=end,
            except_id=membership.id,
            starts_at=starts_at,
            ends_at=ends_at,
        )
    for key, value in values.items():
        setattr(membership, key, value)
    if "start_date" in diff:
        membership.starts_at = starts_at
    if "end_date" in diff:
        _set_end(membership, ends_at)
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
    if "end_date" in diff:
        schedule_end_effects(db, membership)
    return membership


def _set_end(membership: Membership, ends_at: datetime | None) -> None:
    """Set the end moment and its date; a term that now ends later than now ends again, with its
    effects, when it does."""
    membership.ends_at = ends_at
    membership.end_date = None if ends_at is None else last_day(ends_at)
    if ends_at is None or ends_at > utcnow():
        membership.ended_effects_at = None


# Why a seat ends (the audit entry's reason): the transitions' own reasons among them — a
# substitute moving up and a new role leave the old seat for a new one.
END_REASONS = (
    "election",
    "role_change",
    "substitute_up",
    "resignation",
    "end_of_term",
    "move_out",
    "other",
)


def end_membership(
    db: Session, membership: Membership, *, ends_at: datetime, actor_id: int | None, reason: str
) -> Membership:
    """End a membership at the moment ``ends_at`` (its end date becomes that moment's local day
    — an end at local midnight ends the day before), audited as ``membership.end`` with the reason.

    Ending never extends a seat: a membership that already ends earlier is refused (422), one that
    already ends at that very moment is returned as it is (so confirming twice changes nothing).
    An end before the start is refused (422). What ending takes away runs at ``ends_at`` by a job
    (``run_end_effects``), scheduled here; the periodic sweep backs it up."""
    if reason not in END_REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    if ends_at.tzinfo is None:
        raise ValueError("ends_at must be timezone-aware")
    lock_board(db, board_id=membership.board_id)
    db.flush()
    db.refresh(membership)  # the end as it is now that the board is locked
    if membership.ends_at is not None and membership.ends_at == ends_at:
        return membership
    if ends_at <= membership.start_moment:
        raise ValidationFailed(
            _(
                "Medlemskabet kan ikke slutte %(end)s: det begyndte %(start)s.",
                end=fmt_datetime(ends_at),
                start=fmt_date(membership.start_date),
            ),
            code="end_before_start",
            fields={"date": _("Datoen ligger før medlemskabet begyndte.")},
        )
    if membership.ends_at is not None and membership.ends_at < ends_at:
        raise ValidationFailed(
            _(
                "Medlemskabet slutter allerede %(end)s og kan ikke forlænges ved at afslutte det.",
                end=fmt_datetime(membership.ends_at),
            ),
            code="already_ending",
            fields={"date": _("Medlemskabet slutter allerede før den dato.")},
        )
    before = {"end_date": audit.snapshot_value(membership.end_date), "ends_at": _iso(membership.ends_at)}
    _set_end(membership, ends_at)
    _flush_membership(db, membership)
    after = {"end_date": audit.snapshot_value(membership.end_date), "ends_at": _iso(membership.ends_at)}
    audit.record(
        db,
        actor_id=actor_id,
        action="membership.end",
        obj=membership,
        organisation_id=membership.board.organisation_id,
        summary=f"{membership.person.name} → {membership.board.name} ({reason})",
        diff={**audit.changes(before, after), "reason": [None, reason]},
    )
    schedule_end_effects(db, membership)
    return membership


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def get_own_membership(db: Session, *, principal: Principal, membership_id: int) -> Membership:
    """One of the person's own memberships (404 for anyone else's)."""
    m = db.get(
        Membership, membership_id, options=[joinedload(Membership.person), joinedload(Membership.board)]
    )
    if m is None or m.person_id != principal.person_id:
        raise NotFound()
    return m


def my_membership(
    db: Session, *, principal: Principal, board_id: int, now: datetime | None = None
) -> Membership:
    """The person's membership of a board in office now (404 when they have none)."""
    now = now or utcnow()
    found = db.scalars(
        select(Membership)
        .options(joinedload(Membership.board), joinedload(Membership.person))
        .where(
            Membership.board_id == board_id,
            Membership.person_id == principal.person_id,
            Membership.starts_at <= now,
            or_(Membership.ends_at.is_(None), Membership.ends_at > now),
        )
        .order_by(Membership.starts_at.desc())
    ).first()
    if found is None or principal.person_id is None:
        raise NotFound()
    return found


def check_resignation(membership: Membership, *, principal: Principal, effective: date) -> datetime:
    """The moment a resignation with ``effective`` as the last day would end the seat (the local
    midnight after it, or an exact end already set that day); 404 for someone else's membership,
    422 for a date before the membership began, before today, or after an end already set."""
    if membership.person_id != principal.person_id:
        raise NotFound()
    if effective < membership.start_date:
        raise ValidationFailed(
            _("Datoen ligger før medlemskabet begyndte (%(start)s).", start=fmt_date(membership.start_date)),
            code="before_start",
            fields={"date": _("Datoen ligger før medlemskabet begyndte.")},
        )
    if effective < today():
        raise ValidationFailed(
            _("Datoen ligger før i dag. Vælg i dag eller en senere dato."),
            code="in_the_past",
            fields={"date": _("Datoen ligger før i dag.")},
        )
    if membership.end_date is not None and effective > membership.end_date:
        raise ValidationFailed(
            _(
                "Dit medlemskab slutter allerede %(end)s. Vælg den dato eller en tidligere.",
                end=fmt_date(membership.end_date),
            ),
            code="after_end",
            fields={"date": _("Medlemskabet slutter allerede før den dato.")},
        )
    ends_at = day_end(effective)
    if membership.ends_at is not None and membership.ends_at < ends_at:
        ends_at = membership.ends_at  # an exact end that day (e.g. 21:30) stays as it is
    return ends_at


def resign(db: Session, membership: Membership, *, principal: Principal, effective: date) -> Membership:
    """The member resigns from the board: the seat ends at the end of ``effective`` (the local
    midnight after it), by ``end_membership`` with the reason "resignation". Only the member
    themself may (404 otherwise); see ``check_resignation`` for the dates refused (422)."""
    ends_at = check_resignation(membership, principal=principal, effective=effective)
    return end_membership(db, membership, ends_at=ends_at, actor_id=principal.person_id, reason="resignation")


# --- when a membership ends ----------------------------------------------------------------

END_EFFECTS_JOB = "org.membership_ended"
END_SWEEP_JOB = "org.membership_end_sweep"
END_SWEEP_SECONDS = 20.0
_ON_END: dict[str, MembershipHook] = {}


def on_membership_ended(owner: str, hook: MembershipHook) -> None:
    """Call ``hook(db, membership)`` once when a membership's end moment has passed, in the
    transaction of the job that marks its end as done (``run_end_effects``); registering again
    replaces. A hook that raises rolls the end back, and the job tries again later."""
    _ON_END[owner] = hook


def schedule_end_effects(db: Session, membership: Membership) -> None:
    """Queue the end's effects for the moment the membership ends (the sweep backs it up)."""
    if membership.ends_at is None or membership.ended_effects_at is not None:
        return
    delay = max(membership.ends_at - utcnow(), timedelta())
    jobs.enqueue(db, END_EFFECTS_JOB, {"membership_id": membership.id}, delay=delay)


def run_end_effects(db: Session, *, membership_id: int, now: datetime | None = None) -> bool:
    """Do what a membership's end does, once: mark it done (which raises the data generation, so
    no cached page made with the old rights is served again) and call the ``on_membership_ended``
    hooks. False when the membership has not ended yet or its end was done already — a
    conditional update decides, so two workers or sweeps at once do it exactly once."""
    now = now or utcnow()
    won = db.scalar(
        update(Membership)
        .where(
            Membership.id == membership_id,
            Membership.ended_effects_at.is_(None),
            Membership.ends_at.is_not(None),
            Membership.ends_at <= now,
        )
        .values(ended_effects_at=now)
        .returning(Membership.id)
        .execution_options(synchronize_session=False)
    )
    if won is None:
        return False
    membership = db.get(Membership, membership_id, populate_existing=True)
    assert membership is not None
    for hook in _ON_END.values():
        hook(db, membership)
    log.info("membership %s ended at %s", membership_id, membership.ends_at)
    return True


def end_effects_job(db: Session, payload: dict[str, Any]) -> None:
    """The job queued by ``schedule_end_effects`` (early or late runs are harmless)."""
    run_end_effects(db, membership_id=int(payload["membership_id"]))


def ended_without_effects(db: Session, *, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Memberships whose end has passed and whose end's effects have not run."""
    now = now or utcnow()
    return list(
        db.scalars(
            select(Membership.id)
            .where(Membership.ended_effects_at.is_(None), Membership.ends_at <= now)
            .order_by(Membership.ends_at, Membership.id)
            .limit(limit)
        )
    )


def sweep_ended(db: Session, payload: dict[str, Any] | None = None) -> int:
    """The periodic sweep: the end's effects of every membership that ended without them (an
    import, a changed end date, a term ending by date, a lost job). Each runs in a savepoint, so
    one failing hook does not hold back the others."""
    done = 0
    for membership_id in ended_without_effects(db):
        try:
            with db.begin_nested():
                done += run_end_effects(db, membership_id=membership_id)
        except Exception:
            log.exception("the end of membership %s failed; the next sweep tries again", membership_id)
    return done
