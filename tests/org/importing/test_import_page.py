"""The administration's import page, through the real app: upload, dry run, confirm, errors, access."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.org.models import Organisation, Person, Residency, StaffRole
from tests.helpers import csrf_from, login_as

HEADER = "afdeling_nr;afdeling_navn;lejemaal_nr;adresse;etage_doer;postnr;by;person_nr;navn;email;telefon"
CSV = f"""{HEADER};rolle;papir;sprog;kanal
101;Solgården;0001;Solvej 1;st. tv.;2300;København S;P001;Anna Jensen;anna@example.dk;;lejer;nej;da;email
101;Solgården;0002;Solvej 3;;2300;København S;P002;Søren Ærø;;;lejer;ja;;
"""


@pytest.fixture
def organisation_id(db: Database) -> int:
    with db.transaction() as s:
        org = Organisation(name="Boligselskabet Test", short_name="test")
        s.add_all([org, Person(name="Beboer Uden Adgang", email="resident@example.dk")])
        s.flush()
        admin = Person(name="Administrator", email="admin@example.dk")
        s.add(admin)
        s.flush()
        s.add(StaffRole(person_id=admin.id, organisation_id=org.id, department_id=None, role="admin"))
        return org.id


@pytest.fixture
def url(client: TestClient) -> str:
    return str(client.app.url_path_for("org:import"))  # type: ignore[attr-defined]


def people(db: Database) -> set[str | None]:
    with db.transaction(readonly=True) as s:
        return set(s.scalars(select(Person.external_id).where(Person.external_id.is_not(None))))


def upload(client: TestClient, url: str, data: bytes, action: str = "dry_run", name: str = "beboere.csv"):  # type: ignore[no-untyped-def]
    csrf = csrf_from(client.get(url).text)
    return client.post(
        url,
        data={"csrf_token": csrf, "action": action},
        files={"file": (name, data, "text/csv")},
        follow_redirects=False,
    )


def test_upload_dry_run_then_confirm_without_uploading_again(
    client: TestClient, db: Database, organisation_id: int, url: str, app_settings: Settings
) -> None:
    login_as(client, db, "admin@example.dk")
    page = client.get(url)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text and 'type="file"' in page.text

    response = upload(client, url, CSV.encode("cp1252"))
    assert response.status_code == 200
    assert "Prøvekørsel" in response.text and "Ny person P002 (Søren Ærø)" in response.text
    assert people(db) == set()  # a dry run writes nothing
    match = re.search(r'name="sha256" value="([0-9a-f]{64})"', response.text)
    assert match
    sha256 = match.group(1)
    stored = app_settings.data_dir / "imports" / str(organisation_id) / f"{sha256}.csv"
    assert stored.read_bytes() == CSV.encode("cp1252")

    confirm = client.post(
        url, data={"csrf_token": csrf_from(response.text), "sha256": sha256}, follow_redirects=False
    )
    assert confirm.status_code == 303 and confirm.headers["location"] == url
    assert people(db) == {"P001", "P002"}
    assert not stored.exists()  # personal data is not kept once imported
    after = client.get(url)
    assert "Importen er gennemført" in after.text

    again = upload(client, url, CSV.encode("cp1252"))
    assert again.status_code == 200 and "Der er intet at importere" in again.text
    assert 'name="sha256"' not in again.text
    replay = client.post(url, data={"csrf_token": csrf_from(again.text), "sha256": sha256})
    assert replay.status_code == 422 and "Upload den igen" in replay.text
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(CSV.replace("Anna", "Anne").encode())  # a file that is not what was checked
    tampered = client.post(url, data={"csrf_token": csrf_from(again.text), "sha256": sha256})
    assert tampered.status_code == 422 and "Upload den igen" in tampered.text


def test_an_upload_is_always_a_dry_run_first(
    client: TestClient, db: Database, organisation_id: int, url: str
) -> None:
    login_as(client, db, "admin@example.dk")
    response = upload(client, url, CSV.encode(), action="import")  # the old "import without dry run"
    assert response.status_code == 200 and "Prøvekørsel" in response.text
    assert people(db) == set()


def test_bad_rows_are_listed_by_line_with_422_and_nothing_imported(
    client: TestClient, db: Database, organisation_id: int, url: str
) -> None:
    login_as(client, db, "admin@example.dk")
    bad = CSV + "101;Solgården;0003;Solvej 5;;2300;København S;P003;;ikke-en-mail;;lejer;;;\n"
    for action in ("dry_run", "import"):
        response = upload(client, url, bad.encode(), action=action)
        assert response.status_code == 422
        assert "Intet er importeret" in response.text
        assert "<td>4</td><td>navn mangler.</td>" in response.text
        assert "<td>4</td><td>email er ikke en gyldig e-mailadresse: »ikke-en-mail«.</td>" in response.text
        assert 'name="sha256"' not in response.text
    assert people(db) == set()
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(func.count(Residency.id))) == 0


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "beboere.csv", "NUL-tegn"),
        (b"\xff\xd8\xff\xe0 JFIF \x81\x8d", "photo.csv", "UTF-8 eller Windows-1252"),
        (b"", "tom.csv", "Filen er tom"),
        (b"navn,alder\nAnna,40\n", "x.csv", "Linje 1: Overskriften passer ikke"),
    ],
)
def test_a_file_that_is_no_csv_gets_a_clear_error(
    client: TestClient, db: Database, organisation_id: int, url: str, data: bytes, name: str, message: str
) -> None:
    login_as(client, db, "admin@example.dk")
    response = upload(client, url, data, name=name)
    assert response.status_code == 422
    assert message in response.text and 'class="form-error-message" id="file-error"' in response.text
    assert people(db) == set()


def test_no_file_and_forged_hash(client: TestClient, db: Database, organisation_id: int, url: str) -> None:
    login_as(client, db, "admin@example.dk")
    csrf = csrf_from(client.get(url).text)
    response = client.post(url, data={"csrf_token": csrf, "action": "dry_run"})
    assert response.status_code == 422 and "Vælg en CSV-fil." in response.text
    for forged in ("../../secret_key", "A" * 64, "0" * 64):
        response = client.post(url, data={"csrf_token": csrf, "sha256": forged})
        assert response.status_code == 422 and "Upload den igen" in response.text


def test_post_without_csrf_is_refused(
    client: TestClient, db: Database, organisation_id: int, url: str
) -> None:
    login_as(client, db, "admin@example.dk")
    client.get(url)
    response = client.post(
        url, data={"action": "import"}, files={"file": ("b.csv", CSV.encode(), "text/csv")}
    )
    assert response.status_code == 403
    assert people(db) == set()


def test_only_staff_see_the_page(client: TestClient, db: Database, organisation_id: int, url: str) -> None:
    anonymous = client.get(url, follow_redirects=False)
    assert anonymous.status_code == 303 and "login" in anonymous.headers["location"]
    login_as(client, db, "resident@example.dk")
    assert client.get(url).status_code == 404
    page = client.get("/")  # any page of theirs carries a valid CSRF token
    response = client.post(
        url,
        data={"csrf_token": csrf_from(page.text), "action": "import"},
        files={"file": ("b.csv", CSV.encode(), "text/csv")},
    )
    assert response.status_code == 404
    assert people(db) == set()
