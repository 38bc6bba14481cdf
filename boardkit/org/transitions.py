"""Changes of a board: elections, substitutes moving up, resignations and move-outs.

History belongs to the board, and a seat ends exactly when the mandate does:

* **Elections.** When the minutes of an ordinary department meeting that record an election are
  approved, :func:`propose_election` compares the result with the seats held at the meeting's end
  and proposes the changes — new seats, re-elections (a longer term), seats that end, a
  substitute who is elected member (a new seat of the same person: their history stays theirs), a
  chair elected directly. The administration confirms them in one step (:func:`confirm`); every
  change is a membership change in the audit log, the new seats start onboarding (the
  ``on_membership_added`` hooks) and the ending seats end at the meeting's end time.
* **Vacancies.** A member who resigns (:func:`resign`) or moves out (:func:`end_seats_of_movers`,
  called by the residents import) leaves a seat; the first substitute in line is proposed to move
  up (:func:`propose_vacancy`), told to the chair and the administration.
* **Done at once.** A resignation and a move-out are recorded as done transitions, so the board's
  list shows what happened and why.

Confirming is idempotent and exactly one of two confirmations at once applies the changes (the
transition's row is locked first).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from boardkit.config import Settings
from boardkit.core import audit, jobs, notify
from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict, NotFound
from boardkit.core.i18n import _
from boardkit.core.permissions import Action, Principal
from boardkit.core.templating import TZ, fmt_date
from boardkit.org import memberships
from boardkit.org.boards import get_board, role_name
from boardkit.org.households import list_administration_contacts
from boardkit.org.models import Board, Membership, Person, Residency, Tenancy, Transition
from boardkit.org.periods import day_end, in_office_clause

NOTICE_KIND = "board_transition"
NOTICE_JOB = "board_transition.notice"
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Elected:
    person_id: int
    role: str  # "member" or "chair" (a chair elected directly by the meeting)
    term_end: date | None


@dataclass(frozen=True)
class ElectedSubstitute:
    person_id: int
    order: int
    term_end: date | None


@dataclass(frozen=True)
class ElectionOutcome:
    """What the approved minutes of an ordinary department meeting say about the board."""

    meeting_id: int
    board_id: int
    ends_at: datetime  # the meeting's end (UTC): departing seats end, new ones start
    elected: tuple[Elected, ...]
    substitutes: tuple[ElectedSubstitute, ...]
    leaving: tuple[int, ...]  # person ids of members and substitutes whose seat ends
    until_years: tuple[tuple[int, int], ...] = ()  # (person id, year): "til ordinært afdelingsmøde YYYY"


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _seated(db: Session, board_id: int, at: datetime) -> list[Membership]:
    """The board's seats held at the moment ``at``."""
    return list(
        db.scalars(
            select(Membership)
            .where(Membership.board_id == board_id, in_office_clause(at))
            .order_by(Membership.start_date, Membership.id)
        )
    )


def _end(m: Membership, reason: str) -> dict[str, Any]:
    return {
        "action": "end",
        "membership_id": m.id,
        "person_id": m.person_id,
        "role": m.role,
        "reason": reason,
    }


def _start(person_id: int, role: str, term_end: date | None, position: int | None = None) -> dict[str, Any]:
    return {
        "action": "start",
        "person_id": person_id,
        "role": role,
        "end_date": _iso(term_end),
        "position": position,
    }


def _extend(m: Membership, term_end: date | None, position: int | None = None) -> dict[str, Any]:
    return {
        "action": "extend",
        "membership_id": m.id,
        "person_id": m.person_id,
        "role": m.role,
        "end_date": _iso(term_end),
        "position": position,
    }


