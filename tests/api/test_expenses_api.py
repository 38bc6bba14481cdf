"""The expense API of API.md: shapes, the flow by token, field errors, 403/404/409, receipt files."""

from __future__ import annotations

import io
from typing import Any

import pytest
from starlette.testclient import TestClient

from boardkit.core.db import Database
from tests.expenses.expense_env import BOOKKEEPER, CHAIR, ENGPARKEN, MEMBER_SOEBAKKEN, TREASURER
from tests.helpers import api_token
from tests.meetings.meeting_env import board_id

CLAIMS = "/api/v1/expense-claims"


def jpeg(colour: tuple[int, int, int] = (200, 120, 60)) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 800), (250, 250, 245))
    draw = ImageDraw.Draw(image)
    for y in range(60, 760, 40):
        draw.rectangle((40, y, 40 + (y * 7) % 500, y + 14), fill=colour)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def new_claim(client: TestClient, db: Database, who: str = TREASURER, **fields: Any) -> dict[str, Any]:
    body = {
        "board_id": board_id(db, ENGPARKEN),
        "purpose": "Kaffe og kage til mødet",
        "account": "119",
        "bank_registration": "1234",
        "bank_account": "0012345678",
        **fields,
    }
    r = client.post(CLAIMS, json=body, headers=api_token(db, who))
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_accounts_and_a_claim_through_the_flow(client: TestClient, demo: Database) -> None:
    me = api_token(demo, TREASURER)
    r = client.get("/api/v1/expense-accounts", params={"board_id": board_id(demo, ENGPARKEN)}, headers=me)
    assert r.status_code == 200
    assert {"code": "119", "name": "Bestyrelsens udgifter"} in r.json()["items"]

    claim = new_claim(client, demo)
    assert claim["status"] == "draft" and claim["total_ore"] == 0 and claim["lines"] == []
    assert claim["bank"] == {"registration": "1234", "account": "0012345678"}
    url = f"{CLAIMS}/{claim['id']}"
    line = client.post(
        f"{url}/lines",
        json={"kind": "receipt", "amount_ore": 12550, "spent_on": "2026-03-02", "description": "Kaffe"},
        headers=me,
    )
    assert line.status_code == 201 and line.json()["vat_ore"] == 2510
    trip = client.post(
        f"{url}/lines",
        json={
            "kind": "mileage",
            "travelled_on": "2026-03-03",
            "from_place": "Engparken",
            "to_place": "Kontoret",
            "stops": ["Byggemarkedet"],
            "purpose": "Indkøb",
            "km": "12,5",
            "vehicle": "car",
        },
        headers=me,
    )
    assert trip.status_code == 201, trip.text
    assert trip.json()["amount_ore"] == 4925 and trip.json()["calculation"]["text"] == "12,5 km × 3,94 kr"

    assert client.post(f"{url}/submit", headers=me).status_code == 200
    assert client.post(f"{url}/submit", headers=me).json()["error"]["code"] == "already_submitted"
    chair = api_token(demo, CHAIR)
    got = client.get(url, headers=chair).json()
    assert got["bank"] is None  # the chair attests but does not see the bank account
    assert got["total_ore"] == 12550 + 4925 and [x["kind"] for x in got["lines"]] == ["receipt", "mileage"]
    assert client.post(f"{url}/approve", headers=api_token(demo, BOOKKEEPER)).status_code == 409
    assert client.post(f"{url}/attest", headers=chair).json()["status"] == "attested"
    approved = client.post(f"{url}/approve", headers=api_token(demo, BOOKKEEPER))
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = client.post(f"{url}/approve", headers=api_token(demo, BOOKKEEPER))
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_approved"
    history = client.get(url, headers=me).json()["history"]
    assert [h["action"] for h in history] == ["create", "line.add", "line.add", "submit", "attest", "approve"]

    listed = client.get(CLAIMS, params={"status": "approved"}, headers=api_token(demo, BOOKKEEPER)).json()
    assert [c["id"] for c in listed["items"]] == [claim["id"]] and listed["next"] is None
    assert client.get(CLAIMS, params={"status": "nonsense"}, headers=me).status_code == 422


