"""The demo organisation of API.md ("Accounts in the demo data"), built deterministically from a seed.

``load_demo`` only adds and flushes; the caller owns the transaction (``boardkit demo`` resets the
database first). Everything random comes from one ``random.Random(seed)``, consumed in a fixed
order, so a seed always gives the same people, addresses and boards. Meeting times are relative to
now (upcoming meetings should stay upcoming) and never touch the random stream.
"""

from __future__ import annotations

import random
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.storage import FileStore
from boardkit.demo_expenses import add_demo_expenses
from boardkit.demo_minutes import add_demo_minutes
from boardkit.demo_packs import add_demo_packs
from boardkit.expenses import service as expense_service
from boardkit.meetings import service as meeting_service
from boardkit.meetings.models import AgendaItem, Meeting
from boardkit.org.models import (
    Board,
    Department,
    Membership,
    Organisation,
    Person,
    Residency,
    StaffRole,
    Tenancy,
)

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


@dataclass(frozen=True)
class Origin:
    """A naming tradition of the resident population: gendered first names and surnames."""

    weight: int
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[tuple[str, str], ...]  # (male form, female form)
    family_first: bool = False  # Vietnamese order: family, middle, given
    middles: tuple[tuple[str, str], ...] = ()
    english: float = 0.02  # share who prefer English


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _same(text: str) -> tuple[tuple[str, str], ...]:
    """Surnames with one form for both genders."""
    return tuple((n, n) for n in text.split())


ORIGINS = (
    Origin(  # Danish
        weight=72,
        male=_names(
            "Søren Jørgen Bjørn Jens Niels Lars Peter Henrik Thomas Mads Rasmus Frederik Mikkel Kasper "
            "Ove Poul Knud Asger Troels Emil Jonas Jørn Bo Anders Morten Kåre Torben Flemming Erik Ib"
        ),
        female=_names(
            "Åse Mette Anne Hanne Kirsten Lone Ida Sofie Freja Bodil Inger Birthe Grethe Else Astrid "
            "Signe Mathilde Laura Cecilie Tove Gitte Susanne Maja Karen Lærke Bente Jytte Rikke Pia"
        ),
        surnames=_same(
            "Jensen Nielsen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen "
            "Petersen Madsen Kristensen Olsen Thomsen Poulsen Johansen Møller Mortensen Knudsen Jakobsen "
            "Lauridsen Søndergaard Kjær Grønbæk Lykkegård Bækgaard Ærø Frølund Dalsgård Holm Bach Dæhli"
        ),
    ),
    Origin(  # Turkish
        weight=7,
        male=_names("Ömer Mehmet Yusuf Şükrü Çağlar Emre Hüseyin"),
        female=_names("Ayşe Øzlem Özlem Gülşen Emine Zeynep Hülya Şeyma"),
        surnames=_same("Şahin Yılmaz Öztürk Kaya Çelik Doğan Güneş Aydın"),
        english=0.05,
    ),
    Origin(  # Vietnamese: family name first
        weight=4,
        male=_names("Hùng Dũng Minh Tuấn Quang"),
        female=_names("Hương Lan Thảo Linh Ngọc"),
        surnames=_same("Nguyễn Trần Lê Phạm Hoàng Vũ"),
        family_first=True,
        middles=(("Văn", "Thị"), ("Đức", "Thị"), ("Minh", "Thu")),
        english=0.2,
    ),
    Origin(  # Polish: gendered surnames
        weight=5,
        male=_names("Łukasz Wojciech Paweł Tomasz Michał Krzysztof"),
        female=_names("Małgorzata Agnieszka Katarzyna Zofia Joanna Ewa"),
        surnames=(
            ("Kowalski", "Kowalska"),
            ("Wiśniewski", "Wiśniewska"),
            ("Wójcik", "Wójcik"),
            ("Lewandowski", "Lewandowska"),
            ("Dąbrowski", "Dąbrowska"),
            ("Zieliński", "Zielińska"),
        ),
        english=0.3,
    ),
    Origin(  # Spanish and Portuguese
        weight=4,
        male=_names("José João Sebastián Andrés Joaquín Martín"),
        female=_names("María Inés Conceição Lucía Begoña Mônica"),
        surnames=_same("García Núñez Gonçalves Fernández Muñoz Peña Conceição"),
        english=0.3,
    ),
    Origin(  # Arabic and Somali
        weight=6,
        male=_names("Mohammed Ahmad Hassan Abdi Omar Khalid Bilal"),
        female=_names("Fatima Leila Amira Yasmin Hodan Nour Sara"),
        surnames=_same("Ali Hassan Abdullahi El-Amin Haddad Khalil Farah Warsame"),
        english=0.1,
    ),
    Origin(  # Icelandic
        weight=1,
        male=_names("Sigurður Þórður Guðmundur"),
        female=_names("Guðrún Þórunn Sólveig"),
        surnames=(("Jónsson", "Jónsdóttir"), ("Sigurðsson", "Sigurðardóttir")),
        english=0.2,
    ),
    Origin(  # Greenlandic
        weight=1,
        male=_names("Aqqaluk Kuupik Ole"),
        female=_names("Naja Aviaja Nivi"),
        surnames=_same("Kleist Lyberth Kristiansen Møller"),
    ),
    Origin(  # Faroese
        weight=1,
        male=_names("Rógvi Bárður Jóannes"),
        female=_names("Sólja Rannvá Turið"),
        surnames=_same("Joensen Dam Hansen Olsen"),
    ),
    Origin(  # German
        weight=1,
        male=_names("Jürgen Günther Stefan"),
        female=_names("Jutta Käthe Sabine"),
        surnames=_same("Müller Schäfer Weiß Groß"),
        english=0.1,
    ),
)
ORIGIN_WEIGHTS = [o.weight for o in ORIGINS]