def election_changes(db: Session, outcome: ElectionOutcome) -> list[dict[str, Any]]:
    """The membership changes the election asks for, against the seats held at the meeting's end."""
    elected = {e.person_id: e for e in outcome.elected}
    subs = {s.person_id: s for s in outcome.substitutes}
    leaving = set(outcome.leaving) - set(elected) - set(subs)
    chair_elected = next((e.person_id for e in outcome.elected if e.role == "chair"), None)
    changes: list[dict[str, Any]] = []
    seated_people: set[int] = set()
    for m in _seated(db, outcome.board_id, outcome.ends_at):
        seated_people.add(m.person_id)
        e, s = elected.get(m.person_id), subs.get(m.person_id)
        if m.role == "substitute":
            if e is not None:  # moves up: the substitute seat ends, a member's seat starts
                changes += [_end(m, "substitute_up"), _start(m.person_id, e.role, e.term_end)]
            elif s is not None:
                changes.append(_extend(m, s.term_end, s.order))
            else:  # the meeting elects the substitutes anew: those not elected again step down
                changes.append(_end(m, "election"))
            continue
        wanted = m.role
        if e is not None and e.role == "chair":
            wanted = "chair"
        elif m.role == "chair" and chair_elected is not None and chair_elected != m.person_id:
            wanted = "member"  # the meeting elected another chair: this one stays a member
        if e is None and m.person_id in leaving:
            changes.append(_end(m, "election"))
        elif wanted != m.role:
            term = e.term_end if e is not None else m.end_date
            changes += [_end(m, "role_change"), _start(m.person_id, wanted, term)]
        elif e is not None:
            changes.append(_extend(m, e.term_end))
    for e in outcome.elected:
        if e.person_id not in seated_people:
            changes.append(_start(e.person_id, e.role, e.term_end))
    for s in outcome.substitutes:
        if s.person_id not in seated_people:
            changes.append(_start(s.person_id, "substitute", s.term_end, s.order))
    years = dict(outcome.until_years)
    for change in changes:
        if change["action"] != "end" and change["person_id"] in years:
            change["until_year"] = years[change["person_id"]]
    # Ends first, so a seat (the chair's) is free before its successor takes it.
    order = {"end": 0, "extend": 1, "start": 2}
    return sorted(changes, key=lambda c: order[c["action"]])


def _transition(db: Session, board: Board, key: str) -> Transition | None:
    return db.scalar(select(Transition).where(Transition.board_id == board.id, Transition.key == key))


def propose_election(db: Session, outcome: ElectionOutcome, *, tell: bool = True) -> Transition | None:
    """Propose the election's changes (once per meeting; a proposal not yet confirmed is brought up
    to date), told to the chair and the administration unless ``tell`` is False (the demo). None when
    the election changes nothing."""
    board = db.get(Board, outcome.board_id)
    if board is None:
        return None
    changes = election_changes(db, outcome)
    key = f"election:{outcome.meeting_id}"
    transition = _transition(db, board, key)
    if transition is not None and transition.status != "proposed":
        return transition
    if not changes:
        return transition
    if transition is None:
        transition = Transition(
            organisation_id=board.organisation_id,
            board_id=board.id,
            key=key,
            kind="election",
            meeting_id=outcome.meeting_id,
            effective_at=outcome.ends_at,
        )
        db.add(transition)
    transition.changes = changes
    return _proposed(db, board, transition, tell=tell)


def propose_vacancy(db: Session, vacated: Membership, *, term_end: date | None) -> Transition | None:
    """The first substitute in line moves up into a seat that ends before its term (a resignation, a
    move-out). None when the seat was a substitute's or the board has no substitute left."""
    if vacated.role == "substitute":
        return None
    board = vacated.board
    at = vacated.ends_at or utcnow()
    waiting = [
        m for m in _seated(db, board.id, at) if m.role == "substitute" and m.person_id != vacated.person_id
    ]
    if not waiting:
        return None
    first = min(waiting, key=lambda m: (m.position is None, m.position or 0, m.start_date, m.id))
    key = f"substitute_up:{vacated.id}"
    existing = _transition(db, board, key)
    if existing is not None:
        return existing
    role = "member" if vacated.role == "chair" else vacated.role  # a chair's seat: the board constitutes anew
    transition = Transition(
        organisation_id=board.organisation_id,
        board_id=board.id,
        key=key,
        kind="substitute_up",
        effective_at=at,
        changes=[_end(first, "substitute_up"), _start(first.person_id, role, term_end)],
    )
    db.add(transition)
    return _proposed(db, board, transition, tell=True)