def test_bad_input_is_a_field_error_never_a_500(client: TestClient, demo: Database) -> None:
    me = api_token(demo, TREASURER)
    bad = client.post(
        CLAIMS, json={"board_id": board_id(demo, ENGPARKEN), "purpose": "", "account": "999"}, headers=me
    )
    assert bad.status_code == 422 and set(bad.json()["error"]["fields"]) == {"purpose", "account"}
    assert client.post(CLAIMS, content=b"[1]", headers=me).status_code == 400
    url = f"{CLAIMS}/{new_claim(client, demo)['id']}/lines"
    cases = [
        ({"kind": "receipt", "amount_ore": -500, "spent_on": "2026-01-02"}, "amount_ore"),
        ({"kind": "receipt", "amount_ore": 100, "vat_ore": 200, "spent_on": "2026-01-02"}, "vat_ore"),
        ({"kind": "receipt", "amount_ore": 100, "spent_on": "2999-01-01"}, "spent_on"),
        ({"kind": "receipt", "amount_ore": "lots", "spent_on": "2026-01-02"}, "amount_ore"),
        ({"kind": "receipt", "amount_ore": 100, "spent_on": "2. januar"}, "spent_on"),
        (
            {
                "kind": "mileage",
                "travelled_on": "2026-01-02",
                "from_place": "A",
                "to_place": "B",
                "purpose": "x",
                "km": 0,
            },
            "km",
        ),
        (
            {
                "kind": "mileage",
                "travelled_on": "2026-01-02",
                "from_place": "A",
                "to_place": "B",
                "purpose": "x",
                "km": 2000.1,
            },
            "km",
        ),
        (
            {
                "kind": "mileage",
                "travelled_on": "2026-01-02",
                "from_place": "A",
                "to_place": "B",
                "purpose": "x",
                "km": "tolv",
            },
            "km",
        ),
        ({"kind": "boat"}, "kind"),
    ]
    for body, field in cases:
        r = client.post(url, json=body, headers=me)
        assert r.status_code == 422, (body, r.text)
        assert field in r.json()["error"]["fields"], (body, r.json())


