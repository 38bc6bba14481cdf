"""Organisation services: people, boards, memberships, staff, and who a person is today."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import cast

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from boardkit.core import audit
from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict, NotFound
from boardkit.core.i18n import _
from boardkit.core.permissions import Action, Audience, Principal, Resource, can
from boardkit.core.templating import TZ, fmt_date
from boardkit.core.web import Identity
from boardkit.org.models import (
    BOARD_KINDS,
    CHANNELS,
    LANGUAGES,
    ROLES,
    Board,
    Department,
    Membership,
    Organisation,
    Person,
    Residency,
    StaffRole,
    Tenancy,
)

__all__ = ["BOARD_KINDS", "CHANNELS", "LANGUAGES", "ROLES", "Board", "Organisation", "Person"]

PERSON_FIELDS = ("name", "email", "phone", "preferred_channel", "paper", "language", "active")
MEMBERSHIP_FIELDS = ("role", "start_date", "end_date")


def today() -> date:
    return utcnow().astimezone(TZ).date()


def active_memberships_clause(day: date) -> ColumnElement[bool]:
    return (Membership.start_date <= day) & (or_(Membership.end_date.is_(None), Membership.end_date >= day))


# --- who is asking --------------------------------------------------------------------


def build_principal(db: Session, *, person_id: int, day: date | None = None) -> Principal:
    """What a person may see today: active memberships, current residencies, staff scopes."""
    day = day or today()
    rows = db.execute(
        select(Membership.board_id, Membership.role, Board.department_id)
        .join(Board, Board.id == Membership.board_id)
        .where(Membership.person_id == person_id, active_memberships_clause(day))
    ).all()
    rank = {"chair": 0, "vice_chair": 1, "treasurer": 2, "member": 3, "substitute": 4}
    board_roles: dict[int, str] = {}
    board_departments: dict[int, int | None] = {}
    for board_id, role, department_id in rows:
        if board_id not in board_roles or rank[role] < rank[board_roles[board_id]]:
            board_roles[board_id] = role
        board_departments[board_id] = department_id
    departments = db.scalars(
        select(Tenancy.department_id)
        .join(Residency, Residency.tenancy_id == Tenancy.id)
        .where(
            Residency.person_id == person_id,
            or_(Residency.start_date.is_(None), Residency.start_date <= day),
            or_(Residency.end_date.is_(None), Residency.end_date >= day),
        )
    ).all()
    staff = db.execute(
        select(StaffRole.organisation_id, StaffRole.department_id).where(StaffRole.person_id == person_id)
    ).all()
    return Principal(
        person_id=person_id,
        board_roles=board_roles,
        board_departments=board_departments,
        resident_department_ids=frozenset(departments),
        staff_organisation_ids=frozenset(o for o, d in staff if d is None),
        staff_department_ids=frozenset(d for _o, d in staff if d is not None),
    )


def load_identity(db: Session, person_id: int) -> Identity | None:
    person = db.get(Person, person_id)
    if person is None or not person.active:
        return None
    return Identity(
        person_id=person.id,
        name=person.name,
        email=person.email,
        language=person.language,
        principal=build_principal(db, person_id=person.id),
    )


# --- people ---------------------------------------------------------------------------


def normalise_email(email: str | None) -> str | None:
    email = (email or "").strip().lower()
    return email or None


def get_person(db: Session, *, person_id: int) -> Person:
    person = db.get(Person, person_id)
    if person is None:
        raise NotFound()
    return person


def get_person_by_email(db: Session, *, email: str) -> Person | None:
    return db.scalar(select(Person).where(Person.email == normalise_email(email)))


def email_taken(db: Session, *, email: str | None, except_id: int | None = None) -> bool:
    if not email:
        return False
    q = select(Person.id).where(Person.email == normalise_email(email))
    if except_id is not None:
        q = q.where(Person.id != except_id)
    return db.scalar(q) is not None


def people_of_organisations(organisation_ids: frozenset[int]) -> ColumnElement[bool]:
    """People connected to the organisations: residents, board members and staff."""
    residents = (
        select(Residency.person_id)
        .join(Tenancy, Tenancy.id == Residency.tenancy_id)
        .join(Department, Department.id == Tenancy.department_id)
        .where(Department.organisation_id.in_(organisation_ids))
    )
    members = (
        select(Membership.person_id)
        .join(Board, Board.id == Membership.board_id)
        .where(Board.organisation_id.in_(organisation_ids))
    )
    staff = select(StaffRole.person_id).where(StaffRole.organisation_id.in_(organisation_ids))
    return or_(
        Person.organisation_id.in_(organisation_ids),
        Person.id.in_(residents),
        Person.id.in_(members),
        Person.id.in_(staff),
    )


def list_people(
    db: Session, *, principal: Principal, q: str = "", offset: int = 0, limit: int = 50
) -> tuple[list[Person], int]:
    query = select(Person).where(people_of_organisations(principal.staff_organisation_ids))
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(Person.name).like(like), func.lower(Person.email).like(like)))
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    people = db.scalars(query.order_by(Person.name, Person.id).offset(offset).limit(limit)).all()
    return list(people), total


def find_person_for_admin(db: Session, *, principal: Principal, text: str) -> list[Person]:
    """People of the staff member's organisations by e-mail, person number or full name (a paper member
    has no e-mail); more than one only when a name is shared."""
    text = " ".join(text.split())
    if not text:
        return []
    mine = people_of_organisations(principal.staff_organisation_ids)
    for column, value in ((Person.email, normalise_email(text)), (Person.external_id, text)):
        person = db.scalar(select(Person).where(column == value, mine))
        if person is not None:
            return [person]
    return list(
        db.scalars(
            select(Person).where(func.lower(Person.name) == text.lower(), mine).order_by(Person.id).limit(10)
        )
    )


def get_person_for_admin(db: Session, *, principal: Principal, person_id: int) -> Person:
    person = db.scalar(
        select(Person).where(
            Person.id == person_id, people_of_organisations(principal.staff_organisation_ids)
        )
    )
    if person is None:
        raise NotFound()
    return person


def update_person(
    db: Session, person: Person, *, actor_id: int | None, organisation_id: int | None, **values: object
) -> Person:
    """Change a person's master data, audited."""
    if "email" in values:
        values["email"] = normalise_email(str(values["email"] or ""))
        if email_taken(db, email=values["email"], except_id=person.id):  # type: ignore[arg-type]
            raise Conflict(_("E-mailadressen bruges allerede af en anden person."), fields={"email": "taken"})
    before = audit.snapshot(person, PERSON_FIELDS)
    for key, value in values.items():
        setattr(person, key, value)
    diff = audit.changes(before, audit.snapshot(person, PERSON_FIELDS))
    if diff:
        audit.record(
            db,
            actor_id=actor_id,
            action="person.update",
            obj=person,
            organisation_id=organisation_id,
            summary=person.name,
            diff=diff,
        )
    return person


