"""The board's keys and access items: the register, issuing and taking back, codes changed, and
the "to return" tasks a departure makes (due :data:`RETURN_DAYS` days later), escalated once to the
chair and the administration when overdue.

Door codes and passwords are never stored: for a code or an account the register records who
knows it (a holding, issued when they were told) and when it was last changed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from boardkit.config import Settings
from boardkit.core import audit, notify
from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict, Forbidden, ValidationFailed
from boardkit.core.i18n import _, lazy_gettext
from boardkit.core.permissions import Principal
from boardkit.library import access
from boardkit.library.models import ITEM_KINDS, KNOWN, AccessItem, Holding, ReturnTask
from boardkit.org import service as org_service

RETURN_DAYS = 14
ESCALATE_KIND = "library.escalate"
ESCALATE_EVERY_SECONDS = 60 * 60
NOTICE_KIND = "library"
KIND_NAMES = {
    "key": lazy_gettext("Nøgle"),
    "fob": lazy_gettext("Brik"),
    "account": lazy_gettext("Systemkonto"),
    "code": lazy_gettext("Kode"),
}
STATES = ("held", "to_return", "overdue", "returned", "spare")


def kind_name(kind: str) -> str:
    return str(KIND_NAMES.get(kind, kind))


@dataclass(frozen=True)
class ItemInput:
    kind: str
    label: str
    opens: str = ""
    number: str = ""
    changed_on: date | None = None


@dataclass(frozen=True)
class HolderView:
    holding: Holding
    name: str
    role: str  # the board role today ("chair", ...), "" when no longer on the board
    task: ReturnTask | None  # the open "to return" task, if any
    overdue: bool


@dataclass(frozen=True)
class ItemView:
    item: AccessItem
    state: str  # one of STATES
    holders: list[HolderView]


def _now() -> datetime:
    return utcnow()


def _today() -> date:
    return org_service.today()


def _checked(data: ItemInput) -> ItemInput:
    errors: dict[str, str] = {}
    if data.kind not in ITEM_KINDS:
        errors["kind"] = _("Vælg nøgle, brik, systemkonto eller kode.")
    if not data.label.strip() or len(data.label.strip()) > 200:
        errors["label"] = _("Skriv en betegnelse på højst 200 tegn.")
    if len(data.opens) > 300:
        errors["opens"] = _("Højst 300 tegn.")
    if len(data.number) > 60:
        errors["number"] = _("Højst 60 tegn, fx “nøgle 3 af 4”.")
    if data.changed_on is not None and data.changed_on > _today():
        errors["changed_on"] = _("Datoen kan ikke ligge i fremtiden.")
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    return ItemInput(
        kind=data.kind,
        label=data.label.strip(),
        opens=data.opens.strip(),
        number=data.number.strip(),
        changed_on=data.changed_on if data.kind in KNOWN else None,
    )


def create_item(db: Session, *, principal: Principal, board_id: int, data: ItemInput) -> AccessItem:
    """A new item in the board's register (chair, vice chair, administration)."""
    board = access.keeping_board(db, principal, board_id)
    data = _checked(data)
    item = AccessItem(
        organisation_id=board.organisation_id,
        board_id=board.id,
        kind=data.kind,
        label=data.label,
        opens=data.opens,
        number=data.number,
        changed_on=data.changed_on,
    )
    db.add(item)
    audit.record(
        db,
        actor_id=principal.person_id,
        action="library.item_create",
        obj=item,
        organisation_id=board.organisation_id,
        summary=item.label,
        diff={"kind": [None, item.kind]},
    )
    return item


def _member(db: Session, board_id: int, person_id: int) -> org_service.Membership | None:
    for membership in org_service.list_board_members(db, board_id=board_id):
        if membership.person_id == person_id and membership.start_date <= _today():
            return membership
    return None


def _open(item: AccessItem) -> list[Holding]:
    return [h for h in item.holdings if h.returned_on is None]


def issue(
    db: Session, *, principal: Principal, item_id: int, person_id: int, on: date | None = None
) -> Holding:
    """Hand the item to a board member (or tell them the code). A key held by someone else must be
    returned first (409); issuing to the one who holds it already is harmless."""
    item = access.readable_item(db, principal, item_id)
    board = access.keeping_board(db, principal, item.board_id)
    day = on or _today()
    if _member(db, board.id, person_id) is None:
        raise ValidationFailed(
            _("Nøgler og adgange kan kun udleveres til bestyrelsens medlemmer."),
            fields={"person_id": "not_member"},
        )
    current = _open(item)
    mine = next((h for h in current if h.person_id == person_id), None)
    if mine is not None:
        return mine
    if current and item.kind not in KNOWN:
        raise Conflict(
            _(
                "%(label)s er udleveret til en anden. Registrér at den er afleveret, før den udleveres igen.",
                label=item.label,
            ),
            code="item_held",
        )
    holding = Holding(item_id=item.id, person_id=person_id, issued_on=day, issued_by=principal.person_id)
    db.add(holding)
    item.holdings.append(holding)
    audit.record(
        db,
        actor_id=principal.person_id,
        action="library.item_issue",
        obj=item,
        organisation_id=item.organisation_id,
        summary=item.label,
        diff={"holder_id": [None, person_id], "issued_on": [None, day.isoformat()]},
    )
    return holding


