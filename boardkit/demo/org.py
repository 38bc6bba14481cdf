"""The demo organisation: staff, departments with their tenancies and residents, the boards and
their memberships — drawn from the random stream in a fixed order."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from boardkit.demo.accounts import (
    ADMIN_EMAIL,
    BOOKKEEPER_EMAIL,
    CHAIR_EMAIL,
    DEPARTMENTS,
    FORMER_CHAIR_END,
    FORMER_CHAIR_START,
    MEMBER_EMAIL,
    NEW_CHAIR_START,
    ORGANISATION_NAME,
    SHORT_NAME,
    TERM_2024,
    TERM_2025,
    TREASURER_EMAIL,
)
from boardkit.demo.people import Builder, unit_address
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


@dataclass(frozen=True)
class DemoOrg:
    org: Organisation
    admin: Person
    boards: list[Board]  # Engparken, Søbakken, Lyngtoften, the organisation board, the committee


def pick(rng: random.Random, candidates: Sequence[Person], k: int, taken: set[int]) -> list[Person]:
    """k people from candidates (in a stable order) not yet taken; marks them taken."""
    free = [p for p in candidates if id(p) not in taken]
    chosen = rng.sample(free, k)
    taken.update(id(p) for p in chosen)
    return chosen


def add_organisation(b: Builder) -> DemoOrg:
    """The organisation, its staff, residents, boards and memberships, added to ``b`` in order."""
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
            address, unit = unit_address(spec, index)
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
    vice, m1, m2, s1, s2 = pick(rng, pool("101"), 5, on_some_board)
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
    soe_chair, soe_vice, soe_treasurer, soe_m, soe_s = pick(rng, pool("102"), 5, on_some_board)
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
    lyn_chair, lyn_treasurer, lyn_m, lyn_s, former = pick(rng, pool("103"), 5, on_some_board)
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
    ob_people += pick(rng, pool("101"), 2, on_some_board)
    ob_people += pick(rng, pool("102"), 1, on_some_board)
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
    c_chair, c_m1, c_m2 = pick(rng, pool("101"), 3, on_some_board)
    memberships += [
        (committee, m1, "member", TERM_2025, None),
        (committee, c_chair, "chair", TERM_2025, None),
        (committee, c_m1, "member", TERM_2025, None),
        (committee, c_m2, "member", TERM_2025, None),
    ]

    boards = [ab_eng, ab_soe, ab_lyn, ob, committee]
    b.objects.extend(boards)
    line: dict[int, int] = {}  # substitutes in the order the department meeting elected them
    for board, person, role, start, end in memberships:
        place: int | None = None
        if role == "substitute":
            place = line[id(board)] = line.get(id(board), 0) + 1
        b.add(
            Membership(board=board, person=person, role=role, start_date=start, end_date=end, position=place)
        )
    return DemoOrg(org, admin, boards)
