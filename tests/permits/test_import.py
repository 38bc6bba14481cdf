"""Importing existing permits (a "tilladelsesfil") through the master-data import: Windows-1252,
all or nothing, idempotent, cases handled in boardkit since are kept, no notices; the page and the
command line."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.core.models import AuditEntry
from boardkit.core.notify.models import Notice
from boardkit.org.importing.service import ImportReport, import_csv
from boardkit.org.models import Department, Organisation, Person, Residency, Tenancy
from boardkit.permits.models import Permit, PermitEvent
from tests.helpers import api_token, csrf_from, login_as
from tests.helpers import boardkit as run_cli
from tests.permits.permit_env import ADMIN, RESIDENT

pytestmark = pytest.mark.postgres

COLUMNS = "sag_nr afdeling_nr lejemaal_nr type status modtaget person_nr afgjort betingelser ibrugtaget"
COLUMNS += " dyr_navn race"
HEADER = ";".join(COLUMNS.split())


@dataclass(frozen=True)
class Home:
    organisation_id: int
    department: str
    tenancy: str
    tenant: str  # the tenant's person number
    member: str  # a household member's person number (not a tenant: may not apply)


def home(db: Database) -> Home:
    """beboer@'s home in the demo, and somebody who lives in a home without renting it."""
    with db.transaction(readonly=True) as s:
        person = s.scalar(select(Person).where(Person.email == RESIDENT))
        assert person is not None and person.external_id
        department, tenancy, organisation_id = s.execute(
            select(Department.number, Tenancy.number, Department.organisation_id)
            .join(Tenancy, Tenancy.department_id == Department.id)
            .join(Residency, Residency.tenancy_id == Tenancy.id)
            .where(Residency.person_id == person.id, Residency.role == "tenant")
        ).one()
        member = s.scalar(
            select(Person.external_id)
            .join(Residency, Residency.person_id == Person.id)
            .join(Tenancy, Tenancy.id == Residency.tenancy_id)
            .join(Department, Department.id == Tenancy.department_id)
            .where(Residency.role == "household_member", Department.number == department)
            .limit(1)
        )
        assert member
        return Home(organisation_id, department, tenancy, person.external_id, member)


def permits_file(h: Home, *rows: str) -> bytes:
    """A file as the administration system exports it: Windows-1252, CRLF."""
    return "\r\n".join((HEADER, *rows)).encode("cp1252") + b"\r\n"


def good_rows(h: Home) -> list[str]:
    d, t, p = h.department, h.tenancy, h.tenant
    return [
        f"ADM-1001;{d};{t};Hund;godkendt;01-03-2019;{p};15-03-2019;Hunden skal føres i snor;;Søs;Labrador",
        f"ADM-1002;{d};{t};dishwasher;kvitteret;2020-05-04;{p};;;;;",
        f"ADM-1003;{d};{t};kitchen;ingen indsigelse;2020-02-03;{p};;;2020-06-01;;",
    ]


def imported(db: Database, h: Home, data: bytes, *, dry_run: bool = False) -> ImportReport:
    with db.transaction() as s:
        report = import_csv(s, data=data, organisation_id=h.organisation_id, actor_id=None, dry_run=dry_run)
        if not report.ok or report.dry_run:
            s.rollback()
        return report


def cases(db: Database) -> dict[str, Permit]:
    with db.transaction(readonly=True) as s:
        found = s.scalars(select(Permit).where(Permit.external_ref.is_not(None)))
        return {p.external_ref or "": p for p in found}


def counts(db: Database) -> tuple[int, int]:
    with db.transaction(readonly=True) as s:
        return (
            s.scalar(select(func.count()).select_from(Permit)) or 0,
            s.scalar(select(func.count()).select_from(Notice)) or 0,
        )


