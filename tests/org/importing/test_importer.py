"""Master-data import: idempotent, all-or-nothing, dry run, encodings, bad files (docs/import.md)."""

from __future__ import annotations

import random
from datetime import date

import pytest
from sqlalchemy import func, select

from boardkit.core.db import Database
from boardkit.core.models import AuditEntry
from boardkit.org.importing.service import ImportReport, import_csv
from boardkit.org.models import Board, Department, Membership, Organisation, Person, Residency, Tenancy
from boardkit.org.service import today
from boardkit.schema import metadata

pytestmark = pytest.mark.postgres  # see tests/conftest.py

HEADER = (
    "afdeling_nr;afdeling_navn;lejemaal_nr;adresse;etage_doer;postnr;by;person_nr;navn;email;telefon;rolle;"
    "papir;sprog;kanal"
)
RESIDENTS = f"""{HEADER}
101;Solgården;0001;Solvej 1;st. tv.;2300;København S;P001;Anna Jensen;anna@example.dk;;lejer;nej;da;email
101;Solgården;0001;Solvej 1;st. tv.;2300;København S;P002;Bent Jensen;bent@example.dk;;husstandsmedlem;;;
101;Solgården;0002;Solvej 3;1. th.;2300;København S;P003;Carla Olsen;;22334455;lejer;ja;;
102;Møllen;0001;Møllevej 7;;2300;København S;P004;David Berg;DAVID@Example.dk;;lejer;;en;
"""
ANNA = "P001;Anna Jensen;anna@example.dk;;lejer;nej;da;email"
MEMBERS = """person_nr,bestyrelse,type,afdeling_nr,rolle,start,slut
P001,Afdelingsbestyrelsen Solgården,afdelingsbestyrelse,101,formand,2024-05-01,
P003,Afdelingsbestyrelsen Solgården,afdelingsbestyrelse,101,næstformand,01-05-2024,
P004,Organisationsbestyrelsen,organisationsbestyrelse,,medlem,01.05.2024,30-04-2026
"""


@pytest.fixture
def org(db: Database) -> int:
    with db.transaction() as s:
        organisation = Organisation(name="Boligselskabet Test", short_name="test")
        s.add(organisation)
        s.flush()
        return organisation.id


def run(
    db: Database, org: int, data: str | bytes, *, dry_run: bool = False, confirm: int | None = None
) -> ImportReport:
    raw = data.encode() if isinstance(data, str) else data
    with db.transaction() as s:
        return import_csv(
            s, data=raw, organisation_id=org, actor_id=None, dry_run=dry_run, confirm_move_outs=confirm
        )


def row_counts(db: Database) -> dict[str, int]:
    with db.transaction(readonly=True) as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) or 0 for t in metadata.sorted_tables}


def person(db: Database, nr: str) -> Person:
    with db.transaction(readonly=True) as s:
        found = s.scalar(select(Person).where(Person.external_id == nr))
        assert found is not None
        return found


def residencies(db: Database) -> dict[tuple[str, str], tuple[str, date | None, date | None]]:
    with db.transaction(readonly=True) as s:
        rows = s.execute(
            select(
                Person.external_id,
                Tenancy.number,
                Department.number,
                Residency.role,
                Residency.start_date,
                Residency.end_date,
            )
            .join(Person, Person.id == Residency.person_id)
            .join(Tenancy, Tenancy.id == Residency.tenancy_id)
            .join(Department, Department.id == Tenancy.department_id)
        ).all()
    return {(p, f"{d}-{t}"): (role, start, end) for p, t, d, role, start, end in rows}


def created(report: ImportReport, kind: str) -> int:
    return report.counts[kind]["created"]


