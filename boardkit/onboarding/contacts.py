"""The administration's contacts per department: who helps the board with what (kundechef,
driftschef, bookkeeping, IT, the organisation board's contact), with phone, e-mail and hours.

A contact belongs to one department or, without a department, to the whole organisation. The
department's boards, the organisation board and the organisation's committees, and the
administration see them (404 for anyone else); the administration keeps them (403 for the boards),
and every change is in the audit log. A department's list shows its own contacts first, then the
organisation's, each in the administration's order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from boardkit.core import audit
from boardkit.core.errors import Forbidden, NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Action, Principal, Resource, can, is_staff_for
from boardkit.onboarding.models import Contact
from boardkit.org import service as org_service

NAME_MAX = 200
ROLE_MAX = 100
HOURS_MAX = 200
HELPS_WITH_MAX = 2000
PHONE_DIGITS = (8, 15)
_PHONE = re.compile(r"\+?[0-9 ]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # PostgreSQL refuses NUL
AUDITED = ("role", "name", "helps_with", "phone", "email", "hours", "department_id")


@dataclass(frozen=True)
class ContactInput:
    """What the administration types for a contact (checked and cleaned by :func:`clean`)."""

    role: str = ""
    name: str = ""
    helps_with: str = ""
    phone: str = ""
    email: str = ""
    hours: str = ""
    organisation_wide: bool = False  # for every department of the organisation


@dataclass(frozen=True)
class DepartmentContacts:
    department: org_service.Department
    organisation: org_service.Organisation
    contacts: list[Contact]  # the department's own first, then the organisation's, each in order
    may_edit: bool  # the department's own contacts
    may_edit_organisation: bool  # the organisation-wide ones

    @property
    def own(self) -> list[Contact]:
        return [c for c in self.contacts if c.department_id is not None]

    @property
    def shared(self) -> list[Contact]:
        return [c for c in self.contacts if c.department_id is None]


def _resource(organisation_id: int, department_id: int | None) -> Resource:
    return Resource(organisation_id=organisation_id, department_id=department_id)


def may_see(db: Session, principal: Principal, department: org_service.Department) -> bool:
    """The department's boards (committees too), the organisation's own boards, and its staff."""
    if not principal.is_authenticated:
        return False
    if is_staff_for(principal, _resource(department.organisation_id, department.id)):
        return True
    if department.id in principal.board_departments.values():
        return True
    organisation_level = [b for b, d in principal.board_departments.items() if d is None]
    boards = org_service.get_boards(db, ids=organisation_level).values()
    return any(b.organisation_id == department.organisation_id for b in boards)


def may_edit(principal: Principal, organisation_id: int, department_id: int | None) -> bool:
    """The administration keeps the contacts; the organisation-wide ones only its organisation's."""
    return can(principal, Action.ADMINISTER, _resource(organisation_id, department_id))


def get_department(db: Session, *, principal: Principal, department_id: int) -> org_service.Department:
    """A department whose contacts the principal may see; 404 otherwise, exactly like a missing one."""
    department = db.get(org_service.Department, department_id)
    if department is None or not may_see(db, principal, department):
        raise NotFound()
    return department


def list_contacts(db: Session, *, principal: Principal, department_id: int) -> DepartmentContacts:
    """A department's contacts as its board sees them: its own first, then the organisation's."""
    department = get_department(db, principal=principal, department_id=department_id)
    rows = db.scalars(
        select(Contact)
        .where(
            Contact.organisation_id == department.organisation_id,
            or_(Contact.department_id == department.id, Contact.department_id.is_(None)),
        )
        .order_by(Contact.department_id.is_(None), Contact.position, Contact.id)
    )
    return DepartmentContacts(
        department=department,
        organisation=department.organisation,
        contacts=list(rows),
        may_edit=may_edit(principal, department.organisation_id, department.id),
        may_edit_organisation=may_edit(principal, department.organisation_id, None),
    )


def contacts_to_edit(db: Session, *, principal: Principal, department_id: int) -> DepartmentContacts:
    """The list as the administration keeps it (403 for those who may only read it)."""
    found = list_contacts(db, principal=principal, department_id=department_id)
    _require_edit(principal, found.department, organisation_wide=False)
    return found