def test_a_windows_1252_file_is_imported_once_and_again_changes_nothing(demo: Database) -> None:
    h = home(demo)
    data = permits_file(h, *good_rows(h))
    before = counts(demo)

    dry = imported(demo, h, data, dry_run=True)
    assert dry.ok and dry.kind == "permits" and dry.counts["permits"]["created"] == 3
    assert str(dry.title) == "Tilladelsesfil" and counts(demo) == before  # a dry run writes nothing

    report = imported(demo, h, data)
    assert report.ok and report.changed, report.errors
    found = cases(demo)
    assert set(found) == {"ADM-1001", "ADM-1002", "ADM-1003"}
    dog, dishwasher, kitchen = found["ADM-1001"], found["ADM-1002"], found["ADM-1003"]
    assert dog.status == "approved" and dog.conditions == "Hunden skal føres i snor"
    assert dog.details["animal"]["name"] == "Søs" and dog.title == "Hund: Søs"
    assert dog.decided_at is not None and str(dog.received_on) == "2019-03-01"
    assert dishwasher.status == "acknowledged" and dishwasher.route == "acknowledge"
    assert kitchen.status == "no_objection" and str(kitchen.taken_into_use) == "2020-06-01"
    assert kitchen.applicant_id == dog.applicant_id is not None  # the tenant's, to see and keep
    # Imported cases are history: no notice to anyone; one audit entry names the file.
    assert counts(demo) == (before[0] + 3, before[1])
    with demo.transaction(readonly=True) as s:
        audit = s.scalars(select(AuditEntry.summary).where(AuditEntry.action == "import")).all()
        assert any(a.startswith("Import af tilladelsesfil (3 rækker, sha256 ") for a in audit)
        events = s.scalars(select(PermitEvent.action).where(PermitEvent.permit_id == dog.id)).all()
        assert events == ["imported"]

    again = imported(demo, h, data)
    assert again.ok and not again.changed and again.counts["permits"]["unchanged"] == 3
    assert counts(demo) == (before[0] + 3, before[1])


def test_a_changed_row_updates_its_case_unless_it_was_handled_here_since(demo: Database) -> None:
    h = home(demo)
    rows = good_rows(h)
    assert imported(demo, h, permits_file(h, *rows)).ok
    d, t, p = h.department, h.tenancy, h.tenant
    ended = f"ADM-1001;{d};{t};Hund;ophoert;01-03-2019;{p};15-03-2019;;;Søs;Labrador"
    # The kitchen was then handled in boardkit (a note on the case): the file no longer decides it.
    with demo.transaction() as s:
        kitchen = s.scalar(select(Permit).where(Permit.external_ref == "ADM-1003"))
        assert kitchen is not None
        s.add(PermitEvent(permit_id=kitchen.id, action="approve", note="Set på stedet"))
    kitchen_row = rows[2].replace("2020-06-01", "2021-01-01")
    report = imported(demo, h, permits_file(h, ended, rows[1], kitchen_row))
    assert not report.ok  # an ended permit needs its end day: all or nothing
    assert next(line for line, m in report.errors if "ophoert mangler" in m) == 2
    data = "\r\n".join((HEADER + ";ophoert", ended + ";2024-08-31", rows[1] + ";", kitchen_row + ";")).encode(
        "cp1252"
    )
    report = imported(demo, h, data)
    assert report.ok, report.errors
    assert report.counts["permits"] == {"created": 0, "updated": 1, "unchanged": 2, "ended": 0}
    assert any("ADM-1003 er behandlet i boardkit" in c for c in report.changes)
    found = cases(demo)
    assert found["ADM-1001"].status == "ended" and str(found["ADM-1001"].ended_on) == "2024-08-31"
    assert str(found["ADM-1003"].taken_into_use) == "2020-06-01"  # boardkit's version kept


def test_one_bad_line_and_nothing_is_imported_every_problem_named(demo: Database) -> None:
    h = home(demo)
    d, t, p = h.department, h.tenancy, h.tenant
    before = counts(demo)
    data = permits_file(
        h,
        *good_rows(h),
        f"ADM-2001;{d};{t};trampolin;godkendt;2020-01-01;{p};;;;;",  # 5: no such kind
        f"ADM-2002;{d};9999;Hund;godkendt;2020-01-01;{p};;;;Fido;Puddel",  # 6: no such home
        f"ADM-2003;{d};{t};Hund;afslaaet;2020-01-01;{p};;;;Fido;Puddel",  # 7: a rejection without reason
        f"ADM-2004;{d};{t};Hund;godkendt;2020-01-01;{p};;;;Rex;Pitbull terrier",  # 8: banned breed
        f"ADM-2005;{d};{t};Hund;godkendt;2020-01-01;{h.member};;;;Rex;Puddel",  # 9: not the tenant
        f"ADM-1001;{d};{t};Kat;godkendt;2020-01-01;{p};;;;Mis;",  # 10: the number is used on line 2
        f"ADM-2006;{d};{t};Hund;kvitteret;2020-01-01;{p};;;;Rex;Puddel",  # 11: a dog is no notice
        f"ADM-2007;{d};{t};Hund;godkendt;2020-13-01;{p};;;;Rex;Puddel",  # 12: no such date
        f"ADM-2008;{d};{t};Hund;behandles;2020-01-01;{p};;;;Rex;Puddel",  # 13: a waiting case
        f"ADM-2009;{d};{t};Kat;godkendt;2020-01-01;{p};;;;;",  # 14: which cat?
        f"ADM-2010;{d};{t};dishwasher;kvitteret;2020-01-01;;;;;;",  # 15: whose?
    )
    report = imported(demo, h, data)
    assert not report.ok and counts(demo) == before
    by_line: dict[int, str] = {}
    for line, message in report.errors:
        by_line[line] = by_line.get(line, "") + message
    assert "trampolin findes ikke" in by_line[5]
    assert "Lejemål 9999" in by_line[6] and "Importér beboerfilen først" in by_line[6]
    assert "begrundelse mangler" in by_line[7]
    assert "forbudt hunderace" in by_line[8]
    assert f"person_nr {h.member} er ikke lejer" in by_line[9]
    assert "står også på linje 2" in by_line[10]
    assert "passer ikke til typen Hund" in by_line[11]
    assert "modtaget er ikke en gyldig dato" in by_line[12]
    assert "status skal være en af" in by_line[13]
    assert "dyr_navn mangler" in by_line[14]
    assert "person_nr mangler" in by_line[15]
    assert set(by_line) == set(range(5, 16))
    assert all("mangler" not in by_line[n] for n in (5, 6, 8, 9, 10, 11, 12, 13))  # one reason each