def create_person(
    db: Session,
    *,
    actor_id: int | None,
    organisation_id: int | None,
    name: str,
    email: str | None = None,
    **values: object,
) -> Person:
    email = normalise_email(email)
    if email_taken(db, email=email):
        raise Conflict(_("E-mailadressen bruges allerede af en anden person."), fields={"email": "taken"})
    person = Person(name=name, email=email, organisation_id=organisation_id, **values)
    db.add(person)
    audit.record(
        db,
        actor_id=actor_id,
        action="person.create",
        obj=person,
        organisation_id=organisation_id,
        summary=name,
        diff=audit.changes({}, audit.snapshot(person, PERSON_FIELDS)),
    )
    return person


# --- boards ---------------------------------------------------------------------------


def board_resource(board: Board, *, closed: bool = False, audience: Audience = Audience.BOARD) -> Resource:
    return Resource(
        organisation_id=board.organisation_id,
        department_id=board.department_id,
        board_id=board.id,
        audience=audience,
        closed=closed,
    )


def get_board(db: Session, *, principal: Principal, board_id: int, action: Action = Action.VIEW) -> Board:
    """A board the principal may see (or act on); 404 otherwise, exactly like a missing one."""
    board = db.get(Board, board_id, options=[joinedload(Board.department), joinedload(Board.organisation)])
    if board is None or not can(principal, action, board_resource(board)):
        raise NotFound()
    return board


def list_visible_boards(db: Session, *, principal: Principal) -> list[Board]:
    """Boards the principal sits on plus, for staff, every board of their organisations."""
    conditions = [Board.id.in_(list(principal.board_roles))]
    if principal.staff_organisation_ids:
        conditions.append(Board.organisation_id.in_(principal.staff_organisation_ids))
    if principal.staff_department_ids:
        conditions.append(Board.department_id.in_(principal.staff_department_ids))
    return list(
        db.scalars(
            select(Board)
            .options(joinedload(Board.department), joinedload(Board.organisation))
            .where(or_(*conditions))
            .order_by(Board.organisation_id, Board.kind.desc(), Board.name)
        ).unique()
    )