def _proposed(db: Session, board: Board, transition: Transition, *, tell: bool) -> Transition:
    """A proposal written: audited, and told to the chair and the administration by a job."""
    db.flush()
    audit.record(
        db,
        actor_id=None,
        action="transition.propose",
        obj=transition,
        organisation_id=board.organisation_id,
        summary=board.name,
        diff={"changes": [None, len(transition.changes)]},
    )
    if tell:
        jobs.enqueue(db, NOTICE_JOB, {"transition_id": transition.id})
    return transition


def _record_done(db: Session, m: Membership, *, kind: str, actor_id: int | None, at: datetime) -> Transition:
    transition = _transition(db, m.board, f"{kind}:{m.id}")
    if transition is None:
        transition = Transition(
            organisation_id=m.board.organisation_id,
            board_id=m.board_id,
            key=f"{kind}:{m.id}",
            kind=kind,
            status="done",
            effective_at=at,
            changes=[_end(m, kind)],
            decided_at=utcnow(),
            decided_by=actor_id,
        )
        db.add(transition)
    else:
        transition.effective_at, transition.changes = at, [_end(m, kind)]
    db.flush()
    return transition


def resign(db: Session, membership: Membership, *, principal: Principal, effective: date) -> Membership:
    """A member resigns from the end of ``effective`` (see ``memberships.resign``); the first
    substitute is proposed for the seat."""
    term_end = membership.end_date
    memberships.resign(db, membership, principal=principal, effective=effective)
    _record_done(db, membership, kind="resignation", actor_id=principal.person_id, at=day_end(effective))
    propose_vacancy(db, membership, term_end=term_end)
    return membership


def end_seats_of_movers(
    db: Session, *, person_ids: set[int], department_ids: set[int], day: date
) -> list[Membership]:
    """Only residents sit on a department's board: a person whose last home in a department ended on
    ``day`` leaves its boards at the end of that day, and the first substitute is proposed."""
    if not person_ids:
        return []
    at = day_end(day)
    still_home = {
        (p, d)
        for p, d in db.execute(
            select(Residency.person_id, Tenancy.department_id)
            .join(Tenancy, Tenancy.id == Residency.tenancy_id)
            .where(
                Residency.person_id.in_(person_ids),
                Tenancy.department_id.in_(department_ids),
                (Residency.end_date.is_(None)) | (Residency.end_date > day),
            )
        )
    }
    seats = db.scalars(
        select(Membership)
        .join(Board, Board.id == Membership.board_id)
        .options(joinedload(Membership.board), joinedload(Membership.person))
        .where(Membership.person_id.in_(person_ids), Board.department_id.in_(department_ids))
    ).all()
    ended = []
    for m in seats:
        if (m.person_id, m.board.department_id) in still_home or not m.active_at(at - _TICK):
            continue
        if m.ends_at is not None and m.ends_at <= at:
            continue
        term_end = m.end_date
        memberships.end_membership(db, m, ends_at=at, actor_id=None, reason="move_out")
        _record_done(db, m, kind="move_out", actor_id=None, at=at)
        propose_vacancy(db, m, term_end=term_end)
        ended.append(m)
    return ended


@dataclass(frozen=True)
class Departure:
    """A person leaving a board (not moving to another seat on it) and who took a seat as they left."""

    board_id: int
    person_id: int
    at: datetime
    successor_id: int | None