def test_first_import_creates_everything(db: Database, org: int) -> None:
    report = run(db, org, RESIDENTS)
    assert report.ok and report.kind == "residents" and not report.dry_run, report.errors
    assert [created(report, k) for k in ("departments", "tenancies", "persons", "residencies")] == [
        2,
        3,
        4,
        4,
    ]
    anna, bent, carla, david = (person(db, f"P00{i}") for i in range(1, 5))
    assert (anna.name, anna.email, anna.paper, anna.language) == (
        "Anna Jensen",
        "anna@example.dk",
        False,
        "da",
    )
    assert (carla.paper, carla.preferred_channel, carla.phone, carla.email) == (
        True,
        "paper",
        "22334455",
        None,
    )
    assert (david.email, david.language) == ("david@example.dk", "en")
    assert bent.preferred_channel == "email"
    assert {p.organisation_id for p in (anna, bent, carla, david)} == {org}
    found = residencies(db)
    assert found[("P002", "101-0001")] == ("household_member", today(), None)
    assert found[("P001", "101-0001")][0] == "tenant"
    with db.transaction(readonly=True) as s:
        tenancy = s.scalar(select(Tenancy).where(Tenancy.number == "0002"))
        assert tenancy is not None
        assert (tenancy.address, tenancy.unit, tenancy.postcode, tenancy.city) == (
            "Solvej 3",
            "1. th.",
            "2300",
            "København S",
        )
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "import")).all()
    assert len(entries) == 1
    assert entries[0].organisation_id == org and report.sha256 in entries[0].summary


def test_reimport_of_the_same_file_changes_nothing(db: Database, org: int) -> None:
    assert run(db, org, RESIDENTS).ok
    before = row_counts(db)
    again = run(db, org, RESIDENTS)
    assert again.ok and not again.changed and again.changes == []
    assert all(c["created"] == c["updated"] == c["ended"] == 0 for c in again.counts.values())
    assert again.counts["persons"]["unchanged"] == 4 and again.counts["residencies"]["unchanged"] == 4
    assert row_counts(db) == before  # not even an audit entry


def test_changed_file_updates_in_place_and_ends_residencies(db: Database, org: int) -> None:
    run(db, org, RESIDENTS)
    anna_id = person(db, "P001").id
    changed = (
        RESIDENTS.replace("anna@example.dk", "anna.j@example.dk")
        .replace("Carla Olsen", "Carla Holm")
        .replace("P002;Bent Jensen", "P002;Bent Jensen")
        .replace("Solgården", "Solgaarden")
    )
    changed = "\n".join(line for line in changed.splitlines() if "P002" not in line) + "\n"
    dry = run(db, org, changed, dry_run=True)
    assert dry.ok and dry.counts["residencies"]["ended"] == 1
    assert "Person P001: navn Anna Jensen → Anna Jensen" not in dry.changes
    assert "Person P001: email anna@example.dk → anna.j@example.dk" in dry.changes
    assert "Udflytning: P002 fra lejemål 101-0001 afsluttes" in dry.changes
    assert dry.needs_confirmation and dry.ending == 1  # 1 of the department's 3 residencies: over 10%
    assert run(db, org, changed).dry_run  # not imported without the number
    report = run(db, org, changed, confirm=1)
    assert report.ok and not report.dry_run
    assert report.counts["persons"] == {"created": 0, "updated": 2, "unchanged": 1, "ended": 0}
    assert report.counts["departments"]["updated"] == 1
    assert person(db, "P001").id == anna_id and person(db, "P001").email == "anna.j@example.dk"
    assert person(db, "P003").name == "Carla Holm"
    assert residencies(db)[("P002", "101-0001")][2] == today()
    # The person themself stays: they may sit on a board or live elsewhere.
    assert person(db, "P002").active
    assert run(db, org, changed).changed is False

    back = run(
        db,
        org,
        RESIDENTS.replace("Solgården", "Solgaarden")
        .replace("Carla Olsen", "Carla Holm")
        .replace("anna@example.dk", "anna.j@example.dk"),
    )
    assert back.ok and back.counts["residencies"]["updated"] == 1, back.changes
    assert residencies(db)[("P002", "101-0001")] == ("household_member", today(), None)


def test_department_absent_from_file_keeps_its_residents(db: Database, org: int) -> None:
    run(db, org, RESIDENTS)
    only_101 = "\n".join(line for line in RESIDENTS.splitlines() if not line.startswith("102")) + "\n"
    report = run(db, org, only_101)
    assert report.ok and report.counts["residencies"]["ended"] == 0
    assert residencies(db)[("P004", "102-0001")][2] is None


def test_dry_run_writes_nothing(db: Database, org: int) -> None:
    before = row_counts(db)
    report = run(db, org, RESIDENTS, dry_run=True)
    assert report.ok and report.dry_run and created(report, "persons") == 4
    assert "Ny person P001 (Anna Jensen)" in report.changes
    assert "Ny afdeling 102 (Møllen)" in report.changes
    assert row_counts(db) == before


