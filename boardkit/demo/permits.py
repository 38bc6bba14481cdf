"""Demo permits: the default kinds, beboer@'s approved dog and pending kitchen, and about forty
cases of mixed kinds and states in Engparken (one application past its answer-by day).

Rows are added directly (no notices: the demo's mail stays what the other modules send).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.templating import TZ
from boardkit.org.models import Organisation, Person, Residency, Tenancy
from boardkit.org.periods import today
from boardkit.permits.catalogue import seed_kinds
from boardkit.permits.deadlines import Route, Track, objection_deadline, route
from boardkit.permits.models import Permit, PermitEvent, PermitKind

DOGS = [
    ("Bølle", "Labrador retriever"),
    ("Frida", "Border collie"),
    ("Şeker", "Gravhund"),
    ("Otto", "Puddel"),
]
CATS = [("Misse", "Europæisk korthår"), ("Tiger", "Maine coon"), ("Nala", "Norsk skovkat")]
# kind code → (title, the states drawn for it)
MIX = {
    "dog": ("Hund", ["approved", "approved", "rejected", "submitted"]),
    "cat": ("Kat", ["approved", "approved", "ended"]),
    "dishwasher": ("Opvaskemaskine", ["acknowledged"]),
    "washing_machine": ("Vaskemaskine", ["acknowledged"]),
    "tumble_dryer": ("Tørretumbler", ["acknowledged"]),
    "antenna": ("Parabol på altanen", ["approved", "submitted", "rejected"]),
    "floors": ("Nye trægulve", ["no_objection", "submitted"]),
    "bathroom": ("Nyt badeværelse", ["no_objection", "submitted"]),
    "alteration": ("Væg mellem køkken og stue fjernes", ["no_objection", "withdrawn"]),
    "fence": ("Hegn om haven", ["approved", "more_info"]),
    "pergola": ("Pergola på terrassen", ["approved"]),
    "conservatory": ("Udestue", ["submitted"]),
}


def _at(day: object, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=TZ).astimezone(UTC)  # type: ignore[arg-type]


def _case(
    kind: PermitKind, tenancy: Tenancy, applicant: Person, *, status: str, days_ago: int, title: str
) -> Permit:
    received = today() - timedelta(days=days_ago)
    way = route(Track(kind.track), needs_building_permit=kind.needs_building_permit)
    permit = Permit(
        organisation_id=kind.organisation_id,
        department_id=tenancy.department_id,
        tenancy_id=tenancy.id,
        kind=kind,
        applicant_id=applicant.id,
        status=status,
        route=way.value,
        title=title,
        received_on=received,
        deadline=None if way is Route.ACKNOWLEDGE else objection_deadline(received),
        needs_building_permit=kind.needs_building_permit,
        created_at=_at(received),
    )
    if status in ("approved", "rejected", "ended"):
        permit.decided_at = _at(received + timedelta(days=min(days_ago, 12)), 14)
    if status == "rejected":
        permit.reason = "Der er ikke plads til flere dyr/anlæg i opgangen efter husordenen."
    if status == "more_info":
        permit.reason = "Send en tegning med mål på hegnet."
    if status == "ended":
        permit.ended_on = received + timedelta(days=300)
    return permit


def add_demo_permits(
    db: Session, *, organisation: Organisation, resident: Person, department_id: int
) -> None:
    kinds = {k.code: k for k in seed_kinds(db, organisation_id=organisation.id)}
    rng = random.Random(14)
    home = db.scalar(
        select(Tenancy)
        .join(Residency, Residency.tenancy_id == Tenancy.id)
        .where(Residency.person_id == resident.id)
    )
    assert home is not None
    dog = _case(kinds["dog"], home, resident, status="approved", days_ago=400, title="Hund: Bølle")
    dog.details = {
        "animal": {
            "name": "Bølle",
            "species": "Hund",
            "breed": "Labrador retriever",
            "chip": "208098100012345",
            "insured": True,
            "assistance_dog": False,
        }
    }
    dog.conditions = "Hunden føres i snor på fællesarealerne."
    kitchen = _case(kinds["kitchen"], home, resident, status="submitted", days_ago=20, title="Nyt køkken")
    kitchen.description = "Nyt køkken med nye skabe og bordplade. Tilbud fra køkkenfirma vedlagt."
    cases = [dog, kitchen]
    tenants = list(
        db.execute(
            select(Tenancy, Person)
            .join(Residency, Residency.tenancy_id == Tenancy.id)
            .join(Person, Person.id == Residency.person_id)
            .where(
                Tenancy.department_id == department_id, Residency.role == "tenant", Person.id != resident.id
            )
            .order_by(Tenancy.id)
        )
    )
    for tenancy, person in rng.sample(tenants, min(38, len(tenants))):
        code = rng.choice(list(MIX))
        title, states = MIX[code]
        status = rng.choice(states)
        days_ago = rng.randint(3, 40) if status in ("submitted", "more_info") else rng.randint(60, 900)
        case = _case(kinds[code], tenancy, person, status=status, days_ago=days_ago, title=title)
        if code in ("dog", "cat"):
            name, breed = rng.choice(DOGS if code == "dog" else CATS)
            case.title = f"{title}: {name}"
            case.details = {
                "animal": {
                    "name": name,
                    "species": title,
                    "breed": breed,
                    "insured": True,
                    "assistance_dog": False,
                }
            }
        cases.append(case)
    late = _case(kinds["carport"], *rng.choice(tenants), status="submitted", days_ago=75, title="Carport")
    cases.append(late)  # an application past its answer-by day
    db.add_all(cases)
    db.flush()
    for case in cases:
        db.add(
            PermitEvent(permit_id=case.id, action="submitted", actor_id=case.applicant_id, at=case.created_at)
        )
        if case.decided_at is not None:
            action = "approve" if case.status in ("approved", "ended") else "reject"
            db.add(PermitEvent(permit_id=case.id, action=action, actor_id=None, at=case.decided_at))