# Letters that Unicode does not decompose into ASCII + a combining mark.
FOLD = str.maketrans(
    {
        "æ": "ae",
        "ø": "oe",
        "å": "aa",
        "ł": "l",
        "đ": "d",
        "ı": "i",
        "ß": "ss",
        "þ": "th",
        "ð": "d",
        "œ": "oe",
    }
)


def ascii_fold(text: str) -> str:
    """'Søren Ødegård' → 'soeren oedegaard'; 'Şahin' → 'sahin'; 'Nguyễn' → 'nguyen'."""
    text = text.lower().translate(FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).encode("ascii", "ignore").decode()


def _email_part(name: str) -> str:
    return "".join(c for c in ascii_fold(name) if c.isalnum())


def demo_email(name: str, n: int) -> str:
    """firstname.lastname.N@example.dk, lowercase ASCII; N (the person's number) makes it unique."""
    parts = name.split()
    return f"{_email_part(parts[0])}.{_email_part(parts[-1])}.{n}@example.dk"


class _Builder:
    """Holds the random stream and the objects made so far, in creation order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.people: list[Person] = []
        self.objects: list[object] = []
        self.by_email: dict[str, Person] = {}

    def add(self, obj: object) -> None:
        self.objects.append(obj)

    def next_external_id(self) -> str:
        return f"P{len(self.people) + 1:06d}"

    def account(self, email: str) -> Person:
        person = Person(
            external_id=self.next_external_id(),
            name=ACCOUNT_NAMES[email],
            email=email,
            phone="",
            preferred_channel="email",
            paper=False,
            language="da",
            active=True,
        )
        self.people.append(person)
        self.by_email[email] = person
        self.add(person)
        return person

    def phone(self) -> str:
        """A Danish mobile number, '+45 2x xx xx xx'."""
        r = self.rng
        groups = [f"{r.choice('2345')}{r.randint(0, 9)}"] + [f"{r.randint(0, 99):02d}" for _ in range(3)]
        return "+45 " + " ".join(groups)

    def resident(self, name: str, origin: Origin) -> Person:
        """A generated resident with a realistic mix of channels."""
        r = self.rng
        n = len(self.people) + 1
        roll = r.random()
        email: str | None = None
        phone = ""
        channel = "email"
        paper = False
        if roll < 0.08:  # asked for paper
            paper, channel = True, "paper"
            if r.random() < 0.3:
                phone = self.phone()
        elif roll < 0.18:  # texts, no e-mail
            channel, phone = "sms", self.phone()
        elif roll < 0.40:  # no e-mail known: falls back to a printed letter
            if r.random() < 0.5:
                phone = self.phone()
        else:
            email = demo_email(name, n)
            if r.random() < 0.6:
                phone = self.phone()
        person = Person(
            external_id=f"P{n:06d}",
            name=name,
            email=email,
            phone=phone,
            preferred_channel=channel,
            paper=paper,
            language="en" if r.random() < origin.english else "da",
            active=True,
        )
        self.people.append(person)
        self.add(person)
        return person

    # --- names ---------------------------------------------------------------------------

    def origin(self) -> Origin:
        return self.rng.choices(ORIGINS, weights=ORIGIN_WEIGHTS)[0]

    def first_name(self, origin: Origin, female: bool) -> str:
        name = self.rng.choice(origin.female if female else origin.male)
        if origin is ORIGINS[0] and self.rng.random() < 0.15:  # a Danish double first name
            second = self.rng.choice(origin.female if female else origin.male)
            if second != name:
                name = f"{name} {second}"
        return name

    def full_name(self, origin: Origin, female: bool, surname: tuple[str, str]) -> str:
        given = self.first_name(origin, female)
        family = surname[1] if female else surname[0]
        if origin.family_first:
            middle = self.rng.choice(origin.middles)
            return f"{family} {middle[1] if female else middle[0]} {given}"
        return f"{given} {family}"

    def household(self, size: int) -> list[tuple[str, Origin]]:
        """Names of the adults of one household: a couple often shares a surname, adult children do."""
        r = self.rng
        origin = self.origin()
        surname = r.choice(origin.surnames)
        female = r.random() < 0.5
        names = [(self.full_name(origin, female, surname), origin)]
        if size >= 2:
            partner_origin = origin if r.random() < 0.85 else self.origin()
            keeps_surname = partner_origin is origin and r.random() < 0.6
            partner_surname = surname if keeps_surname else r.choice(partner_origin.surnames)
            partner_female = not female if r.random() < 0.9 else female
            names.append((self.full_name(partner_origin, partner_female, partner_surname), partner_origin))
        for _ in range(size - 2):
            names.append((self.full_name(origin, r.random() < 0.5, surname), origin))
        return names


def _unit_address(spec: DepartmentSpec, index: int) -> tuple[str, str]:
    """(street address, unit) of household ``index``: entrances of len(units) flats, even numbers."""
    per_entrance = len(spec.units)
    entrance = index // per_entrance
    entrances_per_street = -(-spec.households // per_entrance // len(spec.streets))
    street = spec.streets[min(entrance // max(entrances_per_street, 1), len(spec.streets) - 1)]
    number_on_street = entrance % max(entrances_per_street, 1)
    if spec.units == ("",):  # terraced houses: one home per number
        return f"{street} {index + 1}", ""
    return f"{street} {4 + 2 * number_on_street}", spec.units[index % per_entrance]


def _local(day: date, at: time) -> datetime:
    """A wall-clock time in Copenhagen as an aware datetime in UTC."""
    return datetime.combine(day, at, tzinfo=TZ).astimezone(UTC)


def _theme(day: date) -> str:
    return f"budget {day.year + 1}" if day.month >= 6 else f"regnskab {day.year - 1}"


def _evening_day(day: date) -> date:
    """The first Monday–Thursday on or after ``day`` outside the Christmas and New Year break."""
    while day.weekday() > 3 or (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 3):
        day += timedelta(days=1)
    return day


def _meetings(board: Board, *, kind: str, place: str, offset: int, at: time, today: date) -> list[Meeting]:
    """One held meeting ~30 days ago and three upcoming ones (~9, 37 and 65 days ahead, shifted by offset)."""
    base = "Møde i Aktivitetsudvalget" if kind == "committee" else "Bestyrelsesmøde"
    held = today - timedelta(days=30 + offset)
    while held.weekday() > 3:
        held -= timedelta(days=1)
    first, second, third = (_evening_day(today + timedelta(days=d + offset)) for d in (9, 37, 65))
    plan = [
        (held, "held", base),
        (first, "planned", base),
        (second, "planned", f"{base} – {_theme(second)}" if kind == "board" else base),
        (third, "planned", base),
    ]
    meetings = []
    for day, status, title in plan:
        starts = _local(day, at)
        meetings.append(
            Meeting(
                board=board,
                kind=kind,
                title=title,
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                location=place,
                status=status,
                # A held meeting was announced (residents see a department board's held meetings).
                invited_at=starts - timedelta(days=10) if status == "held" else None,
            )
        )
    return meetings


def _pick(rng: random.Random, candidates: Sequence[Person], k: int, taken: set[int]) -> list[Person]:
    """k people from candidates (in a stable order) not yet taken; marks them taken."""
    free = [p for p in candidates if id(p) not in taken]
    chosen = rng.sample(free, k)
    taken.update(id(p) for p in chosen)
    return chosen


def load_demo(
    db: Session, *, seed: int = 1, store: FileStore | None = None, secret_key: str = ""
) -> Organisation:
    """Create the demo organisation of API.md in ``db`` (flushed, not committed) and return it.

    With a file store, Engparken's next board meeting and its department meeting also get a few
    files and published meeting packs (``demo_packs``).
    """
    if db.scalar(select(Organisation.id).where(Organisation.short_name == SHORT_NAME)) is not None:
        raise ValueError(f"the demo organisation {SHORT_NAME!r} already exists; reset the database first")

    b = _Builder(seed)
    rng = b.rng
    org = Organisation(name=ORGANISATION_NAME, short_name=SHORT_NAME, rules={})
    b.add(org)

    # Administration staff, organisation-wide.
    admin = b.account(ADMIN_EMAIL)
    bookkeeper = b.account(BOOKKEEPER_EMAIL)
    b.add(StaffRole(person=admin, organisation=org, department_id=None, role="account_manager"))
    b.add(StaffRole(person=bookkeeper, organisation=org, department_id=None, role="bookkeeper"))

    departments: dict[str, Department] = {}
    residents: dict[str, list[Person]] = {}  # department number → people, household order
    for spec in DEPARTMENTS:
        dept = Department(organisation=org, number=spec.number, name=spec.name)
        b.add(dept)
        departments[spec.number] = dept
        residents[spec.number] = []
        for index in range(spec.households):
            address, unit = _unit_address(spec, index)
            tenancy = Tenancy(
                department=dept,
                number=f"{spec.number}-{index + 1:04d}",
                address=address,
                unit=unit,
                postcode=spec.postcode,
                city=spec.city,
                paper=rng.random() < 0.04,
            )
            b.add(tenancy)
            size = rng.choices((1, 2, 3), weights=(40, 48, 12))[0]
            moved_in = date(rng.randint(1988, 2024), rng.randint(1, 12), 1)
            names = b.household(size)
            account = spec.accounts.get(index)
            for position, (name, origin) in enumerate(names):
                if position == 0 and account is not None:
                    person = b.account(account)
                else:
                    person = b.resident(name, origin)
                b.add(
                    Residency(
                        person=person,
                        tenancy=tenancy,
                        role="tenant" if position == 0 else "household_member",
                        adult=True,
                        start_date=moved_in,
                        end_date=None,
                    )
                )
                residents[spec.number].append(person)

    # Board members are drawn from residents with a digital channel, never from the named accounts
    # (except where API.md puts them) and never twice on one board.
    accounts = {id(p) for p in b.by_email.values()}

    def pool(number: str) -> list[Person]:
        return [p for p in residents[number] if p.email and not p.paper and id(p) not in accounts]

    chair, treasurer, member = b.by_email[CHAIR_EMAIL], b.by_email[TREASURER_EMAIL], b.by_email[MEMBER_EMAIL]
    engparken, soebakken, lyngtoften = (departments[n] for n in ("101", "102", "103"))
    memberships: list[tuple[Board, Person, str, date, date | None]] = []
    on_some_board: set[int] = set()

    # Engparken: 5 members + 2 substitutes.
    ab_eng = Board(
        organisation=org,
        department=engparken,
        kind="department_board",
        name="Afdelingsbestyrelsen i Engparken",
    )
    vice, m1, m2, s1, s2 = _pick(rng, pool("101"), 5, on_some_board)
    memberships += [
        (ab_eng, chair, "chair", TERM_2024, None),
        (ab_eng, vice, "vice_chair", TERM_2025, None),
        (ab_eng, treasurer, "treasurer", TERM_2024, None),
        (ab_eng, m1, "member", TERM_2025, None),
        (ab_eng, m2, "member", TERM_2024, None),
        (ab_eng, s1, "substitute", TERM_2025, None),
        (ab_eng, s2, "substitute", TERM_2025, None),
    ]

    # Søbakken: 5 members (medlem@ among them) + 1 substitute.
    ab_soe = Board(
        organisation=org,
        department=soebakken,
        kind="department_board",
        name="Afdelingsbestyrelsen i Søbakken",
    )
    soe_chair, soe_vice, soe_treasurer, soe_m, soe_s = _pick(rng, pool("102"), 5, on_some_board)
    memberships += [
        (ab_soe, soe_chair, "chair", TERM_2024, None),
        (ab_soe, soe_vice, "vice_chair", TERM_2025, None),
        (ab_soe, soe_treasurer, "treasurer", TERM_2024, None),
        (ab_soe, member, "member", TERM_2025, None),
        (ab_soe, soe_m, "member", TERM_2024, None),
        (ab_soe, soe_s, "substitute", TERM_2025, None),
    ]

    # Lyngtoften: 3 members + 1 substitute, and a former chair whose membership has ended.
    ab_lyn = Board(
        organisation=org,
        department=lyngtoften,
        kind="department_board",
        name="Afdelingsbestyrelsen i Lyngtoften",
    )
    lyn_chair, lyn_treasurer, lyn_m, lyn_s, former = _pick(rng, pool("103"), 5, on_some_board)
    memberships += [
        (ab_lyn, former, "chair", FORMER_CHAIR_START, FORMER_CHAIR_END),
        (ab_lyn, lyn_chair, "chair", NEW_CHAIR_START, None),
        (ab_lyn, lyn_treasurer, "treasurer", TERM_2024, None),
        (ab_lyn, lyn_m, "member", TERM_2025, None),
        (ab_lyn, lyn_s, "substitute", TERM_2025, None),
    ]

    # Organisation board: 7 resident members, formand@ one of them; residents hold the majority.
    ob = Board(organisation=org, department=None, kind="organisation_board", name="Organisationsbestyrelsen")
    ob_people = [vice, soe_chair, lyn_chair]  # department chairs/vice chairs often sit here too
    ob_people += _pick(rng, pool("101"), 2, on_some_board)
    ob_people += _pick(rng, pool("102"), 1, on_some_board)
    memberships += [
        (ob, ob_people[1], "chair", TERM_2024, None),
        (ob, ob_people[0], "vice_chair", TERM_2024, None),
        (ob, chair, "member", TERM_2025, None),
        (ob, ob_people[2], "member", NEW_CHAIR_START, None),
        (ob, ob_people[3], "member", TERM_2024, None),
        (ob, ob_people[4], "member", TERM_2025, None),
        (ob, ob_people[5], "member", TERM_2025, None),
    ]

    # A committee in Engparken.
    committee = Board(
        organisation=org, department=engparken, kind="committee", name="Aktivitetsudvalget i Engparken"
    )
    c_chair, c_m1, c_m2 = _pick(rng, pool("101"), 3, on_some_board)
    memberships += [
        (committee, m1, "member", TERM_2025, None),
        (committee, c_chair, "chair", TERM_2025, None),
        (committee, c_m1, "member", TERM_2025, None),
        (committee, c_m2, "member", TERM_2025, None),
    ]

    boards = [ab_eng, ab_soe, ab_lyn, ob, committee]
    b.objects.extend(boards)
    for board, person, role, start, end in memberships:
        b.add(Membership(board=board, person=person, role=role, start_date=start, end_date=end))

    # Meetings, relative to today in Copenhagen (no randomness: names stay the same whatever the date).
    today = datetime.now(UTC).astimezone(TZ).date()
    evening = time(19, 0)
    place = {spec.number: spec.meeting_place for spec in DEPARTMENTS}
    places = {
        ab_eng: place["101"],
        ab_soe: place["102"],
        ab_lyn: place["103"],
        ob: OFFICE,
        committee: place["101"],
    }
    for offset, board in enumerate(boards):
        kind = "committee" if board.kind == "committee" else "board"
        at = time(17, 0) if kind == "committee" else evening
        b.objects.extend(_meetings(board, kind=kind, place=places[board], offset=offset, at=at, today=today))
    for board, days in ((ab_eng, 42), (ab_soe, 44)):
        starts = _local(_evening_day(today + timedelta(days=days)), evening)
        b.add(
            Meeting(
                board=board,
                kind="ordinary_department",
                title="Ordinært afdelingsmøde",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2, minutes=30),
                location=places[board],
                # Announced early (the notice is due 4 weeks before): residents see it and may propose.
                status="invited",
                invited_at=_local(today - timedelta(days=1), time(10, 0)),
            )
        )

    db.add_all(b.objects)
    db.flush()
    _agendas(db, [o for o in b.objects if isinstance(o, Meeting)], engparken_board=ab_eng)
    expense_service.seed_accounts(db, organisation_id=org.id)
    if store is not None:
        add_demo_packs(db, store=store, board=ab_eng, admin=admin)
        add_demo_minutes(db, board=ab_eng)
        if secret_key:  # bank accounts are stored encrypted with the installation's key
            add_demo_expenses(
                db,
                store=store,
                board=ab_eng,
                treasurer=b.by_email[TREASURER_EMAIL],
                chair=b.by_email[CHAIR_EMAIL],
                secret_key=secret_key,
            )
    return org


# A few realistic words on the agenda (the rest keeps the template's titles).
DESCRIPTIONS = {
    "Økonomi": "Kassereren gennemgår kvartalets regnskab mod budgettet. Bilag: saldobalance pr. kvartal.",
    "Bestyrelsens beretning": "Formanden fremlægger bestyrelsens skriftlige beretning for det forløbne år.",
    "Afdelingens budget for næste år": "Budgettet er udarbejdet af administrationen sammen med bestyrelsen. "
    "Lejen foreslås hævet med 1,9 %.",
    "Valg": "På valg er to bestyrelsesmedlemmer og to suppleanter. Kandidater kan melde sig på mødet.",
}


def _agendas(db: Session, meetings: list[Meeting], *, engparken_board: Board) -> None:
    """Give every demo meeting a UID and its starting agenda; one closed item in Engparken."""
    for meeting in sorted(meetings, key=lambda m: m.starts_at):
        meeting.uid = f"{uuid.uuid4()}@demo.boardkit.dk"
        if meeting.is_department_meeting:
            meeting.department_id = meeting.board.department_id
        meeting_service.add_starting_agenda(db, meeting)
        for item in meeting.items:
            item.description = DESCRIPTIONS.get(item.title, "")
    upcoming = [
        m for m in meetings if m.board is engparken_board and m.kind == "board" and m.status == "planned"
    ]
    first = min(upcoming, key=lambda m: m.starts_at)
    items = sorted(first.items, key=lambda i: i.position)
    playground = AgendaItem(
        meeting_id=first.id,
        title="Legepladsen ved Engvænget",
        description="Tilbud på nyt faldunderlag og to gynger. Bestyrelsen beslutter, om tilbuddet skal "
        "forelægges afdelingsmødet.",
        kind="decision",
        presenter=ACCOUNT_NAMES[CHAIR_EMAIL],
        minutes_allotted=20,
    )
    personnel = AgendaItem(
        meeting_id=first.id,
        title="Personalesag",
        description="Sag om ejendomskontorets personale. Behandles for lukkede døre.",
        kind="discussion",
        closed=True,
        person_case=True,
    )
    items[3:3] = [playground]  # after the chair's news
    items[-1:-1] = [personnel]  # before "Eventuelt"
    for position, item in enumerate(items, start=1):
        item.position = position
    db.add_all([playground, personnel])
    db.flush()
    db.refresh(first, ["items"])