def _close_tasks(db: Session, holding: Holding, *, kind: str) -> None:
    task = db.scalar(
        select(ReturnTask).where(ReturnTask.holding_id == holding.id, ReturnTask.closed_at.is_(None))
    )
    if task is not None and task.kind == kind:
        task.closed_at = _now()


def return_item(
    db: Session, *, principal: Principal, item_id: int, person_id: int | None = None, on: date | None = None
) -> Holding:
    """Record that ``person_id`` (the asker by default) gave the item back, or no longer knows the
    code. The chair, the vice chair and the administration record it for anyone; a member only
    for themselves. Someone who never held the item: 409. Returning twice: the first return stands."""
    item = access.readable_item(db, principal, item_id)
    board = access.readable_board(db, principal, item.board_id)
    who = person_id if person_id is not None else principal.person_id
    if who is None:
        raise Forbidden()
    if who != principal.person_id:
        access.keeping_board(db, principal, board.id)
    held = [h for h in item.holdings if h.person_id == who]
    if not held:
        raise Conflict(
            _("%(label)s kan ikke afleveres af en, der aldrig har haft den.", label=item.label),
            code="never_held",
            fields={"person_id": "never_held"},
        )
    current = next((h for h in held if h.returned_on is None), None)
    if current is None:
        return held[-1]
    day = on or _today()
    if day < current.issued_on:
        raise ValidationFailed(
            _("Datoen for afleveringen kan ikke ligge før udleveringen."),
            fields={"returned_on": "before_issue"},
        )
    current.returned_on, current.returned_by = day, principal.person_id
    if item.kind not in KNOWN:
        _close_tasks(db, current, kind="return")
    audit.record(
        db,
        actor_id=principal.person_id,
        action="library.item_return",
        obj=item,
        organisation_id=item.organisation_id,
        summary=item.label,
        diff={"holder_id": [who, None], "returned_on": [None, day.isoformat()]},
    )
    return current


def mark_changed(db: Session, *, principal: Principal, item_id: int, on: date | None = None) -> AccessItem:
    """A code or an account's password was changed: its date is noted (never the code), and the
    departed members who knew it no longer do, so their "skift koden" tasks close."""
    item = access.readable_item(db, principal, item_id)
    access.keeping_board(db, principal, item.board_id)
    if item.kind not in KNOWN:
        raise ValidationFailed(_("Kun koder og systemkonti kan skiftes."), code="not_a_code")
    day = on or _today()
    if day > _today():
        raise ValidationFailed(_("Datoen kan ikke ligge i fremtiden."), fields={"changed_on": "future"})
    before = item.changed_on
    item.changed_on = day
    for task in db.scalars(
        select(ReturnTask).where(ReturnTask.item_id == item.id, ReturnTask.closed_at.is_(None))
    ):
        task.closed_at = _now()
        if task.holding.returned_on is None:
            task.holding.returned_on, task.holding.returned_by = day, principal.person_id
    audit.record(
        db,
        actor_id=principal.person_id,
        action="library.code_change",
        obj=item,
        organisation_id=item.organisation_id,
        summary=item.label,
        diff={"changed_on": [audit.snapshot_value(before), day.isoformat()]},
    )
    return item


def _open_tasks(db: Session, item_ids: list[int]) -> dict[int, ReturnTask]:
    if not item_ids:
        return {}
    rows = db.scalars(
        select(ReturnTask).where(ReturnTask.item_id.in_(item_ids), ReturnTask.closed_at.is_(None))
    )
    return {t.holding_id: t for t in rows}


def item_views(db: Session, board_id: int, *, now: datetime | None = None) -> list[ItemView]:
    """The register with each item's state and holders (no permission check: callers have one)."""
    now = now or _now()
    items = list(
        db.scalars(
            select(AccessItem)
            .options(selectinload(AccessItem.holdings))
            .where(AccessItem.board_id == board_id)
            .order_by(AccessItem.kind, AccessItem.label, AccessItem.id)
        )
    )
    tasks = _open_tasks(db, [i.id for i in items])
    members = {m.person_id: m for m in org_service.list_board_members(db, board_id=board_id)}
    person_ids = {h.person_id for i in items for h in i.holdings if h.person_id}
    people = org_service.get_people(db, ids=person_ids)
    out = []
    order = {k: n for n, k in enumerate(ITEM_KINDS)}
    for item in sorted(items, key=lambda i: (order.get(i.kind, 9), i.label.lower(), i.id)):
        holders = []
        for holding in _open(item):
            task = tasks.get(holding.id)
            membership = members.get(holding.person_id or 0)
            person = people.get(holding.person_id or 0)
            holders.append(
                HolderView(
                    holding=holding,
                    name=person.name if person else _("(slettet person)"),
                    role=membership.role if membership and membership.start_date <= _today() else "",
                    task=task,
                    overdue=bool(task and task.due_at < now),
                )
            )
        if any(h.overdue for h in holders):
            state = "overdue"
        elif any(h.task for h in holders):
            state = "to_return"
        elif holders:
            state = "held"
        elif item.holdings:
            state = "returned"
        else:
            state = "spare"
        out.append(ItemView(item=item, state=state, holders=holders))
    return out


