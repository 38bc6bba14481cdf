"""The fixed facts of the demo organisation (API.md, "Accounts in the demo data"): its name, the
accounts with their names, the term dates and the three departments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Copenhagen")

ORGANISATION_NAME = "Boligselskabet Fællesbo"
SHORT_NAME = "faellesbo"
OFFICE = "Fællesbos kontor, Hvidovrevej 120, 2650 Hvidovre"

# The accounts of API.md. Their names carry non-ASCII letters on purpose.
ADMIN_EMAIL = "admin@demo.boardkit.dk"
BOOKKEEPER_EMAIL = "bogholder@demo.boardkit.dk"
CHAIR_EMAIL = "formand@demo.boardkit.dk"
TREASURER_EMAIL = "kasserer@demo.boardkit.dk"
MEMBER_EMAIL = "medlem@demo.boardkit.dk"
RESIDENT_EMAIL = "beboer@demo.boardkit.dk"
RESIDENT2_EMAIL = "beboer2@demo.boardkit.dk"

ACCOUNT_NAMES = {
    ADMIN_EMAIL: "Mette Kirkegaard",
    BOOKKEEPER_EMAIL: "Henrik Østergaard",
    CHAIR_EMAIL: "Søren Ødegård",
    TREASURER_EMAIL: "Ayşe Şahin",
    MEMBER_EMAIL: "Åse Bækgaard",
    RESIDENT_EMAIL: "Mads Højgaard Frølund",
    RESIDENT2_EMAIL: "Małgorzata Wiśniewska",
}

# Term starts (the ordinary department meetings of September elect half the board each year).
TERM_2024 = date(2024, 9, 17)
TERM_2025 = date(2025, 3, 1)
FORMER_CHAIR_START = date(2023, 9, 19)
FORMER_CHAIR_END = date(2026, 3, 31)
NEW_CHAIR_START = FORMER_CHAIR_END + timedelta(days=1)


@dataclass(frozen=True)
class DepartmentSpec:
    number: str
    name: str
    postcode: str
    city: str
    streets: tuple[str, ...]
    households: int
    units: tuple[str, ...]  # flats per entrance; ("",) for terraced houses
    meeting_place: str
    # Households (0-based index) whose tenant is one of the API.md accounts.
    accounts: dict[int, str] = field(default_factory=dict)


DEPARTMENTS = (
    DepartmentSpec(
        number="101",
        name="Engparken",
        postcode="2650",
        city="Hvidovre",
        streets=("Engparken", "Engvænget"),
        households=120,
        units=("st. tv.", "st. th.", "1. tv.", "1. th.", "2. tv.", "2. th.", "3. tv.", "3. th."),
        meeting_place="Fælleshuset, Engparken 2",
        accounts={6: CHAIR_EMAIL, 29: TREASURER_EMAIL, 53: RESIDENT_EMAIL},
    ),
    DepartmentSpec(
        number="102",
        name="Søbakken",
        postcode="2610",
        city="Rødovre",
        streets=("Søbakken",),
        households=60,
        units=("st. tv.", "st. th.", "1. tv.", "1. th.", "2. tv.", "2. th."),
        meeting_place="Beboerlokalet, Søbakken 1",
        accounts={4: MEMBER_EMAIL, 21: RESIDENT2_EMAIL},
    ),
    DepartmentSpec(
        number="103",
        name="Lyngtoften",
        postcode="2800",
        city="Kongens Lyngby",
        streets=("Lyngtoften",),
        households=24,
        units=("",),
        meeting_place="Fælleshuset, Lyngtoften 26",
    ),
)