def test_bad_rows_import_nothing_and_are_reported_by_line(db: Database, org: int) -> None:
    run(db, org, RESIDENTS)
    before = row_counts(db)
    bad = (
        RESIDENTS.replace("Carla Olsen", "Carla Holm")
        + "\n".join(
            [
                "103;Ny;0001;Nyvej 1;;2300;København S;P010;Eva;ikke-en-mail;;lejer;;;",  # line 6
                "103;Ny;0002;Nyvej 2;;2300;København S;P011;;eva@example.dk;;lejer;;;",  # line 7
                "103;Ny;0003;Nyvej 3;;2300;København S;P012;Finn;;;ven;måske;de;fax",  # line 8
                f"{'9' * 21};Ny;0004;Nyvej 4;;2300;København S;P013;Gitte;;;;;;",  # line 9
                "103;Ny;0005;Nyvej 5;;2300;København S;P014;Hans;;abc;;;;sms",  # line 10
            ]
        )
        + "\n"
    )
    report = run(db, org, bad)
    assert not report.ok
    lines = {line for line, _message in report.errors}
    assert lines == {6, 7, 8, 9, 10}
    messages = dict(report.errors)
    assert (
        "email" in messages[6] and "navn mangler" in messages[7] and "afdeling_nr er for lang" in messages[9]
    )
    assert sum(1 for line, _m in report.errors if line == 8) == 4  # rolle, papir, sprog, kanal
    assert report.error_total == len(report.errors)
    assert row_counts(db) == before
    assert person(db, "P003").name == "Carla Olsen"  # the good change in the same file was not applied


def test_duplicate_person_in_file_is_reported(db: Database, org: int) -> None:
    dup = (
        RESIDENTS
        + "\n".join(
            [
                "102;Møllen;0002;Møllevej 9;;2300;København S;P001;Anna Hansen;anna@example.dk;;lejer;;;",
                "102;Møllen;0003;Møllevej 11;;2300;København S;P020;Anna Jensen;anna@example.dk;;lejer;;;",
                f"101;Solgården;0001;Solvej 1;st. tv.;2300;København S;{ANNA}",
            ]
        )
        + "\n"
    )
    report = run(db, org, dup)
    assert not report.ok
    errors = dict(report.errors)
    assert "Dobbelt person: person_nr P001 står også i linje 2" in errors[6] and "navn" in errors[6]
    assert "E-mailadressen anna@example.dk bruges også af person_nr P001 i linje 2" in errors[7]
    assert "står allerede i lejemål 101-0001 i linje 2" in errors[8]
    assert row_counts(db)["person"] == 0


def test_same_person_in_two_tenancies_is_fine(db: Database, org: int) -> None:
    both = RESIDENTS + f"102;Møllen;0009;Møllevej 1;;2300;København S;{ANNA}\n"
    report = run(db, org, both)
    assert report.ok and created(report, "persons") == 4 and created(report, "residencies") == 5


def test_email_of_another_person_in_boardkit_is_refused_unless_moved(db: Database, org: int) -> None:
    with db.transaction() as s:
        s.add(Person(name="Staff", email="staff@example.dk"))
    report = run(db, org, RESIDENTS.replace("bent@example.dk", "staff@example.dk"))
    assert not report.ok and report.errors == [
        (3, "E-mailadressen staff@example.dk tilhører allerede en anden person i boardkit (Staff).")
    ]
    assert run(db, org, RESIDENTS).ok
    swapped = (
        RESIDENTS.replace("anna@example.dk", "TMP")
        .replace("bent@example.dk", "anna@example.dk")
        .replace("TMP", "bent@example.dk")
    )
    report = run(db, org, swapped)
    assert report.ok, report.errors
    assert (person(db, "P001").email, person(db, "P002").email) == ("bent@example.dk", "anna@example.dk")
    taken = RESIDENTS.replace("P004;David Berg;DAVID@Example.dk", "P004;David Berg;bent@example.dk")
    report = run(db, org, taken)  # P001 keeps bent@ (the file says so): P004 may not have it
    assert not report.ok and report.errors[0][0] == 5