def list_items(db: Session, *, principal: Principal, board_id: int) -> list[ItemView]:
    board = access.readable_board(db, principal, board_id)
    return item_views(db, board.id)


def open_tasks(db: Session, *, principal: Principal, board_id: int) -> list[ReturnTask]:
    """The board's open "to return" tasks, soonest due first."""
    board = access.readable_board(db, principal, board_id)
    return list(
        db.scalars(
            select(ReturnTask)
            .join(AccessItem, AccessItem.id == ReturnTask.item_id)
            .where(AccessItem.board_id == board.id, ReturnTask.closed_at.is_(None))
            .order_by(ReturnTask.due_at, ReturnTask.id)
        )
    )


def mark_departure(db: Session, *, board_id: int, person_id: int, at: datetime) -> int:
    """A member leaves the board at ``at``: every item they hold becomes a "to return" task and
    every code or account they know a "skift koden" task, due :data:`RETURN_DAYS` days later.
    Returns how many tasks were made (calling again makes none)."""
    holdings = db.scalars(
        select(Holding)
        .join(AccessItem, AccessItem.id == Holding.item_id)
        .where(AccessItem.board_id == board_id, Holding.person_id == person_id, Holding.returned_on.is_(None))
        .order_by(Holding.id)
    ).all()
    if not holdings:
        return 0
    existing = set(
        db.scalars(select(ReturnTask.holding_id).where(ReturnTask.holding_id.in_([h.id for h in holdings])))
    )
    made = 0
    for holding in holdings:
        if holding.id in existing:
            continue
        kind = "change" if holding.item.kind in KNOWN else "return"
        db.add(
            ReturnTask(
                item_id=holding.item_id,
                holding_id=holding.id,
                person_id=person_id,
                kind=kind,
                due_at=at + timedelta(days=RETURN_DAYS),
            )
        )
        made += 1
    if made:
        board = db.get(org_service.Board, board_id)
        audit.record(
            db,
            actor_id=None,
            action="library.departure",
            object_type="board",
            object_id=board_id,
            organisation_id=board.organisation_id if board else None,
            summary=_("%(n)s nøgler og adgange skal afleveres eller skiftes", n=made),
            diff={"person_id": person_id, "tasks": made},
        )
    db.flush()
    return made


def _chair(db: Session, board_id: int) -> int | None:
    for membership in org_service.list_board_members(db, board_id=board_id):
        if membership.role == "chair" and membership.start_date <= _today():
            return membership.person_id
    return None


def escalate_overdue(db: Session, *, settings: Settings, now: datetime | None = None) -> int:
    """Tell the board's chair and the administration, once, about "to return" tasks past their
    due time: one notice per board listing them. Returns how many tasks were escalated."""
    now = now or _now()
    due = db.scalars(
        select(ReturnTask)
        .where(ReturnTask.closed_at.is_(None), ReturnTask.escalated_at.is_(None), ReturnTask.due_at < now)
        .order_by(ReturnTask.item_id, ReturnTask.id)
        .with_for_update(skip_locked=True)
    ).all()
    by_board: dict[int, list[ReturnTask]] = defaultdict(list)
    for task in due:
        by_board[task.item.board_id].append(task)
    for board_id, tasks in by_board.items():
        board = db.get(org_service.Board, board_id)
        if board is None:
            continue
        wanted: list[int] = []
        chair = _chair(db, board_id)
        if chair is not None:
            wanted.append(chair)
        for person in org_service.list_administration_contacts(
            db, organisation_id=board.organisation_id, department_id=board.department_id
        ):
            if person.id not in wanted:
                wanted.append(person.id)
        lines = "\n".join(
            f"– {t.item.label}: " + (_("kode skal skiftes") if t.kind == "change" else _("skal afleveres"))
            for t in tasks
        )
        if wanted:
            notify.send_notice(
                db,
                organisation_id=board.organisation_id,
                addressees=[notify.Addressee(p) for p in wanted],
                kind=NOTICE_KIND,
                subject=_("Nøgler og adgange er ikke afleveret: %(board)s", board=board.name),
                body=_(
                    "Fristen er overskredet for:\n%(lines)s\n\nSe nøgleoversigten for bestyrelsen.",
                    lines=lines,
                ),
                link_path=f"/boards/{board_id}/keys",
                important=True,
                object_type="board",
                object_id=board_id,
                reminder_days=None,
                settings=settings,
            )
        for task in tasks:
            task.escalated_at = now
    return len(due)
