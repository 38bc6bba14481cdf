"""The import cannot silently move out a department: a residents file that ends more than a share of
a department's residencies (default 10%) needs a confirmation naming the number; the dry run is the
default on the page and on the command line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.core.models import AuditEntry
from boardkit.org.importing.service import import_csv
from boardkit.org.models import Organisation, Person, Residency, StaffRole
from tests.helpers import Ran, csrf_from, login_as
from tests.helpers import boardkit as command_line

pytestmark = pytest.mark.postgres  # see tests/conftest.py

HEADER = "afdeling_nr;afdeling_navn;lejemaal_nr;adresse;postnr;by;person_nr;navn\n"


def residents_file(counts: dict[str, int], skip: dict[str, int] | None = None) -> bytes:
    """``counts`` residents per department (one per home); ``skip`` leaves the last ones out."""
    skip = skip or {}
    lines = [HEADER]
    for dept, n in counts.items():
        for i in range(1, n - skip.get(dept, 0) + 1):
            lines.append(
                f"{dept};Afdeling {dept};{i:04d};Vej {i};2300;København S;P{dept}-{i};Beboer {dept}-{i}\n"
            )
    return "".join(lines).encode()


@pytest.fixture
def organisation_id(db: Database) -> int:
    with db.transaction() as s:
        org = Organisation(name="Boligselskabet Test", short_name="test")
        s.add(org)
        s.flush()
        admin = Person(name="Administrator", email="admin@example.dk")
        s.add(admin)
        s.flush()
        s.add(StaffRole(person_id=admin.id, organisation_id=org.id, department_id=None, role="admin"))
        org_id = org.id
    with db.transaction() as s:  # 20 residents in 101, 40 in 102
        assert import_csv(
            s,
            data=residents_file({"101": 20, "102": 40}),
            organisation_id=org_id,
            actor_id=None,
            dry_run=False,
        ).ok
    return org_id


def current(db: Database) -> int:
    with db.transaction(readonly=True) as s:
        return s.scalar(select(func.count(Residency.id)).where(Residency.end_date.is_(None))) or 0


def run(db: Database, org_id: int, data: bytes, *, dry_run: bool = False, confirm: int | None = None):  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        return import_csv(
            s, data=data, organisation_id=org_id, actor_id=None, dry_run=dry_run, confirm_move_outs=confirm
        )


def test_ending_more_than_a_tenth_of_a_department_needs_the_number(
    db: Database, organisation_id: int
) -> None:
    cut = residents_file({"101": 20, "102": 40}, skip={"101": 3, "102": 2})  # 15% of 101, 5% of 102
    dry = run(db, organisation_id, cut, dry_run=True)
    assert dry.ok and dry.needs_confirmation and dry.ending == 5
    assert [(m.number, m.name, m.current, m.ending, m.percent) for m in dry.move_outs] == [
        ("101", "Afdeling 101", 20, 3, 15)
    ]
    for confirm in (None, 3, 4, 0):  # missing, or the number of one department, or wrong
        refused = run(db, organisation_id, cut, confirm=confirm)
        assert refused.ok and refused.dry_run and refused.confirmation_error
        assert "5" in refused.confirmation_error and "Intet er gemt" in refused.confirmation_error
        assert current(db) == 60
    done = run(db, organisation_id, cut, confirm=5)
    assert done.ok and not done.dry_run and not done.confirmation_error
    assert current(db) == 55
    with db.transaction(readonly=True) as s:
        summary = s.scalars(select(AuditEntry.summary).where(AuditEntry.action == "import")).all()[-1]
    assert "5 udflytninger bekræftet" in summary


def test_a_tenth_or_less_and_new_departments_need_no_confirmation(db: Database, organisation_id: int) -> None:
    cut = residents_file({"101": 20, "102": 40, "103": 5}, skip={"101": 2, "102": 4})  # exactly 10% each
    report = run(db, organisation_id, cut)
    assert report.ok and not report.dry_run and not report.needs_confirmation
    assert current(db) == 60 - 6 + 5


def test_the_share_is_the_organisations_rule(db: Database, organisation_id: int) -> None:
    with db.transaction() as s:
        org = s.get(Organisation, organisation_id)
        assert org is not None
        org.rules = {"import_move_out_percent": 50}
    half = residents_file({"101": 20}, skip={"101": 10})
    assert run(db, organisation_id, half).dry_run is False  # 50% is allowed here
    with db.transaction() as s:
        org = s.get(Organisation, organisation_id)
        assert org is not None
        org.rules = {"import_move_out_percent": 0}  # every move-out confirmed
    one = residents_file({"102": 40}, skip={"102": 1})
    report = run(db, organisation_id, one)
    assert report.dry_run and report.move_out_percent == 0 and report.ending == 1
    assert not run(db, organisation_id, one, confirm=1).dry_run


def upload(client: TestClient, data: bytes):  # type: ignore[no-untyped-def]
    page = client.get("/admin/import")
    return client.post(
        "/admin/import",
        data={"csrf_token": csrf_from(page.text), "action": "import"},
        files={"file": ("beboere.csv", data, "text/csv")},
        follow_redirects=False,
    )


def test_the_page_shows_the_dry_run_first_and_asks_for_the_number(
    client: TestClient, db: Database, organisation_id: int
) -> None:
    login_as(client, db, "admin@example.dk")
    form = client.get("/admin/import").text
    assert "Importér uden prøvekørsel" not in form
    assert "mere end 10 procent af en afdelings bopæle" in form
    # A half-empty file for 101: even a posted "import" only shows the dry run.
    dry = upload(client, residents_file({"101": 20}, skip={"101": 12}))
    assert dry.status_code == 200 and current(db) == 60
    assert "Filen afslutter 12 bopæle" in dry.text
    assert "Afdeling 101 Afdeling 101: 12 af 20 bopæle afsluttes (60 procent)" in dry.text
    assert 'name="confirm_move_outs"' in dry.text
    sha256 = re.search(r'name="sha256" value="([0-9a-f]{64})"', dry.text).group(1)  # type: ignore[union-attr]
    token = csrf_from(dry.text)
    for typed, message in (("", "Skriv 12 for at bekræfte"), ("tolv", "Skriv 12"), ("8", "Du skrev 8")):
        refused = client.post(
            "/admin/import", data={"csrf_token": token, "sha256": sha256, "confirm_move_outs": typed}
        )
        assert refused.status_code == 422 and message in refused.text
        assert 'aria-invalid="true"' in refused.text and "Filen afslutter 12 bopæle" in refused.text
        assert current(db) == 60
    done = client.post(
        "/admin/import",
        data={"csrf_token": token, "sha256": sha256, "confirm_move_outs": "12"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and current(db) == 48


def test_the_command_line_is_a_dry_run_unless_applied_with_the_number(tmp_path: Path) -> None:
    def boardkit(*args: str) -> Ran:
        return command_line(tmp_path, *args)

    assert boardkit("createadmin", "a@example.dk", "--name", "A").returncode == 0
    full, cut = tmp_path / "full.csv", tmp_path / "cut.csv"
    full.write_bytes(residents_file({"101": 20}))
    cut.write_bytes(residents_file({"101": 20}, skip={"101": 5}))
    first = boardkit("import", str(full))
    assert first.returncode == 0 and "Dry run: nothing was changed. Import with --apply." in first.stderr
    assert boardkit("import", str(full), "--apply").returncode == 0

    def residencies() -> int:
        database = Database(f"sqlite:///{tmp_path / 'boardkit.sqlite3'}")
        try:
            return current(database)
        finally:
            database.dispose()

    assert residencies() == 20
    dry = boardkit("import", str(cut))
    assert dry.returncode == 0 and "--apply --confirm-move-outs 5" in dry.stderr
    assert "department 101 Afdeling 101: ends 5 of 20 residencies (25%, more than 10%)" in dry.stderr
    refused = boardkit("import", str(cut), "--apply")
    assert refused.returncode == 1 and "Nothing was imported" in refused.stderr
    wrong = boardkit("import", str(cut), "--apply", "--confirm-move-outs", "4")
    assert wrong.returncode == 1 and residencies() == 20
    assert boardkit("import", str(cut), "--dry-run", "--apply").returncode == 2  # one or the other
    done = boardkit("import", str(cut), "--apply", "--confirm-move-outs", "5")
    assert done.returncode == 0 and "Imported." in done.stderr
    assert residencies() == 15