def visible_board_ids(db: Session, *, principal: Principal) -> list[int]:
    """Boards whose material staff may see through their organisation or department scope."""
    conditions = []
    if principal.staff_organisation_ids:
        conditions.append(Board.organisation_id.in_(principal.staff_organisation_ids))
    if principal.staff_department_ids:
        conditions.append(Board.department_id.in_(principal.staff_department_ids))
    if not conditions:
        return []
    return list(db.scalars(select(Board.id).where(or_(*conditions))))


@dataclass(frozen=True)
class MyBoard:
    board: Board
    role: str


def list_my_boards(db: Session, *, principal: Principal) -> list[MyBoard]:
    """Every board the person sits on today, organisation boards first."""
    if not principal.board_roles:
        return []
    boards = db.scalars(
        select(Board)
        .options(joinedload(Board.department), joinedload(Board.organisation))
        .where(Board.id.in_(list(principal.board_roles)))
    ).unique()
    order = {"organisation_board": 0, "department_board": 1, "committee": 2}
    return sorted(
        (MyBoard(b, principal.board_roles[b.id]) for b in boards),
        key=lambda mb: (order.get(mb.board.kind, 9), mb.board.name),
    )


def list_board_members(db: Session, *, board_id: int, include_ended: bool = False) -> list[Membership]:
    q = (
        select(Membership)
        .options(joinedload(Membership.person))
        .where(Membership.board_id == board_id)
        .order_by(Membership.end_date.is_not(None), Membership.start_date, Membership.id)
    )
    if not include_ended:
        q = q.where(or_(Membership.end_date.is_(None), Membership.end_date >= today()))
    return list(db.scalars(q))


def list_organisations(db: Session, *, ids: frozenset[int]) -> list[Organisation]:
    return list(db.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)))


def list_departments(db: Session, *, organisation_ids: frozenset[int]) -> list[Department]:
    return list(
        db.scalars(
            select(Department)
            .where(Department.organisation_id.in_(organisation_ids))
            .order_by(Department.number)
        )
    )


def create_board(
    db: Session, *, actor_id: int, organisation_id: int, department_id: int | None, kind: str, name: str
) -> Board:
    board = Board(organisation_id=organisation_id, department_id=department_id, kind=kind, name=name)
    db.add(board)
    audit.record(
        db,
        actor_id=actor_id,
        action="board.create",
        obj=board,
        organisation_id=organisation_id,
        summary=name,
        diff={"kind": [None, kind], "department_id": [None, department_id]},
    )
    return board


def role_name(role: str) -> str:
    """A board role in running text ("som formand")."""
    names = {
        "chair": _("formand"),
        "vice_chair": _("næstformand"),
        "treasurer": _("kasserer"),
        "member": _("medlem"),
        "substitute": _("suppleant"),
    }
    return names.get(role, role)


def periods_overlap(start: date, end: date | None, other_start: date, other_end: date | None) -> bool:
    """Two membership periods (end dates inclusive, None for open-ended) share at least one day."""
    return start <= (other_end or date.max) and other_start <= (end or date.max)


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
    return membership


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


def staff_organisation(principal: Principal) -> int | None:
    """The organisation an administrator acts for when one is needed (the lowest id)."""
    return min(principal.staff_organisation_ids) if principal.staff_organisation_ids else None


def organisation_counts(db: Session, *, organisation_ids: frozenset[int]) -> dict[str, int]:
    """Headline figures for the administration's overview."""
    ids = list(organisation_ids)
    departments = select(Department.id).where(Department.organisation_id.in_(ids))
    tenancies = select(Tenancy.id).where(Tenancy.department_id.in_(departments))
    return {
        "departments": db.scalar(select(func.count()).select_from(departments.subquery())) or 0,
        "households": db.scalar(select(func.count()).select_from(tenancies.subquery())) or 0,
        "people": db.scalar(select(func.count(Person.id)).where(people_of_organisations(organisation_ids)))
        or 0,
        "boards": db.scalar(select(func.count(Board.id)).where(Board.organisation_id.in_(ids))) or 0,
    }