def test_others_get_404_and_non_claimants_403(client: TestClient, demo: Database) -> None:
    claim = new_claim(client, demo)
    url = f"{CLAIMS}/{claim['id']}"
    outsider = api_token(demo, MEMBER_SOEBAKKEN)
    assert client.get(url, headers=outsider).status_code == 404
    assert client.post(f"{url}/lines", json={"kind": "receipt"}, headers=outsider).status_code == 404
    assert client.get(CLAIMS, headers=outsider).json()["items"] == []
    assert client.get(url, headers=api_token(demo, CHAIR)).status_code == 404  # a draft is the claimant's
    staff = api_token(demo, BOOKKEEPER)
    r = client.post(
        f"{url}/lines", json={"kind": "receipt", "amount_ore": 1, "spent_on": "2026-01-02"}, headers=staff
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_claimant"
    assert client.post(f"{url}/approve", headers=staff).status_code == 409
    assert client.get(f"{CLAIMS}/999999", headers=staff).status_code == 404


def test_lines_are_changed_and_removed_only_in_a_draft(client: TestClient, demo: Database) -> None:
    me = api_token(demo, TREASURER)
    url = f"{CLAIMS}/{new_claim(client, demo)['id']}"
    line = client.post(
        f"{url}/lines", json={"kind": "receipt", "amount_ore": 1000, "spent_on": "2026-02-01"}, headers=me
    ).json()
    changed = client.patch(f"{url}/lines/{line['id']}", json={"amount_ore": 2000, "vat_ore": 0}, headers=me)
    assert (
        changed.status_code == 200 and changed.json()["amount_ore"] == 2000 and changed.json()["vat_ore"] == 0
    )
    extra = client.post(
        f"{url}/lines", json={"kind": "receipt", "amount_ore": 500, "spent_on": "2026-02-01"}, headers=me
    ).json()
    assert client.delete(f"{url}/lines/{extra['id']}", headers=me).status_code == 204
    assert client.get(url, headers=me).json()["total_ore"] == 2000
    assert client.post(f"{url}/submit", headers=me).status_code == 200
    late = client.patch(f"{url}/lines/{line['id']}", json={"amount_ore": 1}, headers=me)
    assert late.status_code == 409 and late.json()["error"]["code"] == "not_a_draft"
    assert client.delete(f"{url}/lines/{line['id']}", headers=me).status_code == 409


def test_a_receipt_upload_becomes_a_line_with_its_files(client: TestClient, demo: Database) -> None:
    me = api_token(demo, TREASURER)
    url = f"{CLAIMS}/{new_claim(client, demo)['id']}"
    photo = jpeg()
    r = client.post(f"{url}/receipts", files={"file": ("kvittering.jpg", photo, "image/jpeg")}, headers=me)
    assert r.status_code == 201, r.text
    line = r.json()
    assert line["amount_ore"] == 0 and line["spent_on"] is None
    assert line["image_url"] and line["original_url"] and line["preview_url"]
    original = client.get(line["original_url"], headers=me)
    assert original.status_code == 200 and original.content == photo
    assert client.get(line["image_url"], headers=me).headers["content-type"] == "image/jpeg"
    assert client.get(line["original_url"], headers=api_token(demo, MEMBER_SOEBAKKEN)).status_code == 404
    not_filled = client.post(f"{url}/submit", headers=me)
    assert not_filled.status_code == 422 and "lines" in not_filled.json()["error"]["fields"]

    program = b"MZ\x90\x00" + b"\x00" * 500
    refused = client.post(
        f"{url}/receipts", files={"file": ("kvittering.jpg", program, "image/jpeg")}, headers=me
    )
    assert refused.status_code == 415
    assert client.post(f"{url}/receipts", headers=me, files={}).status_code in (400, 422)
    assert len(client.get(url, headers=me).json()["lines"]) == 1

    filled = client.patch(
        f"{url}/lines/{line['id']}", json={"amount_ore": 8900, "spent_on": "2026-04-01"}, headers=me
    )
    assert filled.json()["vat_ore"] == 1780
    assert client.post(f"{url}/submit", headers=me).status_code == 200


def test_the_claimant_corrects_a_draft_and_the_history_keeps_no_bank_number(
    client: TestClient, demo: Database
) -> None:
    me = api_token(demo, TREASURER)
    claim = new_claim(client, demo)
    url = f"{CLAIMS}/{claim['id']}"
    body = {
        "purpose": "Blomster til generalforsamlingen",
        "account": "120",
        "bank_registration": "4321",
        "bank_account": "0099887766",
    }
    changed = client.patch(url, json=body, headers=me)
    assert changed.status_code == 200, changed.text
    got = changed.json()
    assert got["purpose"] == body["purpose"] and got["account"]["code"] == "120"
    assert got["bank"] == {"registration": "4321", "account": "0099887766"}
    last = got["history"][-1]
    assert last["action"] == "update" and last["actor_id"] == claim["claimant_id"]
    assert last["before"] == {"purpose": "Kaffe og kage til mødet", "account": "119"}
    assert last["after"] == {"purpose": body["purpose"], "account": "120", "bank": "changed"}
    assert "0099887766" not in str(got["history"]) and "0012345678" not in str(got["history"])

    one = client.patch(url, json={"bank_account": "5555"}, headers=me)  # the registration stays
    assert one.json()["bank"] == {"registration": "4321", "account": "5555"}
    assert one.json()["history"][-1]["after"] == {"bank": "changed"}
    same = client.patch(url, json={"purpose": body["purpose"]}, headers=me)
    assert same.status_code == 200 and len(same.json()["history"]) == len(one.json()["history"])

    for bad, field in (
        ({"account": "999"}, "account"),
        ({"purpose": "  "}, "purpose"),
        ({"purpose": 12}, "purpose"),
        ({"bank_registration": "12"}, "bank_registration"),
        ({"bank_registration": "", "bank_account": "12345678"}, "bank_registration"),
    ):
        r = client.patch(url, json=bad, headers=me)
        assert r.status_code == 422 and field in r.json()["error"]["fields"], (bad, r.text)
    assert client.get(url, headers=me).json()["account"]["code"] == "120"

    assert client.patch(url, json=body, headers=api_token(demo, MEMBER_SOEBAKKEN)).status_code == 404
    assert client.patch(url, json=body, headers=api_token(demo, CHAIR)).status_code == 404  # a draft
    staff = client.patch(url, json=body, headers=api_token(demo, BOOKKEEPER))
    assert staff.status_code == 403 and staff.json()["error"]["code"] == "not_claimant"

    client.post(
        f"{url}/lines", json={"kind": "receipt", "amount_ore": 100, "spent_on": "2026-02-01"}, headers=me
    )
    assert client.post(f"{url}/submit", headers=me).status_code == 200
    late = client.patch(url, json={"purpose": "For sent"}, headers=me)
    assert late.status_code == 409 and late.json()["error"]["code"] == "not_a_draft"


@pytest.mark.postgres
def test_a_draft_is_deleted_a_submitted_claim_is_kept(client: TestClient, demo: Database) -> None:
    me = api_token(demo, TREASURER)
    draft = f"{CLAIMS}/{new_claim(client, demo)['id']}"
    assert client.delete(draft, headers=api_token(demo, MEMBER_SOEBAKKEN)).status_code == 404
    staff = client.delete(draft, headers=api_token(demo, BOOKKEEPER))
    assert staff.status_code == 403 and staff.json()["error"]["code"] == "not_claimant"
    assert client.delete(draft, headers=me).status_code == 204
    assert client.get(draft, headers=me).status_code == 404
    assert client.delete(draft, headers=me).status_code == 404

    sent = f"{CLAIMS}/{new_claim(client, demo)['id']}"
    client.post(
        f"{sent}/lines", json={"kind": "receipt", "amount_ore": 100, "spent_on": "2026-02-01"}, headers=me
    )
    assert client.post(f"{sent}/submit", headers=me).status_code == 200
    kept = client.delete(sent, headers=me)
    assert kept.status_code == 409 and kept.json()["error"]["code"] == "retention"
    assert client.get(sent, headers=me).json()["status"] == "submitted"


def test_openapi_lists_the_expense_paths(client: TestClient, demo: Database) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/expense-accounts", "/expense-claims", "/expense-claims/{claim_id}/approve"):
        assert path in paths
    assert {"get", "patch", "delete"} <= set(paths["/expense-claims/{claim_id}"])
    assert "post" in paths["/expense-exports/{export_id}/paid"]
