"""The administration's contacts per department (issue 15, point 6): the board reads them with phone
and e-mail a tap away, anyone else meets a 404; the administration adds, changes, deletes and
reorders them, audited, and bad input gets Danish messages with nothing saved; the API lists them
in order."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.core.errors import Forbidden, NotFound, ValidationFailed
from boardkit.core.models import AuditEntry
from boardkit.onboarding import contacts
from boardkit.onboarding.models import Contact
from boardkit.org.models import Department
from tests.helpers import api_token, csrf_from, login_as
from tests.onboarding.onboarding_env import ADMIN, CHAIR, OTHER_BOARD, TREASURER, who

pytestmark = pytest.mark.postgres

RESIDENT = "beboer@demo.boardkit.dk"
ENGPARKEN = ["Mette Østergaard", "Søren Åberg", "Bogholderiet", "IT-support", "Lise Åkjær"]
NEW = {
    "name": "Åse Ørnbøl",
    "role": "Boligsocial medarbejder",
    "helps_with": "Naboskab og fællesskab.\nBeboerhuset.",
    "phone": "+45 20 30 40 50",
    "email": "Aase.Oernboel@Example.dk",
    "hours": "Tirs 10–14",
}


def department_id(s: Session, name: str) -> int:
    found = s.scalar(select(Department.id).where(Department.name == name))
    assert found is not None, name
    return found


def ids(demo: Database) -> dict[str, int]:
    with demo.transaction() as s:
        return {name: department_id(s, name) for name in ("Engparken", "Søbakken", "Lyngtoften")}


def contact_count(demo: Database) -> int:
    with demo.transaction() as s:
        return s.scalar(select(func.count(Contact.id))) or 0


def audit_actions(demo: Database) -> list[str]:
    with demo.transaction() as s:
        return list(
            s.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.action.startswith("contact."))
                .order_by(AuditEntry.id)
            )
        )


# --- the service ------------------------------------------------------------------------------


def test_the_departments_own_come_first_then_the_organisations(demo: Database) -> None:
    with demo.transaction() as s:
        found = contacts.list_contacts(
            s, principal=who(s, CHAIR), department_id=department_id(s, "Engparken")
        )
        assert [c.name for c in found.contacts] == ENGPARKEN
        assert [c.role for c in found.own] == ["Kundechef", "Driftschef"]
        assert not found.may_edit and not found.may_edit_organisation
        other = contacts.list_contacts(s, principal=who(s, ADMIN), department_id=department_id(s, "Søbakken"))
        assert [c.name for c in other.own] == ["Anne-Grethe Skovgård", "Jørgen Højlund"]
        assert other.shared == found.shared and other.may_edit and other.may_edit_organisation


def test_the_boards_and_the_administration_see_them_and_no_one_else(demo: Database) -> None:
    with demo.transaction() as s:
        eng, soe, lyn = (department_id(s, n) for n in ("Engparken", "Søbakken", "Lyngtoften"))
        # The chair also sits on the organisation board: every department of the organisation.
        visible = {
            email: [d.id for d in contacts.departments_for(s, principal=who(s, email))]
            for email in (ADMIN, CHAIR, TREASURER, OTHER_BOARD, RESIDENT)
        }
        assert visible == {
            ADMIN: [eng, soe, lyn],
            CHAIR: [eng, soe, lyn],
            TREASURER: [eng],
            OTHER_BOARD: [soe],
            RESIDENT: [],
        }
        for email, department in ((TREASURER, soe), (OTHER_BOARD, eng), (RESIDENT, eng), (ADMIN, 999_999)):
            with pytest.raises(NotFound):
                contacts.list_contacts(s, principal=who(s, email), department_id=department)
        contacts.list_contacts(s, principal=who(s, CHAIR), department_id=lyn)


def test_bad_input_gets_a_danish_message_for_every_field() -> None:
    bad = contacts.ContactInput(
        role="",
        name="x" * 201,
        helps_with="y" * 2001,
        phone="33-12-34-56",
        email="ikke en adresse",
        hours="z" * 201,
    )
    with pytest.raises(ValidationFailed) as caught:
        contacts.clean(bad)
    assert caught.value.fields == {
        "name": "Navnet må højst være 200 tegn.",
        "role": "Skriv personens rolle, fx kundechef eller driftschef.",
        "helps_with": "Beskrivelsen må højst være 2000 tegn.",
        "hours": "Træffetiden må højst være 200 tegn.",
        "phone": "Telefonnummeret skal have 8 til 15 cifre og må kun indeholde cifre, + og mellemrum.",
        "email": "Skriv en gyldig e-mailadresse, fx navn@boligselskab.dk.",
    }
    for phone in ("1234567", "+45 1234 5678 9012 3456", "45+33123456", "tlf 33123456", "++4533123456"):
        with pytest.raises(ValidationFailed):
            contacts.clean(contacts.ContactInput(role="IT", name="IT", phone=phone))
    with pytest.raises(ValidationFailed) as caught:
        contacts.clean(contacts.ContactInput(role=" \x00 ", name="\t"))
    assert set(caught.value.fields) == {"name", "role"}
    ok = contacts.clean(
        contacts.ContactInput(
            role=" IT\x00 ", name="  Lise   Åkjær ", phone=" +45 33  12 34 56", email="Lise@Example.DK"
        )
    )
    assert (ok.role, ok.name, ok.phone, ok.email) == (
        "IT",
        "Lise Åkjær",
        "+45 33 12 34 56",
        "lise@example.dk",
    )
    assert contacts.tel_uri(ok.phone) == "tel:+4533123456" and contacts.tel_uri("") == ""


def test_the_administration_keeps_them_audited_and_the_board_may_only_read(demo: Database) -> None:
    with demo.transaction() as s:
        eng, admin, chair = department_id(s, "Engparken"), who(s, ADMIN), who(s, CHAIR)
        data = contacts.ContactInput(**NEW)
        with pytest.raises(Forbidden):
            contacts.add_contact(s, principal=chair, department_id=eng, data=data)
        added = contacts.add_contact(s, principal=admin, department_id=eng, data=data)
        assert (added.department_id, added.position, added.email) == (eng, 2, "aase.oernboel@example.dk")
        shared = contacts.add_contact(
            s,
            principal=admin,
            department_id=eng,
            data=contacts.ContactInput(role="Jura", name="Juristen", organisation_wide=True),
        )
        assert shared.department_id is None and shared.position == 3
        names = [c.name for c in contacts.list_contacts(s, principal=chair, department_id=eng).contacts]
        assert names == [*ENGPARKEN[:2], "Åse Ørnbøl", *ENGPARKEN[2:], "Juristen"]
        contacts.move_contact(s, principal=admin, department_id=eng, contact_id=added.id, up=True)
        contacts.move_contact(s, principal=admin, department_id=eng, contact_id=added.id, up=True)
        contacts.move_contact(
            s, principal=admin, department_id=eng, contact_id=added.id, up=True
        )  # at the top
        own = contacts.list_contacts(s, principal=chair, department_id=eng).own
        assert [c.name for c in own] == ["Åse Ørnbøl", "Mette Østergaard", "Søren Åberg"]
        # Organisation-wide: moved there, it comes last of the organisation's.
        changed = contacts.update_contact(
            s,
            principal=admin,
            department_id=eng,
            contact_id=added.id,
            data=contacts.ContactInput(**{**NEW, "hours": "Tirs og tors 10–14"}, organisation_wide=True),
        )
        assert (
            changed.department_id is None and changed.position == 4 and changed.hours == "Tirs og tors 10–14"
        )
        soe = department_id(s, "Søbakken")
        assert contacts.list_contacts(s, principal=admin, department_id=soe).shared[-1].id == added.id
        with pytest.raises(Forbidden):
            contacts.delete_contact(s, principal=chair, department_id=eng, contact_id=added.id)
        contacts.delete_contact(s, principal=admin, department_id=eng, contact_id=added.id)
        assert db_get(s, added.id) is None
        # Another department's own contact is not on this department's list.
        lyn_own = contacts.list_contacts(
            s, principal=admin, department_id=department_id(s, "Lyngtoften")
        ).own[0]
        with pytest.raises(NotFound):
            contacts.delete_contact(s, principal=admin, department_id=eng, contact_id=lyn_own.id)
        with pytest.raises(ValidationFailed):
            contacts.update_contact(
                s,
                principal=admin,
                department_id=eng,
                contact_id=shared.id,
                data=contacts.ContactInput(name="Juristen"),
            )
        entries = s.execute(
            select(AuditEntry.action, AuditEntry.changes).where(AuditEntry.action.startswith("contact."))
        ).all()
    assert [a for a, _c in entries] == [
        "contact.create",
        "contact.create",
        "contact.move",
        "contact.move",
        "contact.update",
        "contact.delete",
    ]
    update = entries[4][1]
    assert update["hours"] == ["Tirs 10–14", "Tirs og tors 10–14"] and update["department_id"] == [eng, None]
    assert set(update) == {"hours", "department_id"}


def db_get(s: Session, contact_id: int) -> Contact | None:
    s.flush()
    return s.get(Contact, contact_id)


# --- the pages --------------------------------------------------------------------------------


def test_the_chair_reads_engparkens_contacts_with_phone_and_mail_links(
    client: TestClient, demo: Database
) -> None:
    eng = ids(demo)["Engparken"]
    login_as(client, demo, CHAIR)
    page = client.get(f"/departments/{eng}/contacts")
    assert page.status_code == 200
    html = page.text
    assert all(name in html for name in ENGPARKEN)
    assert [html.index(name) for name in ENGPARKEN] == sorted(html.index(name) for name in ENGPARKEN)
    assert 'href="tel:+4533123456"' in html and 'href="mailto:mette.oestergaard@demo.boardkit.dk"' in html
    assert "Man–tor 9–15, fre 9–12" in html and "Redigér kontakter" not in html
    assert client.get(f"/departments/{eng}/contacts/edit").status_code == 403
    listing = client.get("/contacts")  # the chair sees every department through the organisation board
    assert listing.status_code == 200 and f'href="/departments/{eng}/contacts"' in listing.text
    login_as(client, demo, TREASURER)
    only = client.get("/contacts", follow_redirects=False)
    assert only.status_code == 303 and only.headers["location"] == f"/departments/{eng}/contacts"


def test_others_get_404_on_the_page_and_the_api(client: TestClient, demo: Database) -> None:
    eng = ids(demo)["Engparken"]
    for email in (RESIDENT, OTHER_BOARD):
        login_as(client, demo, email)
        assert client.get(f"/departments/{eng}/contacts").status_code == 404
        assert client.get(f"/departments/{eng}/contacts/edit").status_code == 404
        r = client.get(f"/api/v1/departments/{eng}/contacts", headers=api_token(demo, email))
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    login_as(client, demo, RESIDENT)
    assert "for afdelingsbestyrelserne" in client.get("/contacts").text
    assert (
        client.get("/api/v1/departments/999999/contacts", headers=api_token(demo, ADMIN)).status_code == 404
    )


def test_the_administration_adds_changes_reorders_and_deletes_on_the_page(
    client: TestClient, demo: Database
) -> None:
    eng = ids(demo)["Engparken"]
    login_as(client, demo, ADMIN)
    assert "Redigér kontakter" in client.get(f"/departments/{eng}/contacts").text
    edit_url = f"/departments/{eng}/contacts/edit"
    form = client.get(edit_url)
    assert form.status_code == 200 and 'name="scope"' in form.text
    added = client.post(edit_url, data={**NEW, "csrf_token": csrf_from(form.text)}, follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == edit_url
    assert "Åse Ørnbøl er tilføjet." in client.get(edit_url).text
    page = client.get(f"/departments/{eng}/contacts").text
    assert (
        "Åse Ørnbøl" in page
        and 'href="tel:+4520304050"' in page
        and "mailto:aase.oernboel@example.dk" in page
    )
    assert page.index("Søren Åberg") < page.index("Åse Ørnbøl") < page.index("Bogholderiet")
    assert audit_actions(demo) == ["contact.create"]
    with demo.transaction() as s:
        new_id = s.scalar(select(Contact.id).where(Contact.name == "Åse Ørnbøl"))
    one_url = f"/departments/{eng}/contacts/{new_id}/edit"
    one = client.get(one_url)
    assert one.status_code == 200 and 'value="+45 20 30 40 50"' in one.text
    token = csrf_from(one.text)
    saved = client.post(
        one_url, data={**NEW, "hours": "Ons 9–12", "csrf_token": token}, follow_redirects=False
    )
    assert saved.status_code == 303
    moved = client.post(
        f"/departments/{eng}/contacts/{new_id}/move",
        data={"direction": "up", "csrf_token": token},
        follow_redirects=False,
    )
    assert moved.status_code == 303 and "Rækkefølgen er gemt." in client.get(edit_url).text
    page = client.get(f"/departments/{eng}/contacts").text
    assert "Ons 9–12" in page and page.index("Åse Ørnbøl") < page.index("Søren Åberg")
    gone = client.post(
        f"/departments/{eng}/contacts/{new_id}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert gone.status_code == 303 and "Åse Ørnbøl" not in client.get(f"/departments/{eng}/contacts").text
    assert audit_actions(demo) == ["contact.create", "contact.update", "contact.move", "contact.delete"]
    # Without the CSRF token nothing happens.
    refused = client.post(edit_url, data=NEW, follow_redirects=False)
    assert refused.status_code in (400, 403) and audit_actions(demo)[-1] == "contact.delete"


def test_bad_input_on_the_page_gets_422_with_danish_messages_and_saves_nothing(
    client: TestClient, demo: Database
) -> None:
    eng = ids(demo)["Engparken"]
    login_as(client, demo, ADMIN)
    edit_url = f"/departments/{eng}/contacts/edit"
    token = csrf_from(client.get(edit_url).text)
    before = contact_count(demo)
    bad = {**NEW, "name": "", "phone": "ring til mig", "email": "aase@", "csrf_token": token}
    refused = client.post(edit_url, data=bad)
    assert refused.status_code == 422
    html = refused.text
    assert "Der er problemer" in html and "Skriv kontaktpersonens navn." in html
    assert "Telefonnummeret skal have 8 til 15 cifre" in html and "Skriv en gyldig e-mailadresse" in html
    assert (
        'value="ring til mig"' in html and 'value="Boligsocial medarbejder"' in html
    )  # what was typed stays
    assert 'aria-invalid="true"' in html
    with demo.transaction() as s:
        mette = s.scalar(select(Contact.id).where(Contact.name == "Mette Østergaard"))
    one_url = f"/departments/{eng}/contacts/{mette}/edit"
    refused = client.post(one_url, data={"name": "Mette Østergaard", "role": "", "csrf_token": token})
    assert refused.status_code == 422 and "Skriv personens rolle" in refused.text
    assert contact_count(demo) == before and audit_actions(demo) == []
    with demo.transaction() as s:
        assert s.scalar(select(Contact.role).where(Contact.id == mette)) == "Kundechef"


def test_junk_gets_a_clear_answer_never_a_500(client: TestClient, demo: Database) -> None:
    eng = ids(demo)["Engparken"]
    login_as(client, demo, ADMIN)
    edit_url = f"/departments/{eng}/contacts/edit"
    token = csrf_from(client.get(edit_url).text)
    for junk in ("\x00", "ø" * 5000, "<script>alert(1)</script>", "💥", "' OR 1=1 --"):
        data = {k: junk for k in ("name", "role", "helps_with", "phone", "email", "hours", "scope")}
        r = client.post(edit_url, data={**data, "csrf_token": token})
        assert r.status_code == 422 and "<script>alert" not in r.text, junk
    r = client.post(
        edit_url, data={"name": "A\x00B", "role": "IT\x00", "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    with demo.transaction() as s:
        assert s.scalar(select(Contact.role).where(Contact.name == "AB")) == "IT"
    for url in (f"/departments/{eng}/contacts/999999/edit", f"/departments/{eng}/contacts/999999/delete"):
        assert client.post(url, data={"csrf_token": token}).status_code == 404


# --- the API ----------------------------------------------------------------------------------


def test_the_api_lists_the_contacts_in_order(client: TestClient, demo: Database) -> None:
    eng = ids(demo)["Engparken"]
    r = client.get(f"/api/v1/departments/{eng}/contacts", headers=api_token(demo, CHAIR))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["department_id"], body["department_name"], body["next"]) == (eng, "Engparken", None)
    assert [c["name"] for c in body["items"]] == ENGPARKEN
    assert [c["scope"] for c in body["items"]] == ["department"] * 2 + ["organisation"] * 3
    first = body["items"][0]
    assert (first["role"], first["phone"], first["email"], first["hours"]) == (
        "Kundechef",
        "+45 33 12 34 56",
        "mette.oestergaard@demo.boardkit.dk",
        "Man–tor 9–15, fre 9–12",
    )
    with demo.transaction() as s:
        contacts.add_contact(
            s,
            principal=who(s, ADMIN),
            department_id=eng,
            data=contacts.ContactInput(role="IT", name="Nyt navn"),
        )
    r = client.get(f"/api/v1/departments/{eng}/contacts", headers=api_token(demo, ADMIN))
    assert [c["name"] for c in r.json()["items"]] == [*ENGPARKEN[:2], "Nyt navn", *ENGPARKEN[2:]]