def departure(db: Session, ended: Membership) -> Departure | None:
    """What an ended seat means for the board: None when the person still sits on it afterwards (a
    new role, a substitute moving up), else who left and — when someone took a seat at that very
    moment — the successor (the highest role first)."""
    if ended.ends_at is None:
        return None
    after = _seated(db, ended.board_id, ended.ends_at)
    if any(m.person_id == ended.person_id for m in after):
        return None
    rank = {"chair": 0, "vice_chair": 1, "treasurer": 2, "member": 3, "substitute": 4}
    newcomers = sorted(
        (m for m in after if m.starts_at == ended.ends_at),
        key=lambda m: (rank.get(m.role, 9), m.id),
    )
    return Departure(
        board_id=ended.board_id,
        person_id=ended.person_id,
        at=ended.ends_at,
        successor_id=newcomers[0].person_id if newcomers else None,
    )


# --- reading and deciding ------------------------------------------------------------------------


def get_transition(db: Session, *, board: Board, transition_id: int) -> Transition:
    transition = db.get(Transition, transition_id)
    if transition is None or transition.board_id != board.id:
        raise NotFound()
    return transition


def list_transitions(db: Session, *, board: Board) -> list[Transition]:
    """The board's transitions, proposed first, then the newest."""
    rows = db.scalars(
        select(Transition).where(Transition.board_id == board.id).order_by(Transition.effective_at.desc())
    ).all()
    return sorted(rows, key=lambda t: t.status != "proposed")


def transitions_board(db: Session, *, principal: Principal, board_id: int) -> Board:
    """A board whose transitions the principal may read: its chair and vice chair, and the administration."""
    board = get_board(db, principal=principal, board_id=board_id, action=Action.MANAGE)
    return board


