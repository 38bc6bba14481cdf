"""Applying, deciding and passing by silence: who may apply, the pet rules, an installation on
an outer wall, the decisions' rules, and the deadline job (once, and again harmlessly)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from boardkit.core.db import Database
from boardkit.core.errors import AppError, NotFound, RuleViolation, ValidationFailed
from boardkit.core.models import AuditEntry
from boardkit.core.notify.models import Notice
from boardkit.permits import service
from boardkit.permits.models import Permit, PermitEvent
from tests.permits.permit_env import (
    ADMIN,
    CHAIR,
    RESIDENT,
    RESIDENT2,
    SETTINGS,
    household_member_of,
    seed,
    set_rule,
    who,
)

pytestmark = pytest.mark.postgres  # the deadline job's batch update, JSON details

DOG = {"name": "Bølle", "breed": "Labrador retriever", "chip": "208098100012345", "insured": True}
MONDAY = date(2025, 3, 3)


def count(db: Database) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(Permit)) or 0


def apply(db: Database, email: str, today: date = MONDAY, **fields: object) -> int:
    with db.transaction() as s:
        application = service.Application(**{"kind": "dog", "title": "Hund", "animal": DOG, **fields})  # type: ignore[arg-type]
        return service.submit(
            s, principal=who(s, email), application=application, settings=SETTINGS, today=today
        ).id


def decide(db: Database, email: str, permit_id: int, **fields: str) -> Permit:
    with db.transaction() as s:
        return service.decide(
            s,
            principal=who(s, email),
            permit_id=permit_id,
            decision=service.Decision(**fields),
            settings=SETTINGS,
        )


def test_a_tenant_applies_for_a_dog_and_the_administration_approves_with_conditions(demo: Database) -> None:
    seed(demo)
    permit_id = apply(demo, RESIDENT)
    decided = decide(demo, ADMIN, permit_id, outcome="approve", conditions="Hunden skal føres i snor.")
    assert (decided.status, decided.conditions, decided.deadline) == (
        "approved",
        "Hunden skal føres i snor.",
        date(2025, 4, 28),
    )
    with demo.transaction() as s:
        permit = s.get(Permit, permit_id)
        assert permit is not None and permit.details["animal"]["name"] == "Bølle"
        subjects = list(
            s.scalars(select(Notice.subject).where(Notice.object_id == permit_id).order_by(Notice.id))
        )
        assert subjects == ["Modtaget: Hund", "Godkendt: Hund"]
        actions = list(s.scalars(select(PermitEvent.action).where(PermitEvent.permit_id == permit_id)))
        assert actions == ["submitted", "approve"]


def test_only_the_tenant_may_apply(demo: Database) -> None:
    seed(demo)
    with demo.transaction() as s:
        member = household_member_of(s, RESIDENT)
        with pytest.raises(NotFound):
            service.submit(
                s,
                principal=member,
                application=service.Application(kind="dog", title="Hund", animal=DOG),
                settings=SETTINGS,
                today=MONDAY,
            )
    with pytest.raises(NotFound):
        apply(demo, ADMIN)  # staff, not living there


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"animal": {**DOG, "breed": "Pit bull terrier mix"}}, "animal.breed"),
        ({"animal": {**DOG, "insured": False}}, "animal.insured"),
        ({"animal": {**DOG, "name": ""}}, "animal.name"),
        ({"details": {"animals": [DOG, DOG]}}, "animal"),
        ({"title": "   "}, "title"),
        ({"kind": "elephant"}, "kind"),
    ],
)
def test_bad_pet_applications_are_refused_with_the_field_named(
    demo: Database, fields: dict[str, object], field: str
) -> None:
    seed(demo)
    before = count(demo)
    with pytest.raises(ValidationFailed) as refused:
        apply(demo, RESIDENT, **fields)
    assert field in refused.value.fields
    assert count(demo) == before


def test_an_installation_on_an_outer_wall_becomes_outdoor_raaderet(demo: Database) -> None:
    seed(demo)
    inside = apply(demo, RESIDENT, kind="dishwasher", title="Opvaskemaskine", animal=None)
    outside = apply(demo, RESIDENT, kind="other_installation", title="Ladestander", animal=None, outside=True)
    with demo.transaction() as s:
        a, b = s.get(Permit, inside), s.get(Permit, outside)
        assert a is not None and b is not None
        assert (a.kind.code, a.status, a.route) == ("dishwasher", "acknowledged", "acknowledge")
        assert (b.kind.code, b.status, b.route) == ("outdoor_other", "submitted", "decision")
        assert b.details["filed_as"] == "other_installation"
    with pytest.raises(AppError):
        decide(demo, ADMIN, inside, outcome="approve")  # a notice has no approval step


def test_decisions_keep_their_rules(demo: Database) -> None:
    seed(demo)
    permit_id = apply(demo, RESIDENT)
    with pytest.raises(ValidationFailed) as no_reason:
        decide(demo, ADMIN, permit_id, outcome="reject", reason="  ")
    assert no_reason.value.fields == {"reason": "required"}
    with pytest.raises(NotFound):
        decide(demo, RESIDENT, permit_id, outcome="approve")  # the resident cannot approve their own
    with pytest.raises(NotFound):
        decide(demo, CHAIR, permit_id, outcome="approve")  # not delegated to the board
    rejected = decide(demo, ADMIN, permit_id, outcome="reject", reason="Der er allerede to hunde i opgangen.")
    assert rejected.status == "rejected"
    with demo.transaction() as s:
        body = s.scalar(select(Notice.body).where(Notice.object_id == permit_id).order_by(Notice.id.desc()))
        assert body is not None and "beboerklagenævnet" in body


def test_a_banned_breed_is_never_approved_and_an_assistance_dog_not_refused_on_house_rules(
    demo: Database,
) -> None:
    seed(demo)
    permit_id = apply(demo, RESIDENT, animal={**DOG, "assistance_dog": True})
    with demo.transaction() as s:  # the breed turns out to be banned (e.g. corrected by the administration)
        permit = s.get(Permit, permit_id)
        assert permit is not None
        permit.details = {**permit.details, "animal": {**permit.details["animal"], "breed": "Tosa inu"}}
    with pytest.raises(RuleViolation) as banned:
        decide(demo, ADMIN, permit_id, outcome="approve")
    assert banned.value.code == "banned_breed"
    with pytest.raises(RuleViolation) as house_rules:
        decide(demo, ADMIN, permit_id, outcome="reject", reason="Husordenen", grounds="house_rules")
    assert house_rules.value.code == "assistance_dog"
    assert (
        decide(demo, ADMIN, permit_id, outcome="reject", reason="Forbudt race", grounds="other").status
        == "rejected"
    )


def test_a_report_passes_by_silence_the_day_after_its_deadline_once(demo: Database) -> None:
    seed(demo)
    kitchen = apply(demo, RESIDENT, kind="kitchen", title="Nyt køkken", animal=None)
    with demo.transaction() as s:
        permit = s.get(Permit, kitchen)
        assert permit is not None and permit.deadline == date(2025, 4, 28) and permit.route == "silence"
    for day, passed in ((date(2025, 4, 28), 0), (date(2025, 4, 29), 1), (date(2025, 4, 30), 0)):
        with demo.transaction() as s:
            assert service.lapse_reports(s, today=day, settings=SETTINGS) == passed
    with demo.transaction() as s:
        permit = s.get(Permit, kitchen)
        assert permit is not None and permit.status == "no_objection"
        assert s.scalar(select(func.count()).select_from(Notice).where(Notice.object_id == kitchen)) == 2


def test_no_silence_with_the_explicit_approval_rule_or_a_building_permit(demo: Database) -> None:
    seed(demo)
    conservatory = apply(demo, RESIDENT, kind="conservatory", title="Udestue", animal=None)
    floors = apply(demo, RESIDENT, kind="floors", title="Gulve", animal=None, needs_building_permit=True)
    with demo.transaction() as s:
        set_rule(s, "permits_explicit_approval", True)
    kitchen = apply(demo, RESIDENT, kind="kitchen", title="Køkken", animal=None)
    with demo.transaction() as s:
        assert service.lapse_reports(s, today=MONDAY + timedelta(days=365), settings=SETTINGS) == 0
        for permit_id in (conservatory, floors, kitchen):
            permit = s.get(Permit, permit_id)
            assert permit is not None and (permit.status, permit.route) == ("submitted", "decision")
            assert permit.deadline is not None  # an answer-by day, which never decides by itself


def test_the_board_opens_a_named_case_only_when_delegated_and_each_opening_is_audited(demo: Database) -> None:
    seed(demo)
    permit_id = apply(demo, RESIDENT)
    with demo.transaction() as s, pytest.raises(NotFound):
        service.get_permit(s, principal=who(s, CHAIR), permit_id=permit_id)
    with demo.transaction() as s, pytest.raises(NotFound):
        service.get_permit(s, principal=who(s, RESIDENT2), permit_id=permit_id)
    with demo.transaction() as s:
        permit = s.get(Permit, permit_id)
        assert permit is not None
        permit.kind.delegated_to_board = True
    for _ in range(2):
        with demo.transaction() as s:
            assert service.get_permit(s, principal=who(s, CHAIR), permit_id=permit_id).id == permit_id
    with demo.transaction() as s:
        opened = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "permit.opened_by_board", AuditEntry.object_id == permit_id)
        )
        assert opened == 2
    assert decide(demo, CHAIR, permit_id, outcome="approve").status == "approved"  # the chair decides it
