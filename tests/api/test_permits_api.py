"""The permits API: kinds, applying (tenants only), bad input, deciding, and the board's figures
without names; a board member's opening of a delegated case is audited after the response."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.core.models import AuditEntry
from boardkit.org.models import Person, Residency, Tenancy
from boardkit.permits.models import Permit, PermitKind
from tests.browser.conftest import ARTIFACTS
from tests.helpers import api_token
from tests.permits.permit_env import ADMIN, CHAIR, RESIDENT, RESIDENT2, seed

DOG = {"name": "Bølle", "breed": "Labrador", "chip": "208098100012345", "insured": True}


@pytest.fixture
def headers(demo: Database) -> dict[str, dict[str, str]]:
    seed(demo)
    return {email: api_token(demo, email) for email in (ADMIN, CHAIR, RESIDENT, RESIDENT2)}


def apply_for_dog(client: TestClient, headers: dict[str, dict[str, str]]) -> dict[str, object]:
    r = client.post(
        "/api/v1/permits", json={"kind": "dog", "title": "Hund", "animal": DOG}, headers=headers[RESIDENT]
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_a_resident_applies_and_the_administration_approves(
    client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    kinds = client.get("/api/v1/permit-kinds", headers=headers[RESIDENT]).json()["items"]
    assert {"dog", "kitchen", "dishwasher"} <= {k["code"] for k in kinds}
    permit = apply_for_dog(client, headers)
    assert (permit["status"], permit["route"]) == ("submitted", "decision") and permit["deadline"]
    assert permit["animal"]["name"] == "Bølle" and [e["action"] for e in permit["history"]] == ["submitted"]
    mine = client.get("/api/v1/permits", headers=headers[RESIDENT]).json()["items"]
    assert mine[0]["id"] == permit["id"]  # newest first, then the demo's dog and kitchen
    assert sorted(p["kind"] for p in mine) == ["dog", "dog", "kitchen"]
    assert client.get("/api/v1/permits", headers=headers[RESIDENT2]).json()["items"] == []
    decided = client.post(
        f"/api/v1/permits/{permit['id']}/decision",
        json={"outcome": "approve", "conditions": "Hunden føres i snor på fællesarealer."},
        headers=headers[ADMIN],
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert decided.json()["conditions"] == "Hunden føres i snor på fællesarealer."
    withdrawn = client.post(f"/api/v1/permits/{permit['id']}/withdraw", headers=headers[RESIDENT])
    assert withdrawn.status_code == 409 and withdrawn.json()["error"]["code"] == "permit_decided"


def test_bad_input_gets_clear_errors(
    client: TestClient, headers: dict[str, dict[str, str]], demo: Database
) -> None:
    post = "/api/v1/permits"
    r = client.post(
        post, json={"kind": "dog", "title": "Hund", "animal": [DOG, DOG]}, headers=headers[RESIDENT]
    )
    assert r.status_code == 422 and r.json()["error"]["fields"]["animal"] == "Skal være et objekt."
    r = client.post(
        post,
        json={"kind": "dog", "title": "Hund", "animal": {**DOG, "breed": "Tosa Inu"}},
        headers=headers[RESIDENT],
    )
    assert r.status_code == 422 and r.json()["error"]["fields"]["animal.breed"] == "banned"
    assert "Tosa inu" in r.json()["error"]["message"]
    r = client.post(post, json={"kind": "dog", "title": "Hund", "animal": DOG}, headers=headers[ADMIN])
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_tenant"
    permit = apply_for_dog(client, headers)
    r = client.post(
        f"/api/v1/permits/{permit['id']}/decision", json={"outcome": "reject"}, headers=headers[ADMIN]
    )
    assert r.status_code == 422 and "reason" in r.json()["error"]["fields"]
    r = client.post(
        f"/api/v1/permits/{permit['id']}/decision", json={"outcome": "approve"}, headers=headers[RESIDENT]
    )
    assert r.status_code == 404
    assert client.get("/api/v1/permits?department_id=x", headers=headers[ADMIN]).status_code == 422
    assert client.get("/api/v1/permits?status=nope", headers=headers[ADMIN]).status_code == 422
    with demo.transaction() as s:  # nothing else was saved
        assert s.scalar(select(func.count()).select_from(Permit).where(Permit.id > permit["id"])) == 0


def test_the_board_sees_figures_without_names_and_a_named_case_only_when_delegated(
    app,
    client: TestClient,
    headers: dict[str, dict[str, str]],
    demo: Database,  # type: ignore[no-untyped-def]
) -> None:
    def figures_now() -> dict[str, Any]:
        overview = client.get(f"/api/v1/departments/{department_id}/permit-overview", headers=headers[CHAIR])
        assert overview.status_code == 200
        return dict(overview.json()) | {"text": overview.text}

    with demo.transaction() as s:
        department_id = s.scalar(
            select(Tenancy.department_id).join(Residency).join(Person).where(Person.email == RESIDENT)
        )
    before = figures_now()
    permit = apply_for_dog(client, headers)
    figures = figures_now()
    assert (figures["total"], figures["waiting"]) == (before["total"] + 1, before["waiting"] + 1)
    assert (
        before["past_deadline"] >= 1 and figures["average_handling_days"] is not None
    )  # the demo's late carport
    dogs = [next(k for k in f["kinds"] if k["code"] == "dog") for f in (before, figures)]
    assert dogs[1]["by_status"]["submitted"] == dogs[0]["by_status"]["submitted"] + 1
    with demo.transaction() as s:
        resident = s.scalar(select(Person).where(Person.email == RESIDENT))
        assert resident is not None
        home = s.scalar(
            select(Tenancy)
            .join(Residency, Residency.tenancy_id == Tenancy.id)
            .where(Residency.person_id == resident.id)
        )
        assert home is not None
        private = [resident.name, *resident.name.split(), home.address, home.number, "Bølle"]
    for secret in private:
        assert secret not in figures["text"], secret
    assert (
        client.get(
            f"/api/v1/departments/{department_id}/permit-overview", headers=headers[RESIDENT]
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/permits/{permit['id']}", headers=headers[CHAIR]).status_code == 404
    with demo.transaction() as s:
        kind = s.scalar(
            select(PermitKind).where(
                PermitKind.code == "dog",
                PermitKind.organisation_id == Permit.organisation_id,
                Permit.id == permit["id"],
            )
        )
        assert kind is not None
        kind.delegated_to_board = True
    for _ in range(2):
        opened = client.get(f"/api/v1/permits/{permit['id']}", headers=headers[CHAIR])
        assert opened.status_code == 200 and opened.json()["animal"]["name"] == "Bølle"
    app.state.bookkeeper.flush(wait=True)
    with demo.transaction() as s:
        audited = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "permit.opened_by_board", AuditEntry.object_id == permit["id"])
        )
    assert audited == 2


def jpeg_bytes() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 120, 60)).save(out, "JPEG")
    return out.getvalue()


def test_attachments_are_judged_by_content_and_nothing_is_lost(
    client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    from tests.meetings.meeting_env import pdf_bytes

    permit = apply_for_dog(client, headers)
    url = f"/api/v1/permits/{permit['id']}/attachments"
    added = client.post(
        url, files={"file": ("hund.jpg", jpeg_bytes(), "image/jpeg")}, headers=headers[RESIDENT]
    )
    assert added.status_code == 201 and [f["filename"] for f in added.json()["files"]] == ["hund.jpg"]
    shown = client.get(added.json()["files"][0]["url"], headers=headers[RESIDENT])
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    assert client.get(added.json()["files"][0]["url"], headers=headers[RESIDENT2]).status_code == 404
    cases = [
        (
            ("stor.pdf", b"%PDF-1.4\n" + b"0" * (30 * 1024 * 1024), "application/pdf"),
            413,
            "too_large",
        ),  # the body
        (
            ("stor.pdf", b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024), "application/pdf"),
            413,
            "too_large",
        ),  # the file
        (("laast.pdf", pdf_bytes(password="hemmelig"), "application/pdf"), 415, "pdf_locked"),
        (("falsk.jpg", b"just text, not a photo", "image/jpeg"), 415, "unsupported_media_type"),
    ]
    for file, status, code in cases:
        refused = client.post(url, files={"file": file}, headers=headers[RESIDENT])
        assert (refused.status_code, refused.json()["error"]["code"]) == (status, code), file[0]
    files = client.get(f"/api/v1/permits/{permit['id']}", headers=headers[RESIDENT]).json()["files"]
    assert [f["filename"] for f in files] == ["hund.jpg"]


def test_the_move_out_checklist_gives_the_kitchen_example_as_json_and_pdf(
    client: TestClient, headers: dict[str, dict[str, str]], demo: Database
) -> None:
    import io
    from datetime import date

    from pypdf import PdfReader

    r = client.post(
        "/api/v1/permits", json={"kind": "kitchen", "title": "Nyt køkken"}, headers=headers[RESIDENT]
    )
    permit = r.json()
    with demo.transaction() as s:
        row = s.get(Permit, permit["id"])
        assert row is not None
        row.status, row.taken_into_use = "no_objection", date(2020, 6, 1)
    lines = f"/api/v1/permits/{permit['id']}/invoice-lines"
    firm = {"cvr": "10150817", "vat_registered": True}
    for body in (
        {"description": "Køkken, snedker", "amount_ore": 7_500_000, **firm},
        {"description": "Eget arbejde", "amount_ore": 500_000, "own_labour": True, **firm},
        {"description": "Maler uden CVR", "amount_ore": 300_000, "vat_registered": True},
    ):
        assert client.post(lines, json=body, headers=headers[ADMIN]).status_code == 201
    assert (
        client.post(lines, json={"description": "x", "amount_ore": 1}, headers=headers[RESIDENT]).status_code
        == 404
    )
    bad = client.post(lines, json={"description": "", "amount_ore": 0}, headers=headers[ADMIN])
    assert bad.status_code == 422 and set(bad.json()["error"]["fields"]) == {"description", "amount_ore"}
    url = f"/api/v1/tenancies/{permit['tenancy_id']}/move-out-checklist"
    checklist = client.get(f"{url}?moved_out=2025-06-01", headers=headers[ADMIN]).json()
    kitchen = next(c for c in checklist["compensation"] if c["permit_id"] == permit["id"])
    assert (kitchen["eligible_ore"], kitchen["owed_ore"], kitchen["months_used"]) == (
        7_500_000,
        5_625_000,
        60,
    )
    assert len(kitchen["excluded"]) == 2
    assert checklist["total_owed_ore"] == 5_625_000
    assert {p["kind"] for p in checklist["active"]} >= {"dog", "kitchen"}  # the demo's dog is in force too
    assert client.get(url, headers=headers[RESIDENT]).status_code == 404
    assert client.get(f"{url}?moved_out=juni", headers=headers[ADMIN]).status_code == 422
    pdf = client.get(f"{url}.pdf?moved_out=2025-06-01", headers=headers[ADMIN])
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "move-out-checklist.pdf").write_bytes(pdf.content)  # to look at (pdftoppm)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "56.250,00 kr." in text and "Nyt køkken" in text and "Eget arbejde" in text


def test_a_pet_permit_ends_when_the_animal_is_gone(
    client: TestClient, headers: dict[str, dict[str, str]], demo: Database
) -> None:
    with demo.transaction() as s:
        dog = s.scalar(select(Permit.id).where(Permit.title == "Hund: Bølle"))
        kitchen = s.scalar(select(Permit.id).where(Permit.title == "Nyt køkken"))
    assert client.post(f"/api/v1/permits/{dog}/end", headers=headers[RESIDENT2]).status_code == 404
    ended = client.post(f"/api/v1/permits/{dog}/end", headers=headers[RESIDENT])
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    assert [e["action"] for e in ended.json()["history"]][-1] == "ended"
    again = client.post(f"/api/v1/permits/{dog}/end", headers=headers[RESIDENT])
    assert again.status_code == 409 and again.json()["error"]["code"] == "permit_not_active"
    assert client.post(f"/api/v1/permits/{kitchen}/end", headers=headers[RESIDENT]).status_code == 409