def test_empty_optional_cells_keep_what_boardkit_has(db: Database, org: int) -> None:
    run(db, org, RESIDENTS)
    blank = RESIDENTS.replace("anna@example.dk;;lejer;nej;da;email", ";;lejer;;;")
    report = run(db, org, blank)
    assert report.ok and not report.changed
    assert person(db, "P001").email == "anna@example.dk"
    report = run(
        db,
        org,
        RESIDENTS.replace("P003;Carla Olsen;;22334455;lejer;ja", "P003;Carla Olsen;;22334455;lejer;nej"),
    )
    assert report.ok and (person(db, "P003").paper, person(db, "P003").preferred_channel) == (False, "email")
    sms = RESIDENTS.replace("P003;Carla Olsen;;22334455;lejer;ja;;", "P003;Carla Olsen;;;lejer;;;sms")
    assert run(db, org, sms).ok and person(db, "P003").preferred_channel == "sms"  # the phone it has counts
    sms = RESIDENTS.replace("bent@example.dk;;husstandsmedlem;;;", "bent@example.dk;;husstandsmedlem;;;sms")
    assert run(db, org, sms).errors == [(3, "kanal er sms, men telefon mangler.")]


def test_windows_1252_file_round_trip(db: Database, org: int) -> None:
    text = f"""{HEADER}
201;Ærøhus;12;Åbakken 3;2. mf.;5970;Ærøskøbing;P100;Søren Ærø;soren@example.dk;;lejer;nej;da;
201;Ærøhus;12;Åbakken 3;2. mf.;5970;Ærøskøbing;P101;Åse Øster;;;husstandsmedlem;ja;;
"""
    data = text.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    report = run(db, org, data)
    assert report.ok, report.errors
    assert person(db, "P100").name == "Søren Ærø" and person(db, "P101").name == "Åse Øster"
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(Department.name)) == "Ærøhus"
        assert s.scalar(select(Tenancy.city)) == "Ærøskøbing"
    assert run(db, org, data).changed is False
    assert run(db, org, text.encode("utf-8")).changed is False  # same data, other encoding
    assert run(db, org, text.replace("\n", "\r\n").encode("cp1252")).changed is False


def test_bom_semicolon_and_comma_with_quotes(db: Database, org: int) -> None:
    bom = "\ufeff" + RESIDENTS
    report = run(db, org, bom.encode("utf-8"))
    assert report.ok and created(report, "persons") == 4
    comma = (
        " Afdeling_Nr , afdeling_navn,lejemål_nr,adresse,etage_dør,postnr,by,person_nr,navn,e-mail\n"
        '101,Solgården,0001,"Solvej 1, baghuset",,2300,København S,P001,"Jensen, Anna",anna@example.dk\n'
    )
    dry = run(db, org, comma, dry_run=True)  # one row for 101: the others move out, so confirm
    report = run(db, org, comma, confirm=dry.ending)
    assert report.ok and not report.dry_run, report.errors
    assert person(db, "P001").name == "Jensen, Anna"
    with db.transaction(readonly=True) as s:
        address = (
            select(Tenancy.address)
            .join(Department)
            .where(Department.number == "101", Tenancy.number == "0001")
        )
        assert s.scalar(address) == "Solvej 1, baghuset"


def test_memberships_file(db: Database, org: int) -> None:
    assert run(db, org, RESIDENTS).ok
    report = run(db, org, MEMBERS)
    assert report.ok and report.kind == "memberships", report.errors
    assert report.counts["boards"]["created"] == 2 and report.counts["memberships"]["created"] == 3
    with db.transaction(readonly=True) as s:
        boards = {b.name: b for b in s.scalars(select(Board))}
        ab, ob = boards["Afdelingsbestyrelsen Solgården"], boards["Organisationsbestyrelsen"]
        dept = s.scalar(select(Department.id).where(Department.number == "101"))
        assert (ab.kind, ab.department_id, ob.kind, ob.department_id) == (
            "department_board",
            dept,
            "organisation_board",
            None,
        )
        rows = {(m.person.external_id, m.board.name): m for m in s.scalars(select(Membership))}
        assert rows[("P003", ab.name)].role == "vice_chair"
        assert rows[("P003", ab.name)].start_date == date(2024, 5, 1)
        assert rows[("P004", ob.name)].end_date == date(2026, 4, 30)
    before = row_counts(db)
    assert run(db, org, MEMBERS).changed is False and row_counts(db) == before
    changed = MEMBERS.replace("101,næstformand,01-05-2024,", "101,kasserer,01-05-2024,2025-12-31")
    report = run(db, org, changed)
    assert report.ok and report.counts["memberships"]["updated"] == 1
    assert report.changes == [
        "Medlemskab P003 i »Afdelingsbestyrelsen Solgården« fra 2024-05-01: rolle næstformand → kasserer; "
        "slut – → 2025-12-31"
    ]