def _lock(db: Session, transition: Transition, principal: Principal) -> tuple[Board, Transition]:
    """The transition's board (administration only, 404 otherwise) and the transition, locked and
    read again, so of two decisions at once the second sees the first."""
    board = get_board(db, principal=principal, board_id=transition.board_id, action=Action.ADMINISTER)
    locked = db.scalar(
        select(Transition)
        .where(Transition.id == transition.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert locked is not None
    return board, locked


def _settle(
    db: Session, board: Board, transition: Transition, status: str, principal: Principal
) -> Transition:
    """Mark a proposal done or dismissed, audited (``transition.confirm`` / ``transition.dismiss``)."""
    transition.status, transition.decided_at, transition.decided_by = status, utcnow(), principal.person_id
    audit.record(
        db,
        actor_id=principal.person_id,
        action="transition.confirm" if status == "done" else "transition.dismiss",
        obj=transition,
        organisation_id=board.organisation_id,
        summary=board.name,
        diff={"status": ["proposed", status]},
    )
    return transition


def confirm(db: Session, transition: Transition, *, principal: Principal) -> Transition:
    """Apply a proposed transition's changes (administration only); confirming again changes nothing."""
    board, transition = _lock(db, transition, principal)
    if transition.status == "done":
        return transition
    if transition.status != "proposed":
        raise Conflict(_("Forslaget er afvist og kan ikke bekræftes."), code="transition_dismissed")
    for change in transition.changes:
        _apply(db, board, change, at=transition.effective_at, actor_id=principal.person_id)
    return _settle(db, board, transition, "done", principal)


def dismiss(db: Session, transition: Transition, *, principal: Principal) -> Transition:
    """Set a proposal aside (administration only): nothing changes; dismissing again is a no-op."""
    board, transition = _lock(db, transition, principal)
    if transition.status == "dismissed":
        return transition
    if transition.status != "proposed":
        raise Conflict(_("Ændringen er allerede gennemført."), code="transition_done")
    return _settle(db, board, transition, "dismissed", principal)


def _apply(db: Session, board: Board, change: dict[str, Any], *, at: datetime, actor_id: int | None) -> None:
    action = change["action"]
    if action == "start":
        person = db.get(Person, change["person_id"])
        if person is None:
            raise Conflict(_("En person i forslaget findes ikke længere."), code="transition_stale")
        end = date.fromisoformat(change["end_date"]) if change.get("end_date") else None
        new = memberships.add_membership(
            db,
            board,
            actor_id=actor_id,
            person=person,
            role=change["role"],
            start_date=at.astimezone(TZ).date(),
            starts_at=at,
            end_date=end,
        )
        new.position = change.get("position")
        return
    m = db.get(Membership, change["membership_id"])
    if m is None or m.board_id != board.id:
        return  # the seat was removed since: nothing left to change
    if action == "end":
        if m.ends_at is not None and m.ends_at <= at:
            return  # already over (e.g. ended by hand): keep the earlier end
        memberships.end_membership(
            db, m, ends_at=at, actor_id=actor_id, reason=change.get("reason", "election")
        )
    elif action == "extend":
        end = date.fromisoformat(change["end_date"]) if change.get("end_date") else None
        if end != m.end_date:
            memberships.update_membership(db, m, actor_id=actor_id, end_date=end)
        m.position = change.get("position")


def describe(db: Session, transition: Transition) -> list[str]:
    """Each change in a sentence, for the pages and the notice."""
    people = {
        p.id: p.name
        for p in db.scalars(select(Person).where(Person.id.in_({c["person_id"] for c in transition.changes})))
    }
    starts = {c["person_id"]: c for c in transition.changes if c["action"] == "start"}
    moved = {
        c["person_id"]
        for c in transition.changes
        if c["action"] == "end"
        and c.get("reason") in ("substitute_up", "role_change")
        and c["person_id"] in starts
    }
    lines = []
    for c in transition.changes:
        name, role = people.get(c["person_id"], "?"), role_name(c["role"])
        end = date.fromisoformat(c["end_date"]) if c.get("end_date") else None
        term = ""
        if end:
            term = _(" til og med %(date)s", date=fmt_date(end))
        elif c.get("until_year"):
            term = _(" til ordinært afdelingsmøde %(year)s", year=c["until_year"])
        place = _(" (suppleant nr. %(n)s)", n=c["position"]) if c.get("position") else ""
        if c["person_id"] in moved:
            if c["action"] == "end":
                new = starts[c["person_id"]]
                lines.append(
                    _("%(name)s går fra %(old)s til %(new)s", name=name, old=role, new=role_name(new["role"]))
                )
            continue
        if c["action"] == "start":
            lines.append(_("%(name)s begynder som %(role)s", name=name, role=role) + term + place)
        elif c["action"] == "end":
            lines.append(_("%(name)s udtræder som %(role)s", name=name, role=role))
        else:
            lines.append(_("%(name)s fortsætter som %(role)s", name=name, role=role) + term + place)
    return lines


def send_notice(db: Session, *, transition_id: int, settings: Settings) -> None:
    """The chair, the vice chair and the administration hear of a proposal (a job, after the commit)."""
    transition = db.get(Transition, transition_id)
    if transition is None or transition.status != "proposed":
        return
    board = transition.board
    chairs = [
        m.person_id
        for m in _seated(db, board.id, max(transition.effective_at, utcnow()))
        if m.role in ("chair", "vice_chair")
    ]
    staff = [
        p.id
        for p in list_administration_contacts(
            db, organisation_id=board.organisation_id, department_id=board.department_id
        )
    ]
    addressees = [notify.Addressee(pid) for pid in dict.fromkeys(chairs + staff)]
    if not addressees:
        return
    subject = (
        _("Valget på afdelingsmødet: forslag til ændringer i %(board)s", board=board.name)
        if transition.kind == "election"
        else _("En suppleant foreslås til %(board)s", board=board.name)
    )
    notify.send_notice(
        db,
        organisation_id=board.organisation_id,
        addressees=addressees,
        kind=NOTICE_KIND,
        subject=subject,
        body="\n".join(describe(db, transition))
        + "\n\n"
        + _("Administrationen bekræfter ændringerne på siden Ændringer i bestyrelsen."),
        link_path=f"/board-changes/{board.id}",
        object_type="membership_transition",
        object_id=transition.id,
        reminder_days=None,
        settings=settings,
    )
