"""The meetings API of API.md: meetings, notice override, agenda, attachments by content, closed items."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.core.models import AuditEntry
from boardkit.meetings import attachments
from boardkit.meetings.models import Meeting
from boardkit.meetings.service import BOARD_AGENDA, STANDARD_AGENDA
from tests.helpers import api_token
from tests.meetings.meeting_env import (
    CHAIR,
    ENGPARKEN,
    MEMBER_SOEBAKKEN,
    RESIDENT,
    RESIDENT_SOEBAKKEN,
    TREASURER,
    at_local,
    board_id,
    closed_item,
    department_meeting,
    email_of_role,
    heic_bytes,
    jpeg_bytes,
    local_day,
    pdf_bytes,
    png_bytes,
)


def new_meeting(db: Database, days: int, **fields: Any) -> dict[str, Any]:
    starts = at_local(local_day(days))
    return {
        "board_id": board_id(db),
        "kind": "board",
        "title": "Bestyrelsesmøde",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "location": "Fælleshuset, Engparken 2",
        "room": "Mødelokalet",
        **fields,
    }


def test_chair_schedules_a_board_meeting_with_the_board_template(client: TestClient, demo: Database) -> None:
    headers = api_token(demo, CHAIR)
    r = client.post("/api/v1/meetings", json=new_meeting(demo, 90), headers=headers)
    assert r.status_code == 201, r.text
    m = r.json()
    assert {"id", "board_id", "department_id", "kind", "title", "starts_at", "ends_at", "location"} <= set(m)
    assert m["status"] == "planned" and m["sequence"] == 0 and m["department_id"] is None
    assert m["url"] == f"http://testserver/meetings/{m['id']}"
    starts = datetime.fromisoformat(m["starts_at"])
    assert starts.utcoffset() is not None and (starts.hour, starts.minute) == (19, 0)
    items = client.get(f"/api/v1/meetings/{m['id']}/agenda-items", headers=headers).json()["items"]
    assert [i["title"] for i in items] == [t for t, _k, _r in BOARD_AGENDA]
    approval = next(i for i in items if i["role"] == "approve_minutes")
    # "Approval of the last minutes" links the board's previous meeting.
    with demo.transaction() as s:
        previous = s.scalar(
            select(Meeting.id)
            .where(Meeting.board_id == m["board_id"], Meeting.kind == "board", Meeting.id != m["id"])
            .order_by(Meeting.starts_at.desc())
            .limit(1)
        )
    assert approval["previous_meeting_id"] == previous
    assert client.get(f"/api/v1/meetings/{m['id']}", headers=headers).json()["uid"].endswith("@testserver")


def test_an_ordinary_department_meeting_starts_from_the_standard_nine_items(
    client: TestClient, demo: Database
) -> None:
    headers = api_token(demo, CHAIR)
    body = new_meeting(demo, 60, kind="ordinary_department", title="Ordinært afdelingsmøde")
    r = client.post("/api/v1/meetings", json=body, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["department_id"] is not None
    items = client.get(f"/api/v1/meetings/{r.json()['id']}/agenda-items", headers=headers).json()["items"]
    assert len(items) == 9
    assert [i["title"] for i in items] == [t for t, _k, _r in STANDARD_AGENDA]
    assert [i["position"] for i in items] == list(range(1, 10))
    assert items[3]["role"] == "proposals"


@pytest.mark.postgres
def test_short_notice_needs_an_audited_override(client: TestClient, demo: Database) -> None:
    headers = api_token(demo, CHAIR)
    body = new_meeting(demo, 10, kind="ordinary_department", title="Ekstra budgetmøde")
    r = client.post("/api/v1/meetings", json=body, headers=headers)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "notice_too_short"
    assert "kortere varsel" in r.json()["error"]["message"]
    r = client.post("/api/v1/meetings", json={**body, "override_notice": True}, headers=headers)
    assert r.status_code == 422  # an override without a reason is no override
    assert r.json()["error"]["code"] == "notice_too_short"
    with demo.transaction() as s:
        assert s.scalar(select(Meeting.id).where(Meeting.title == "Ekstra budgetmøde")) is None
    reason = "Budgettet skal vedtages før fristen hos kommunen."
    r = client.post(
        "/api/v1/meetings", json={**body, "override_notice": True, "override_reason": reason}, headers=headers
    )
    assert r.status_code == 201, r.text
    with demo.transaction() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "meeting.notice_override")).one()
        assert entry.object_id == r.json()["id"] and entry.summary == reason


def test_an_override_that_is_not_needed_is_not_recorded(client: TestClient, demo: Database) -> None:
    body = new_meeting(demo, 60, kind="ordinary_department", title="Rettidigt afdelingsmøde")
    extra = {"override_notice": True, "override_reason": "For en sikkerheds skyld"}
    r = client.post("/api/v1/meetings", json={**body, **extra}, headers=api_token(demo, CHAIR))
    assert r.status_code == 201, r.text
    with demo.transaction() as s:
        assert s.scalar(select(Meeting.notice_override_reason).where(Meeting.id == r.json()["id"])) == ""
        assert s.scalar(select(AuditEntry.id).where(AuditEntry.action == "meeting.notice_override")) is None


def test_a_board_meeting_has_no_notice_rule_for_residents(client: TestClient, demo: Database) -> None:
    r = client.post("/api/v1/meetings", json=new_meeting(demo, 2), headers=api_token(demo, CHAIR))
    assert r.status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_at": "2027-03-15T19:00:00"}, "starts_at"),  # no offset: a guess, refused
        ({"ends_at": "i morgen"}, "ends_at"),
        ({"starts_at": 12}, "starts_at"),
        ({"title": ""}, "title"),
        ({"kind": "fest"}, "kind"),
        ({"location": "", "online_url": ""}, "location"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
        ({"board_id": "x"}, "board_id"),
    ],
)
def test_bad_meeting_input_is_a_field_error(
    client: TestClient, demo: Database, change: dict[str, Any], field: str
) -> None:
    r = client.post(
        "/api/v1/meetings", json={**new_meeting(demo, 40), **change}, headers=api_token(demo, CHAIR)
    )
    assert r.status_code == 422, r.text
    assert field in r.json()["error"]["fields"]


def test_times_in_the_wrong_order_or_in_the_past(client: TestClient, demo: Database) -> None:
    headers = api_token(demo, CHAIR)
    body = new_meeting(demo, 40)
    r = client.post("/api/v1/meetings", json={**body, "ends_at": body["starts_at"]}, headers=headers)
    assert r.status_code == 422 and "ends_at" in r.json()["error"]["fields"]
    past = at_local(local_day(-3))
    r = client.post(
        "/api/v1/meetings",
        json={**body, "starts_at": past.isoformat(), "ends_at": (past + timedelta(hours=1)).isoformat()},
        headers=headers,
    )
    assert r.status_code == 422 and "starts_at" in r.json()["error"]["fields"]
    naive = client.post(
        "/api/v1/meetings", json={**body, "starts_at": "2030-01-10T19:00:00"}, headers=headers
    ).json()
    assert "tidszone" in naive["error"]["fields"]["starts_at"]


def test_who_may_schedule(client: TestClient, demo: Database) -> None:
    body = new_meeting(demo, 40)
    assert (
        client.post(
            "/api/v1/meetings", json={**body, "board_id": 999999}, headers=api_token(demo, CHAIR)
        ).status_code
        == 404
    )
    # A member of another department's board: the board is not theirs → 404.
    assert (
        client.post("/api/v1/meetings", json=body, headers=api_token(demo, MEMBER_SOEBAKKEN)).status_code
        == 404
    )
    # The treasurer sits on the board but does not call meetings → 403.
    r = client.post("/api/v1/meetings", json=body, headers=api_token(demo, TREASURER))
    assert r.status_code == 403
    assert client.post("/api/v1/meetings", content=b"[1]", headers=api_token(demo, CHAIR)).status_code == 400
    bad = client.post(
        "/api/v1/meetings",
        content=b"{nope",
        headers={**api_token(demo, CHAIR), "content-type": "application/json"},
    )
    assert bad.status_code == 400


@pytest.mark.postgres
def test_listing_by_board_and_time(client: TestClient, demo: Database) -> None:
    chair = api_token(demo, CHAIR)
    engparken = board_id(demo)
    everything = client.get("/api/v1/meetings", headers=chair).json()
    assert everything["next"] is None
    assert {m["board_id"] for m in everything["items"]} >= {engparken}
    mine = client.get(f"/api/v1/meetings?board_id={engparken}", headers=chair).json()["items"]
    assert mine and all(m["board_id"] == engparken for m in mine)
    soon = client.get(
        f"/api/v1/meetings?board_id={engparken}&from={local_day(0).isoformat()}&to={local_day(20).isoformat()}",
        headers=chair,
    ).json()["items"]
    assert 0 < len(soon) < len(mine)
    assert all(local_day(0).isoformat() <= m["starts_at"][:10] <= local_day(20).isoformat() for m in soon)
    assert client.get("/api/v1/meetings?from=igår", headers=chair).status_code == 400
    assert client.get("/api/v1/meetings?from=2027-01-01T10:00", headers=chair).status_code == 400
    # Søbakken's member sees nothing of Engparken's board.
    other = client.get(f"/api/v1/meetings?board_id={engparken}", headers=api_token(demo, MEMBER_SOEBAKKEN))
    assert other.json()["items"] == []


@pytest.mark.postgres
def test_a_resident_sees_announced_meetings_of_their_department_and_its_board(
    client: TestClient, demo: Database
) -> None:
    resident = api_token(demo, RESIDENT)
    listed = client.get("/api/v1/meetings", headers=resident).json()["items"]
    # The announced department meeting and the department board's held (announced) meeting; not the
    # board's planned meetings, not the committee's, not Søbakken's.
    assert sorted((m["kind"], m["board_id"]) for m in listed) == [
        ("board", board_id(demo)),
        ("ordinary_department", board_id(demo)),
    ]
    assert all(m["invited_at"] is not None for m in listed)
    meeting_id, _item = closed_item(demo)  # the board's next meeting: not announced yet
    assert client.get(f"/api/v1/meetings/{meeting_id}", headers=resident).status_code == 404
    dept = department_meeting(demo)
    assert client.get(f"/api/v1/meetings/{dept}", headers=resident).status_code == 200
    assert (
        client.get(f"/api/v1/meetings/{dept}", headers=api_token(demo, RESIDENT_SOEBAKKEN)).status_code == 404
    )


def test_patch_changing_the_time_raises_the_sequence(client: TestClient, demo: Database) -> None:
    headers = api_token(demo, CHAIR)
    m = client.post("/api/v1/meetings", json=new_meeting(demo, 50), headers=headers).json()
    r = client.patch(
        f"/api/v1/meetings/{m['id']}", json={"title": "Bestyrelsesmøde (flyttet)"}, headers=headers
    )
    assert (
        r.status_code == 200
        and r.json()["sequence"] == 0
        and r.json()["title"] == "Bestyrelsesmøde (flyttet)"
    )
    same = datetime.fromisoformat(m["starts_at"]).astimezone(UTC).isoformat().replace("+00:00", "Z")
    r = client.patch(f"/api/v1/meetings/{m['id']}", json={"starts_at": same}, headers=headers)
    assert r.status_code == 200 and r.json()["sequence"] == 0  # the same moment in UTC is no change
    later = at_local(local_day(51), 18, 30)
    r = client.patch(
        f"/api/v1/meetings/{m['id']}",
        json={"starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=2)).isoformat()},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["sequence"] == 1
    assert datetime.fromisoformat(r.json()["starts_at"]) == later
    r = client.patch(f"/api/v1/meetings/{m['id']}", json={"room": "Kælderen"}, headers=headers)
    assert r.json()["sequence"] == 2  # a new room is a new place
    r = client.patch(f"/api/v1/meetings/{m['id']}", json={"kind": "committee"}, headers=headers)
    assert r.status_code == 422 and "kind" in r.json()["error"]["fields"]
    r = client.patch(f"/api/v1/meetings/{m['id']}", json={"title": "x"}, headers=api_token(demo, TREASURER))
    assert r.status_code == 403
    r = client.patch(
        f"/api/v1/meetings/{m['id']}", json={"title": "x"}, headers=api_token(demo, MEMBER_SOEBAKKEN)
    )
    assert r.status_code == 404


@pytest.mark.postgres
def test_cancel_needs_a_reason_and_happens_once(client: TestClient, demo: Database) -> None:
    headers = api_token(demo, CHAIR)
    m = client.post("/api/v1/meetings", json=new_meeting(demo, 50), headers=headers).json()
    r = client.post(f"/api/v1/meetings/{m['id']}/cancel", json={}, headers=headers)
    assert r.status_code == 422 and "reason" in r.json()["error"]["fields"]
    r = client.post(
        f"/api/v1/meetings/{m['id']}/cancel", json={"reason": "Formanden er syg."}, headers=headers
    )
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled" and r.json()["sequence"] == 1
    assert r.json()["cancel_reason"] == "Formanden er syg."
    r = client.post(f"/api/v1/meetings/{m['id']}/cancel", json={"reason": "Igen"}, headers=headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "already_cancelled"
    r = client.patch(f"/api/v1/meetings/{m['id']}", json={"title": "Alligevel"}, headers=headers)
    assert r.status_code == 422


def test_timeline_shape(client: TestClient, demo: Database) -> None:
    headers = api_token(demo, CHAIR)
    timeline = client.get(f"/api/v1/meetings/{department_meeting(demo)}/timeline", headers=headers).json()
    assert set(timeline) == {"notice_by", "proposals_due", "material_due", "minutes_due"}
    for mark in timeline.values():
        assert set(mark) == {"due", "date", "status"}
        assert mark["status"] in ("done", "upcoming", "due_today", "overdue")
    board = client.get(f"/api/v1/meetings/{closed_item(demo)[0]}/timeline", headers=headers).json()
    assert "proposals_due" not in board


@pytest.mark.postgres
def test_agenda_crud_and_order(client: TestClient, demo: Database) -> None:
    headers = api_token(demo, CHAIR)
    m = client.post("/api/v1/meetings", json=new_meeting(demo, 70), headers=headers).json()
    url = f"/api/v1/meetings/{m['id']}/agenda-items"
    r = client.post(
        url,
        json={
            "title": "Vinduesudskiftning",
            "description": "Tilbud fra to firmaer.",
            "kind": "decision",
            "position": 2,
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["position"] == 2 and new["kind"] == "decision" and new["closed"] is False
    titles = [i["title"] for i in client.get(url, headers=headers).json()["items"]]
    assert titles[:3] == [
        "Godkendelse af dagsorden",
        "Vinduesudskiftning",
        "Godkendelse af referat fra sidste møde",
    ]
    r = client.patch(
        f"/api/v1/agenda-items/{new['id']}", json={"position": 5, "closed": True}, headers=headers
    )
    assert r.status_code == 200 and r.json()["position"] == 5 and r.json()["closed"] is True
    items = client.get(url, headers=headers).json()["items"]
    assert [i["position"] for i in items] == list(range(1, len(items) + 1))
    assert items[4]["id"] == new["id"]
    assert client.post(url, json={"title": "x", "kind": "vote"}, headers=headers).status_code == 422
    assert client.post(url, json={"title": ""}, headers=headers).status_code == 422
    assert client.post(url, json={"title": "x", "closed": "ja"}, headers=headers).status_code == 422
    assert client.post(url, json={"title": "x"}, headers=api_token(demo, TREASURER)).status_code == 403
    assert (
        client.delete(f"/api/v1/agenda-items/{new['id']}", headers=api_token(demo, TREASURER)).status_code
        == 403
    )
    assert client.delete(f"/api/v1/agenda-items/{new['id']}", headers=headers).status_code == 204
    items = client.get(url, headers=headers).json()["items"]
    assert new["id"] not in [i["id"] for i in items]
    assert [i["position"] for i in items] == list(range(1, len(items) + 1))
    assert client.delete(f"/api/v1/agenda-items/{new['id']}", headers=headers).status_code == 404


def upload(
    client: TestClient,
    headers: dict[str, str],
    item_id: int,
    name: str,
    data: bytes,
    ctype: str = "application/octet-stream",
) -> httpx.Response:
    return client.post(
        f"/api/v1/agenda-items/{item_id}/attachments", files={"file": (name, data, ctype)}, headers=headers
    )


def test_attachments_are_judged_by_content(client: TestClient, demo: Database) -> None:
    headers = api_token(demo, CHAIR)
    meeting_id, _closed = closed_item(demo)
    item_id = client.get(f"/api/v1/meetings/{meeting_id}/agenda-items", headers=headers).json()["items"][0][
        "id"
    ]
    pdf = pdf_bytes(3)
    r = upload(client, headers, item_id, "Tilbud på vinduer.pdf", pdf, "application/pdf")
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["filename"], body["content_type"], body["pages"]) == (
        "Tilbud på vinduer.pdf",
        "application/pdf",
        3,
    )
    got = client.get(f"/api/v1/attachments/{body['id']}", headers=headers)
    assert got.status_code == 200 and len(PdfReader(io.BytesIO(got.content)).pages) == 3  # the cleaned copy
    assert client.get(f"/api/v1/attachments/{body['id']}?download=1", headers=headers).content == pdf
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"].startswith("inline;")
    assert "UTF-8''Tilbud%20p%C3%A5%20vinduer.pdf" in got.headers["content-disposition"]
    assert got.headers["x-content-type-options"] == "nosniff"
    # A ".pdf" that is not a PDF, and a PNG calling itself a JPEG.
    r = upload(client, headers, item_id, "faktura.pdf", b"MZ\x90\x00 this is a program", "application/pdf")
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media_type"
    assert upload(client, headers, item_id, "foto.jpg", png_bytes(), "image/jpeg").status_code == 415
    assert upload(client, headers, item_id, "tom.pdf", b"").status_code == 415
    # Images by content, whatever the client declared.
    for name, data, ctype in (
        ("foto.png", png_bytes(), "image/png"),
        ("kamera.jpeg", jpeg_bytes(), "image/jpeg"),
        ("IMG_0001.HEIC", heic_bytes(), "image/heic"),
    ):
        r = upload(client, headers, item_id, name, data)
        assert r.status_code == 201 and r.json()["content_type"] == ctype and r.json()["pages"] is None
    # Other files are kept and listed, but never served inline.
    zip_doc = b"PK\x03\x04" + b"\x00" * 100
    r = upload(client, headers, item_id, "referat.docx", zip_doc)
    assert r.status_code == 201 and r.json()["content_type"] == "application/octet-stream"
    got = client.get(f"/api/v1/attachments/{r.json()['id']}", headers=headers)
    assert got.content == zip_doc
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-disposition"].startswith("attachment;")
    # Even an HTML page cannot be served as a page.
    r = upload(client, headers, item_id, "side.html", b"<script>alert(1)</script>", "text/html")
    got = client.get(f"/api/v1/attachments/{r.json()['id']}", headers=headers)
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-disposition"].startswith("attachment;")
    listed = client.get(f"/api/v1/meetings/{meeting_id}/agenda-items", headers=headers).json()["items"][0]
    assert len(listed["attachments"]) == 6
    assert client.post(f"/api/v1/agenda-items/{item_id}/attachments", headers=headers).status_code == 422


def test_broken_pdfs_are_kept_without_a_page_count_and_locked_ones_refused(
    client: TestClient, demo: Database
) -> None:
    headers = api_token(demo, CHAIR)
    meeting_id, _closed = closed_item(demo)
    item_id = client.get(f"/api/v1/meetings/{meeting_id}/agenda-items", headers=headers).json()["items"][0][
        "id"
    ]
    r = upload(client, headers, item_id, "låst.pdf", pdf_bytes(2, password="hemmelig"))
    assert r.status_code == 415 and r.json()["error"]["code"] == "pdf_locked"
    assert "uden adgangskode" in r.json()["error"]["message"]
    r = upload(client, headers, item_id, "i stykker.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 50)
    assert r.status_code == 201 and r.json()["pages"] is None


def test_too_large_is_413(client: TestClient, demo: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(attachments, "MAX_BYTES", 4096)
    headers = api_token(demo, CHAIR)
    meeting_id, _closed = closed_item(demo)
    item_id = client.get(f"/api/v1/meetings/{meeting_id}/agenda-items", headers=headers).json()["items"][0][
        "id"
    ]
    r = upload(client, headers, item_id, "stor.pdf", pdf_bytes(1) + b"%" * 5000)
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    r = upload(client, headers, item_id, "stor.bin", b"\x01" * 5000)
    assert r.status_code == 413


def test_closed_items_and_their_files_stay_with_the_sitting_board(client: TestClient, demo: Database) -> None:
    chair = api_token(demo, CHAIR)
    meeting_id, closed_id = closed_item(demo)
    r = upload(client, chair, closed_id, "personale.pdf", pdf_bytes(1))
    assert r.status_code == 201
    secret = r.json()["id"]
    assert client.get(f"/api/v1/attachments/{secret}", headers=chair).status_code == 200
    assert client.get(f"/api/v1/attachments/{secret}", headers=api_token(demo, TREASURER)).status_code == 200
    # Another department's board member: 404, as if it did not exist.
    medlem = api_token(demo, MEMBER_SOEBAKKEN)
    assert client.get(f"/api/v1/attachments/{secret}", headers=medlem).status_code == 404
    assert client.get(f"/api/v1/meetings/{meeting_id}/agenda-items", headers=medlem).status_code == 404
    # A substitute of Engparken sees the meeting but not the closed item.
    substitute = api_token(demo, email_of_role(demo, ENGPARKEN, "substitute"))
    items = client.get(f"/api/v1/meetings/{meeting_id}/agenda-items", headers=substitute).json()["items"]
    assert items and closed_id not in [i["id"] for i in items]
    assert client.get(f"/api/v1/attachments/{secret}", headers=substitute).status_code == 404
    assert (
        client.patch(f"/api/v1/agenda-items/{closed_id}", json={"title": "x"}, headers=substitute).status_code
        == 404
    )


def test_residents_see_public_items_of_their_department_meeting(client: TestClient, demo: Database) -> None:
    chair = api_token(demo, CHAIR)
    dept = department_meeting(demo)
    url = f"/api/v1/meetings/{dept}/agenda-items"
    closed = client.post(url, json={"title": "Sag om en lejer", "closed": True}, headers=chair).json()
    public_item = client.get(url, headers=chair).json()["items"][2]
    public_file = upload(client, chair, public_item["id"], "beretning.pdf", pdf_bytes(2)).json()
    closed_file = upload(client, chair, closed["id"], "sag.pdf", pdf_bytes(1)).json()
    resident = api_token(demo, RESIDENT)
    items = client.get(url, headers=resident).json()["items"]
    # The closed item keeps its number as "Lukket punkt" and shows nothing else; "Eventuelt" stays last.
    assert len(items) == 10 and closed["id"] not in [i["id"] for i in items]
    assert items[8] == {**items[8], "position": 9, "title": "Lukket punkt", "redacted": True, "kind": None}
    assert "Sag om en lejer" not in str(items) and items[9]["title"] == "Eventuelt"
    assert client.get(f"/api/v1/attachments/{public_file['id']}", headers=resident).status_code == 200
    assert client.get(f"/api/v1/attachments/{closed_file['id']}", headers=resident).status_code == 404
    assert client.post(url, json={"title": "Mit punkt"}, headers=resident).status_code == 403
    outsider = api_token(demo, RESIDENT_SOEBAKKEN)
    assert client.get(f"/api/v1/attachments/{public_file['id']}", headers=outsider).status_code == 404
