"""Demo contacts in the administration: a kundechef and a driftschef for every department, and the
bookkeeping, IT support and the organisation board's secretariat for the whole organisation.

Rows are added directly (no audit entries: the demo's log stays what the other modules write).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.onboarding.models import Contact
from boardkit.org.models import Department, Organisation

KUNDECHEF = (
    "Kundechef",
    "Afdelingens budget og regnskab, afdelingsmødet, husorden og beboerklager, og spørgsmål om "
    "bestyrelsens arbejde.",
    "Man–tor 9–15, fre 9–12",
)
DRIFTSCHEF = (
    "Driftschef",
    "Ejendomskontoret og inspektørerne, vedligeholdelse og drift, markvandringen, udearealer og håndværkere.",
    "Man–fre 7–15",
)
# department number → (kundechef, phone, e-mail), (driftschef, phone, e-mail)
PEOPLE = {
    "101": (
        ("Mette Østergaard", "+45 33 12 34 56", "mette.oestergaard@demo.boardkit.dk"),
        ("Søren Åberg", "+45 33 12 34 61", "soeren.aaberg@demo.boardkit.dk"),
    ),
    "102": (
        ("Anne-Grethe Skovgård", "+45 33 12 34 57", "anne-grethe.skovgaard@demo.boardkit.dk"),
        ("Jørgen Højlund", "+45 33 12 34 62", "joergen.hoejlund@demo.boardkit.dk"),
    ),
    "103": (
        ("Birgitte Lærkegård", "+45 33 12 34 58", "birgitte.laerkegaard@demo.boardkit.dk"),
        ("Ole Bøgh Ærenlund", "+45 33 12 34 63", "ole.boegh@demo.boardkit.dk"),
    ),
}
FALLBACK = PEOPLE["101"]  # a department the demo adds later gets Engparken's people
# role, name, what they help with, phone, e-mail, hours
ORGANISATION_WIDE = (
    (
        "Bogholderi",
        "Bogholderiet",
        "Udlæg og kørselsgodtgørelse, bilag og regninger, kassererens spørgsmål om regnskabet.",
        "+45 33 12 34 70",
        "bogholderiet@demo.boardkit.dk",
        "Man–tor 10–14",
    ),
    (
        "IT-support",
        "IT-support",
        "Log ind i boardkit, bestyrelsens iPads, e-mail og adgangskoder.",
        "+45 33 12 34 80",
        "it@demo.boardkit.dk",
        "Man–fre 8–16",
    ),
    (
        "Organisationsbestyrelsens kontakt",
        "Lise Åkjær",
        "Sager til organisationsbestyrelsen, repræsentantskabet og fælles politikker.",
        "+45 33 12 34 90",
        "lise.aakjaer@demo.boardkit.dk",
        "Man–ons 9–14",
    ),
)


def add_demo_contacts(db: Session, *, organisation: Organisation) -> list[Contact]:
    """Every department's kundechef and driftschef, then the organisation-wide contacts."""
    made: list[Contact] = []
    departments = db.scalars(
        select(Department).where(Department.organisation_id == organisation.id).order_by(Department.number)
    )
    for department in departments:
        for position, ((role, helps_with, hours), (name, phone, email)) in enumerate(
            zip((KUNDECHEF, DRIFTSCHEF), PEOPLE.get(department.number, FALLBACK), strict=True)
        ):
            made.append(
                Contact(
                    organisation_id=organisation.id,
                    department_id=department.id,
                    role=role,
                    name=name,
                    helps_with=helps_with,
                    phone=phone,
                    email=email,
                    hours=hours,
                    position=position,
                )
            )
    for position, (role, name, helps_with, phone, email, hours) in enumerate(ORGANISATION_WIDE):
        made.append(
            Contact(
                organisation_id=organisation.id,
                department_id=None,
                role=role,
                name=name,
                helps_with=helps_with,
                phone=phone,
                email=email,
                hours=hours,
                position=position,
            )
        )
    db.add_all(made)
    db.flush()
    return made