def test_two_imports_of_one_file_at_once_create_each_case_once(demo: Database) -> None:
    h = home(demo)
    data = permits_file(h, *good_rows(h))
    barrier = threading.Barrier(2)
    reports: list[ImportReport] = []

    def run() -> None:
        barrier.wait()
        reports.append(imported(demo, h, data))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(reports) == 2
    assert len(cases(demo)) == 3  # the unique number: never two cases for one
    # The loser either waited and found the cases there, or was refused cleanly (nothing half-done).
    assert [r.ok for r in reports].count(True) >= 1
    for r in reports:
        assert r.ok or "Databasen afviste importen" in r.errors[0][1]


def test_the_import_page_takes_a_permits_file(client: TestClient, demo: Database) -> None:
    h = home(demo)
    login_as(client, demo, ADMIN)
    url = str(client.app.url_path_for("org:import"))  # type: ignore[attr-defined]
    page = client.get(url)
    assert "Kolonner i tilladelsesfilen" in page.text and "dyr_navn" in page.text
    dry = client.post(
        url,
        data={"csrf_token": csrf_from(page.text), "action": "dry_run"},
        files={"file": ("tilladelser.csv", permits_file(h, *good_rows(h)), "text/csv")},
    )
    assert dry.status_code == 200
    assert "Tilladelsesfil: 3 rækker" in dry.text and "Tilladelsessager" in dry.text
    assert "Sag ADM-1001 oprettes: Hund: Søs" in dry.text
    assert not cases(demo)
    sha = dry.text.split('name="sha256" value="')[1].split('"')[0]
    done = client.post(url, data={"csrf_token": csrf_from(dry.text), "sha256": sha}, follow_redirects=True)
    assert "Importen er gennemført: tilladelsessager: 3 oprettet" in done.text
    assert set(cases(demo)) == {"ADM-1001", "ADM-1002", "ADM-1003"}
    dog = cases(demo)["ADM-1001"].id
    case = client.get(f"/permits/{dog}").text
    assert "Hentet fra administrationssystemet" in case and "Hunden skal føres i snor" in case
    # The resident whose case it is sees it in the API too (the response is checked against the schema).
    mine = client.get(f"/api/v1/permits/{dog}", headers=api_token(demo, RESIDENT)).json()
    assert mine["status"] == "approved" and mine["conditions"] == "Hunden skal føres i snor"


def test_the_command_line_imports_a_permits_file(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "demo").returncode == 0
    db = Database(f"sqlite:///{tmp_path / 'boardkit.sqlite3'}")
    h = home(db)
    path = tmp_path / "tilladelser.csv"
    path.write_bytes(permits_file(h, *good_rows(h)))
    dry = run_cli(tmp_path, "import", str(path))
    assert dry.returncode == 0 and "permits: created 3" in dry.stdout, dry.stderr
    done = run_cli(tmp_path, "import", str(path), "--apply")
    assert done.returncode == 0 and "Sag ADM-1002 oprettes" in done.stdout
    again = run_cli(tmp_path, "import", str(path), "--apply")
    assert again.returncode == 0 and "permits: created 0, updated 0, unchanged 3" in again.stdout
    assert set(cases(db)) == {"ADM-1001", "ADM-1002", "ADM-1003"}
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Organisation)) == 1
    db.dispose()
