"""Declarations board members sign (e.g. a confidentiality declaration — local policy, not law).

Signing records the person, the time and the sha256 of the exact text; signing the same version
again changes nothing. A new version asks everyone again. A declaration can "gate" closed agenda
items: until a member has signed its current version, the closed items of the organisation's
boards stay locked for them (``locked_boards``, which ``org`` asks when it builds a principal).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from boardkit.core import audit
from boardkit.core.errors import NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.onboarding.models import (
    Assignment,
    Declaration,
    DeclarationVersion,
    Module,
    Progress,
    Signature,
)
from boardkit.onboarding.steps import mark_done, refresh
from boardkit.org import service as org_service

MAX_TEXT = 20_000


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def current_version(db: Session, declaration_id: int) -> DeclarationVersion | None:
    return db.scalar(
        select(DeclarationVersion)
        .where(DeclarationVersion.declaration_id == declaration_id)
        .order_by(DeclarationVersion.number.desc())
        .limit(1)
    )


def create(
    db: Session, *, organisation_id: int, actor_id: int | None, title: str, text: str, gates: bool = False
) -> Declaration:
    title, text = " ".join(title.split()), text.strip()
    errors = {}
    if not title or len(title) > 200:
        errors["title"] = _("Skriv en titel på højst 200 tegn.")
    if not text or len(text) > MAX_TEXT:
        errors["text"] = _("Skriv erklæringens tekst (højst 20.000 tegn).")
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    declaration = Declaration(organisation_id=organisation_id, title=title, gates_closed_items=gates)
    db.add(declaration)
    db.flush()
    db.add(DeclarationVersion(declaration_id=declaration.id, number=1, text=text, sha256=text_hash(text)))
    audit.record(
        db, actor_id=actor_id, action="declaration.create", obj=declaration, organisation_id=organisation_id
    )
    return declaration


def new_version(
    db: Session, declaration: Declaration, *, actor_id: int | None, text: str
) -> DeclarationVersion:
    """A changed text: a new version everyone signs again (their modules are to do again)."""
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        raise ValidationFailed(
            _("Nogle felter skal rettes."),
            fields={"text": _("Skriv erklæringens tekst (højst 20.000 tegn).")},
        )
    current = current_version(db, declaration.id)
    if current is not None and current.text == text:
        return current
    version = DeclarationVersion(
        declaration_id=declaration.id,
        number=(current.number if current else 0) + 1,
        text=text,
        sha256=text_hash(text),
    )
    db.add(version)
    modules = list(db.scalars(select(Module).where(Module.declaration_id == declaration.id)))
    for module in modules:
        module.revision += 1
    if modules:
        reopened = select(Module.id).where(Module.declaration_id == declaration.id)
        for progress in db.scalars(select(Progress).where(Progress.module_id.in_(reopened))):
            progress.done_at, progress.done_by, progress.reminders_sent = None, None, 0
            progress.revision = progress.module.revision
            refresh(db, progress.assignment)
    audit.record(
        db,
        actor_id=actor_id,
        action="declaration.version",
        obj=declaration,
        organisation_id=declaration.organisation_id,
        summary=f"version {version.number}",
    )
    return version


def signature(db: Session, *, version_id: int, person_id: int) -> Signature | None:
    return db.scalar(
        select(Signature).where(Signature.version_id == version_id, Signature.person_id == person_id)
    )


def may_sign(db: Session, principal: Principal, declaration: Declaration) -> bool:
    """Board members and staff of the declaration's organisation."""
    if declaration.organisation_id in principal.staff_organisation_ids:
        return True
    boards = org_service.get_boards(db, ids=principal.board_roles).values()
    return any(b.organisation_id == declaration.organisation_id for b in boards)


def sign(db: Session, *, principal: Principal, declaration_id: int) -> Signature:
    """Sign the current version (again: nothing changes); done for every module that asks for it."""
    declaration = db.get(Declaration, declaration_id)
    if declaration is None or principal.person_id is None or not may_sign(db, principal, declaration):
        raise NotFound()
    version = current_version(db, declaration.id)
    if version is None:
        raise NotFound()
    found = signature(db, version_id=version.id, person_id=principal.person_id)
    if found is not None:
        return found
    signed = Signature(version_id=version.id, person_id=principal.person_id, sha256=version.sha256)
    try:
        with db.begin_nested():  # the same person signing twice at once: one signature, no error
            db.add(signed)
    except IntegrityError:
        again = signature(db, version_id=version.id, person_id=principal.person_id)
        assert again is not None
        return again
    steps = db.scalars(
        select(Progress)
        .join(Module, Module.id == Progress.module_id)
        .join(Assignment, Assignment.id == Progress.assignment_id)
        .where(Module.declaration_id == declaration.id, Assignment.person_id == principal.person_id)
    )
    for step in steps:
        mark_done(db, step, by=principal.person_id)
    audit.record(
        db,
        actor_id=principal.person_id,
        action="declaration.sign",
        obj=declaration,
        organisation_id=declaration.organisation_id,
        summary=f"version {version.number}, sha256 {version.sha256}",
    )
    return signed


def locked_boards(db: Session, *, person_id: int, board_ids: Collection[int]) -> set[int]:
    """The boards (of ``board_ids``) whose closed items wait for this person's signature: their
    organisation has a gating declaration whose current version the person has not signed."""
    if not board_ids:
        return set()
    latest = (
        select(DeclarationVersion.declaration_id, func.max(DeclarationVersion.number).label("number"))
        .group_by(DeclarationVersion.declaration_id)
        .subquery()
    )
    unsigned = (
        select(Declaration.organisation_id)
        .join(latest, latest.c.declaration_id == Declaration.id)
        .join(
            DeclarationVersion,
            (DeclarationVersion.declaration_id == Declaration.id)
            & (DeclarationVersion.number == latest.c.number),
        )
        .where(Declaration.gates_closed_items)
        .where(
            ~select(Signature.id)
            .where(Signature.version_id == DeclarationVersion.id, Signature.person_id == person_id)
            .exists()
        )
    )
    organisations = set(db.scalars(unsigned))
    if not organisations:
        return set()
    boards = org_service.get_boards(db, ids=board_ids).values()
    return {b.id for b in boards if b.organisation_id in organisations}


def signed_at(db: Session, *, person_id: int, declaration_id: int) -> Signature | None:
    """The person's signature of the current version, if any."""
    version = current_version(db, declaration_id)
    return signature(db, version_id=version.id, person_id=person_id) if version else None


def sign_and_version(
    db: Session, *, principal: Principal, declaration_id: int
) -> tuple[Signature, DeclarationVersion]:
    signed = sign(db, principal=principal, declaration_id=declaration_id)
    version = db.get(DeclarationVersion, signed.version_id)
    assert version is not None
    return signed, version