def departments_for(db: Session, *, principal: Principal) -> list[org_service.Department]:
    """The departments whose contacts the principal may see, by organisation and number."""
    organisation_level = [b for b, d in principal.board_departments.items() if d is None]
    organisations = set(principal.staff_organisation_ids) | {
        b.organisation_id for b in org_service.get_boards(db, ids=organisation_level).values()
    }
    departments = set(principal.staff_department_ids) | {
        d for d in principal.board_departments.values() if d is not None
    }
    if not organisations and not departments:
        return []
    query = select(org_service.Department).where(
        or_(
            org_service.Department.organisation_id.in_(organisations),
            org_service.Department.id.in_(departments),
        )
    )
    return list(
        db.scalars(query.order_by(org_service.Department.organisation_id, org_service.Department.number))
    )


def _line(value: str) -> str:
    return " ".join(_CONTROL.sub("", value).split())


def clean(data: ContactInput) -> ContactInput:
    """The input checked and tidied (one line where one line belongs); ValidationFailed lists
    every field that is wrong, with a Danish message."""
    errors: dict[str, str] = {}
    name, role, hours = _line(data.name), _line(data.role), _line(data.hours)
    helps_with = _CONTROL.sub("", data.helps_with.replace("\r\n", "\n")).strip()
    if not name:
        errors["name"] = _("Skriv kontaktpersonens navn.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("Navnet må højst være %(max)s tegn.", max=NAME_MAX)
    if not role:
        errors["role"] = _("Skriv personens rolle, fx kundechef eller driftschef.")
    elif len(role) > ROLE_MAX:
        errors["role"] = _("Rollen må højst være %(max)s tegn.", max=ROLE_MAX)
    if len(helps_with) > HELPS_WITH_MAX:
        errors["helps_with"] = _("Beskrivelsen må højst være %(max)s tegn.", max=HELPS_WITH_MAX)
    if len(hours) > HOURS_MAX:
        errors["hours"] = _("Træffetiden må højst være %(max)s tegn.", max=HOURS_MAX)
    phone = _line(data.phone)
    digits = sum(ch.isdigit() for ch in phone)
    if phone and (not _PHONE.fullmatch(phone) or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]):
        errors["phone"] = _(
            "Telefonnummeret skal have %(lo)s til %(hi)s cifre og må kun indeholde cifre, + og mellemrum.",
            lo=PHONE_DIGITS[0],
            hi=PHONE_DIGITS[1],
        )
    email = _line(data.email)
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            errors["email"] = _("Skriv en gyldig e-mailadresse, fx navn@boligselskab.dk.")
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    return ContactInput(role, name, helps_with, phone, email, hours, data.organisation_wide)


def tel_uri(phone: str) -> str:
    """The phone number as a ``tel:`` link (digits and a leading +)."""
    return "tel:" + phone.replace(" ", "") if phone else ""


def _editable(
    db: Session, principal: Principal, department_id: int, *, organisation_wide: bool
) -> org_service.Department:
    department = get_department(db, principal=principal, department_id=department_id)
    _require_edit(principal, department, organisation_wide=organisation_wide)
    return department


def _require_edit(
    principal: Principal, department: org_service.Department, *, organisation_wide: bool
) -> None:
    """Those who see the contacts but may not change them get 403 with a message."""
    if not may_edit(principal, department.organisation_id, None if organisation_wide else department.id):
        raise Forbidden(_("Kun administrationen kan ændre kontakterne."))


def _next_position(db: Session, organisation_id: int, department_id: int | None) -> int:
    scope = (
        Contact.department_id.is_(None) if department_id is None else Contact.department_id == department_id
    )
    last = db.scalar(
        select(func.max(Contact.position)).where(Contact.organisation_id == organisation_id, scope)
    )
    return 0 if last is None else last + 1


def _snapshot(contact: Contact) -> dict[str, object]:
    return {name: getattr(contact, name) for name in AUDITED}