def test_bad_memberships_are_reported(db: Database, org: int) -> None:
    assert run(db, org, RESIDENTS).ok
    bad = (
        MEMBERS
        + "\n".join(
            [
                # 5: unknown person, 6: unknown department, 7: department missing, 8: role and date,
                # 9: same membership twice, 10: the same board with another type
                "P999,Organisationsbestyrelsen,organisationsbestyrelse,,medlem,2024-05-01,",
                "P001,Udvalg X,udvalg,999,medlem,2024-05-01,",
                "P001,Afdelingsbestyrelsen Møllen,afdelingsbestyrelse,,medlem,2024-05-01,",
                "P001,Organisationsbestyrelsen,organisationsbestyrelse,,boss,2024-13-01,2023-01-01",
                "P001,Afdelingsbestyrelsen Solgården,afdelingsbestyrelse,101,medlem,2024-05-01,",
                "P002,Afdelingsbestyrelsen solgården,udvalg,101,medlem,2024-05-01,",
            ]
        )
        + "\n"
    )
    before = row_counts(db)
    report = run(db, org, bad)
    assert not report.ok
    assert {line for line, _m in report.errors} == {5, 6, 7, 8, 9, 10}
    errors = dict(report.errors)
    assert "Ukendt person_nr P999" in errors[5] and "Ukendt afdeling_nr 999" in errors[6]
    assert "afdeling_nr mangler" in errors[7] and "samme start i linje 2" in errors[9]
    assert row_counts(db) == before


@pytest.mark.parametrize(
    ("data", "line", "fragment"),
    [
        (b"", 0, "tom"),
        (b"\r\n\r\n  \r\n", 0, "tom"),
        (HEADER.encode() + b"\n", 1, "ingen rækker"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 0, "NUL"),
        (RESIDENTS.encode("utf-16"), 0, "NUL"),
        (b"\x81\x8d\x8f\x90\x9d" * 10, 0, "UTF-8 eller Windows-1252"),
        (b"navn;adresse\x07;by\n", 1, "styretegn"),
        (b"hello world\nthis is not csv\n", 1, "kolonnenavne"),
        (b"foo;bar\n1;2\n", 1, "passer ikke til nogen"),
        (
            b"afdeling_nr;afdeling_navn;lejemaal_nr;adresse;by;person_nr;navn;farve\n1;2;3;4;5;6;7;8\n",
            1,
            "postnr",
        ),
        (b"person_nr;bestyrelse;type;rolle;start;person_nr\n", 1, "flere gange"),
        ((RESIDENTS + "101;Solgården;0009;x\n").encode(), 6, "4 felter"),
        ((RESIDENTS + '101;"Solgården;0009\n').encode(), 6, "CSV"),
        (b"\x00" * 10, 0, "NUL"),
    ],
)
def test_broken_files_are_reported_not_raised(
    db: Database, org: int, data: bytes, line: int, fragment: str
) -> None:
    report = run(db, org, data)
    assert not report.ok and len(report.errors) == 1
    assert report.errors[0][0] == line and fragment in report.errors[0][1], report.errors
    assert row_counts(db)["person"] == 0


def test_random_binary_and_huge_files(db: Database, org: int) -> None:
    rng = random.Random(7)
    for _ in range(20):
        report = run(db, org, bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4000))))
        assert not report.ok and report.errors
    huge = run(db, org, HEADER.encode() + b"\n" + b"x" * (50 * 1024 * 1024))
    assert not huge.ok and "50 MB" in huge.errors[0][1]


def test_line_numbers_are_physical_lines(db: Database, org: int) -> None:
    text = (
        HEADER
        + "\n\n"
        + '101;Solgården;0001;"Solvej 1\nbaghuset";;2300;København S;P001;Anna;;;;;;\n'
        + "101;Solgården;0002;Solvej 2;;2300;København S;P002;;;;;;;\n"
    )
    report = run(db, org, text)
    assert report.errors == [(5, "navn mangler.")]


def test_many_errors_are_capped(db: Database, org: int) -> None:
    rows = "".join(f"101;S;{i};Vej {i};;2300;By;P{i};Navn;bad-mail;;;;;\n" for i in range(700))
    report = run(db, org, HEADER + "\n" + rows)
    assert not report.ok and len(report.errors) == 500 and report.error_total == 700