@dataclass(frozen=True)
class PersonDetails:
    residencies: list[Residency]
    memberships: list[Membership]
    staff_roles: list[StaffRole]


def person_details(db: Session, *, person: Person) -> PersonDetails:
    residencies = db.scalars(
        select(Residency)
        .options(joinedload(Residency.tenancy).joinedload(Tenancy.department))
        .where(Residency.person_id == person.id)
        .order_by(Residency.start_date)
    ).all()
    memberships = db.scalars(
        select(Membership)
        .options(joinedload(Membership.board))
        .where(Membership.person_id == person.id)
        .order_by(Membership.start_date.desc())
    ).all()
    staff = db.scalars(
        select(StaffRole).options(joinedload(StaffRole.organisation)).where(StaffRole.person_id == person.id)
    ).all()
    return PersonDetails(list(residencies), list(memberships), list(staff))


def require_staff(principal: Principal) -> Principal:
    """Administration exists only for staff of an organisation; everyone else meets a 404."""
    if not principal.staff_organisation_ids:
        raise NotFound()
    return principal


# --- who gets a notice ------------------------------------------------------------------


@dataclass(frozen=True)
class Household:
    tenancy: Tenancy
    residents: list[Person]  # the adults living there on the day asked


def list_households(db: Session, *, department_id: int, day: date | None = None) -> list[Household]:
    """Every home of a department with its adult residents of the day (homes with none listed too)."""
    day = day or today()
    tenancies = db.scalars(
        select(Tenancy).where(Tenancy.department_id == department_id).order_by(Tenancy.number, Tenancy.id)
    ).all()
    rows = db.execute(
        select(Residency.tenancy_id, Person)
        .join(Person, Person.id == Residency.person_id)
        .join(Tenancy, Tenancy.id == Residency.tenancy_id)
        .where(
            Tenancy.department_id == department_id,
            Residency.adult.is_(True),
            or_(Residency.start_date.is_(None), Residency.start_date <= day),
            or_(Residency.end_date.is_(None), Residency.end_date >= day),
        )
        .order_by(Residency.tenancy_id, Residency.role.desc(), Person.name, Person.id)
    ).all()
    residents: dict[int, list[Person]] = {}
    for tenancy_id, person in rows:
        residents.setdefault(tenancy_id, []).append(person)
    return [Household(t, residents.get(t.id, [])) for t in tenancies]


def current_homes(db: Session, *, person_ids: Iterable[int], day: date | None = None) -> dict[int, Tenancy]:
    """Where each person lives on the day (their tenancy as tenant first), for letters to a person
    who is reached on paper outside a department's households — a board member without e-mail."""
    wanted = list(set(person_ids))
    if not wanted:
        return {}
    day = day or today()
    rows = db.execute(
        select(Residency.person_id, Tenancy)
        .join(Tenancy, Tenancy.id == Residency.tenancy_id)
        .where(
            Residency.person_id.in_(wanted),
            or_(Residency.start_date.is_(None), Residency.start_date <= day),
            or_(Residency.end_date.is_(None), Residency.end_date >= day),
        )
        .order_by(Residency.person_id, Residency.role.desc(), Residency.start_date, Residency.id)
    ).all()
    homes: dict[int, Tenancy] = {}
    for person_id, tenancy in rows:
        homes.setdefault(person_id, tenancy)
    return homes


def list_administration_contacts(
    db: Session, *, organisation_id: int, department_id: int | None
) -> list[Person]:
    """The account managers (kundechefer) of an organisation, or of the department when given."""
    scope: ColumnElement[bool] = StaffRole.department_id.is_(None)
    if department_id is not None:
        scope = or_(scope, StaffRole.department_id == department_id)
    return list(
        db.scalars(
            select(Person)
            .join(StaffRole, StaffRole.person_id == Person.id)
            .where(StaffRole.organisation_id == organisation_id, StaffRole.role == "account_manager", scope)
            .order_by(Person.name, Person.id)
        ).unique()
    )


def get_people(db: Session, *, ids: Iterable[int]) -> dict[int, Person]:
    """People by id, in one query (missing ids are left out)."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {p.id: p for p in db.scalars(select(Person).where(Person.id.in_(wanted)))}


def get_boards(db: Session, *, ids: Iterable[int]) -> dict[int, Board]:
    """Boards by id, in one query (missing ids are left out); no permission check: callers filter."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {b.id: b for b in db.scalars(select(Board).where(Board.id.in_(wanted)))}