def add_contact(db: Session, *, principal: Principal, department_id: int, data: ContactInput) -> Contact:
    """A new contact for the department (or, organisation-wide, for all of them), last in its list."""
    department = _editable(db, principal, department_id, organisation_wide=data.organisation_wide)
    data = clean(data)
    scope = None if data.organisation_wide else department.id
    contact = Contact(
        organisation_id=department.organisation_id,
        department_id=scope,
        position=_next_position(db, department.organisation_id, scope),
        **{f.name: getattr(data, f.name) for f in fields(data) if f.name != "organisation_wide"},
    )
    db.add(contact)
    audit.record(
        db,
        actor_id=principal.person_id,
        action="contact.create",
        obj=contact,
        organisation_id=department.organisation_id,
        summary=f"{contact.name} ({contact.role})",
        diff={k: [None, v] for k, v in _snapshot(contact).items() if v not in ("", None)},
    )
    return contact


def get_contact(
    db: Session, *, principal: Principal, department_id: int, contact_id: int
) -> tuple[org_service.Department, Contact]:
    """A contact of this department's list that the principal may change (404 when it is not on
    the list or the department is not theirs to see; 403 when they may only read it)."""
    department = get_department(db, principal=principal, department_id=department_id)
    contact = db.get(Contact, contact_id)
    if (
        contact is None
        or contact.organisation_id != department.organisation_id
        or contact.department_id not in (None, department.id)
    ):
        raise NotFound()
    _require_edit(principal, department, organisation_wide=contact.department_id is None)
    return department, contact


def update_contact(
    db: Session, *, principal: Principal, department_id: int, contact_id: int, data: ContactInput
) -> Contact:
    """Change a contact; moving it between the department and the whole organisation puts it last."""
    department, contact = get_contact(
        db, principal=principal, department_id=department_id, contact_id=contact_id
    )
    _require_edit(principal, department, organisation_wide=data.organisation_wide)
    scope = None if data.organisation_wide else department.id
    data = clean(data)
    before = _snapshot(contact)
    if contact.department_id != scope:
        contact.position = _next_position(db, department.organisation_id, scope)
        contact.department_id = scope
    for name in ("role", "name", "helps_with", "phone", "email", "hours"):
        setattr(contact, name, getattr(data, name))
    after = _snapshot(contact)
    changed = {k: [v, after[k]] for k, v in before.items() if v != after[k]}
    if changed:
        audit.record(
            db,
            actor_id=principal.person_id,
            action="contact.update",
            obj=contact,
            organisation_id=department.organisation_id,
            summary=f"{contact.name} ({contact.role})",
            diff=changed,
        )
    return contact


def delete_contact(db: Session, *, principal: Principal, department_id: int, contact_id: int) -> None:
    department, contact = get_contact(
        db, principal=principal, department_id=department_id, contact_id=contact_id
    )
    audit.record(
        db,
        actor_id=principal.person_id,
        action="contact.delete",
        obj=contact,
        organisation_id=department.organisation_id,
        summary=f"{contact.name} ({contact.role})",
        diff={k: [v, None] for k, v in _snapshot(contact).items() if v not in ("", None)},
    )
    db.delete(contact)


def move_contact(
    db: Session, *, principal: Principal, department_id: int, contact_id: int, up: bool
) -> Contact:
    """Swap a contact with its neighbour in its own list (the department's, or the organisation's);
    at either end nothing changes."""
    department, contact = get_contact(
        db, principal=principal, department_id=department_id, contact_id=contact_id
    )
    scope = (
        Contact.department_id.is_(None)
        if contact.department_id is None
        else Contact.department_id == department.id
    )
    group = list(
        db.scalars(
            select(Contact)
            .where(Contact.organisation_id == department.organisation_id, scope)
            .order_by(Contact.position, Contact.id)
        )
    )
    index = group.index(contact)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(group):
        return contact
    group[index], group[other] = group[other], group[index]
    for position, row in enumerate(group):
        row.position = position
    audit.record(
        db,
        actor_id=principal.person_id,
        action="contact.move",
        obj=contact,
        organisation_id=department.organisation_id,
        summary=f"{contact.name} ({contact.role})",
        diff={"position": [index, other]},
    )
    return contact
