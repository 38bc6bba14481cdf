"""Proposals through the pages and the API: status codes, messages, and nothing typed is lost."""

from __future__ import annotations

import html
import io
from typing import Any

from pypdf import PdfReader
from sqlalchemy import func, select
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.core.models import OutboxEmail
from boardkit.meetings.models import AgendaItem, Attachment, Proposal
from tests.helpers import api_token, csrf_from, login_as
from tests.meetings.proposals.proposal_env import (
    ADMIN,
    CHAIR,
    OUTSIDER,
    PDF,
    PNG,
    RESIDENT,
    TREASURER,
    create_meeting,
)

TITLE = "Hundeluftning på græsplænen"
TEXT = "Afdelingsmødet beslutter, at hunde <ikke> må luftes på græsplænen.\nBaggrund: ½ af os ønsker det."


def count(db: Database, model: Any) -> int:
    with db.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def post_form(
    client: TestClient,
    path: str,
    data: dict[str, Any],
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
) -> Any:
    csrf = csrf_from(client.get(path).text)
    return client.post(path, data={**data, "csrf_token": csrf}, files=files)


def test_a_resident_submits_on_the_page_and_sees_it_in_the_list(client: TestClient, demo: Database) -> None:
    meeting_id = create_meeting(demo, days=50)
    login_as(client, demo, RESIDENT)
    page = client.get(f"/meetings/{meeting_id}/proposals")
    assert page.status_code == 200
    assert "Fristen for forslag er " in page.text and "kl. 23.59" in page.text
    assert "Der er ikke kommet nogen forslag endnu." in page.text
    r = post_form(
        client,
        f"/meetings/{meeting_id}/proposals",
        {"title": TITLE, "text": TEXT},
        files=[("file", ("skitse.pdf", PDF, "application/pdf"))],
    )
    assert r.status_code == 200 and r.history[0].status_code == 303
    assert "Tak. Vi har modtaget dit forslag" in r.text
    assert TITLE in r.text and "Mads Højgaard Frølund" in r.text and "Modtaget" in r.text
    with demo.transaction() as s:
        proposal = s.scalar(select(Proposal))
        assert proposal is not None and proposal.text == TEXT
        attachment = s.scalar(select(Attachment))
        assert attachment is not None and attachment.proposal_id == proposal.id and attachment.pages == 1
        pid, aid = proposal.id, attachment.id
    detail = client.get(f"/proposals/{pid}")
    assert detail.status_code == 200 and html.escape(TEXT, quote=False) in detail.text
    assert "Ret forslaget" in detail.text and "Behandl forslaget" not in detail.text
    file = client.get(f"/proposals/{pid}/files/{aid}")  # read in the browser: the cleaned copy
    assert file.status_code == 200 and len(PdfReader(io.BytesIO(file.content)).pages) == 1
    assert file.headers["content-type"] == "application/pdf"
    assert client.get(f"/proposals/{pid}/files/{aid}?download=1").content == PDF
    assert count(demo, OutboxEmail) == 1


def test_after_the_deadline_the_form_refuses_and_keeps_the_text(client: TestClient, demo: Database) -> None:
    meeting_id = create_meeting(demo, days=10)  # the deadline was 4 days ago
    login_as(client, demo, RESIDENT)
    page = client.get(f"/meetings/{meeting_id}/proposals")
    assert "Fristen for forslag er udløbet" in page.text
    assert 'name="title"' not in page.text  # no form to fill in vain
    # Someone who opened the form in time sends it too late.
    csrf = csrf_from(page.text)
    r = client.post(
        f"/meetings/{meeting_id}/proposals", data={"title": TITLE, "text": TEXT, "csrf_token": csrf}
    )
    assert r.status_code == 422
    assert "Fristen for forslag til “Ordinært afdelingsmøde”" in r.text
    assert "Næste ordinære afdelingsmøde er " in r.text  # the demo's meeting ~6 weeks ahead
    assert f'value="{html.escape(TITLE)}"' in r.text
    assert html.escape(TEXT, quote=False) in r.text.replace("&#34;", '"').replace("&#39;", "'")
    assert count(demo, Proposal) == 0 and count(demo, OutboxEmail) == 0


def test_bad_files_and_fields_keep_what_was_typed(client: TestClient, demo: Database) -> None:
    meeting_id = create_meeting(demo, days=50)
    login_as(client, demo, RESIDENT)
    path = f"/meetings/{meeting_id}/proposals"
    r = post_form(
        client,
        path,
        {"title": TITLE, "text": TEXT},
        files=[("file", ("forslag.pdf", b"<html>", "application/pdf"))],
    )
    assert r.status_code == 415
    assert "er ikke en PDF-fil" in r.text and f'value="{html.escape(TITLE)}"' in r.text
    big = PDF + b"0" * (20 * 1024 * 1024)
    r = post_form(
        client, path, {"title": TITLE, "text": TEXT}, files=[("file", ("stor.pdf", big, "application/pdf"))]
    )
    assert (
        r.status_code == 413 and "højst fylde 20 MB" in r.text and f'value="{html.escape(TITLE)}"' in r.text
    )
    r = post_form(client, path, {"title": "", "text": TEXT})
    assert r.status_code == 422 and "Skriv en overskrift på forslaget." in r.text
    assert 'href="#title"' in r.text and "hunde &lt;ikke&gt; må" in r.text
    assert count(demo, Proposal) == 0 and count(demo, Attachment) == 0


def test_who_sees_the_pages(client: TestClient, demo: Database) -> None:
    meeting_id = create_meeting(demo, days=50)
    board_meeting = create_meeting(demo, days=50, kind="board")
    login_as(client, demo, RESIDENT)
    post_form(client, f"/meetings/{meeting_id}/proposals", {"title": TITLE, "text": TEXT})
    with demo.transaction() as s:
        pid = s.scalar(select(Proposal.id))

    login_as(client, demo, OUTSIDER)
    assert client.get(f"/meetings/{meeting_id}/proposals").status_code == 404
    assert client.get(f"/proposals/{pid}").status_code == 404

    login_as(client, demo, ADMIN)
    page = client.get(f"/meetings/{meeting_id}/proposals")
    assert page.status_code == 200 and TITLE in page.text
    assert "Kun beboere i afdelingen kan stille forslag" in page.text and 'name="text"' not in page.text
    r = client.post(
        f"/meetings/{meeting_id}/proposals",
        data={"title": "x", "text": "y", "csrf_token": csrf_from(page.text)},
    )
    assert r.status_code == 403 and "Kun beboere i afdelingen" in r.text

    login_as(client, demo, CHAIR)
    assert client.get(f"/meetings/{board_meeting}/proposals").status_code == 404
    detail = client.get(f"/proposals/{pid}")
    assert "Behandl forslaget" in detail.text and "Ret forslaget" not in detail.text


def test_the_board_triages_on_the_page(client: TestClient, demo: Database) -> None:
    meeting_id = create_meeting(demo, days=50)
    login_as(client, demo, RESIDENT)
    post_form(client, f"/meetings/{meeting_id}/proposals", {"title": TITLE, "text": TEXT})
    with demo.transaction() as s:
        pid = s.scalar(select(Proposal.id))

    login_as(client, demo, TREASURER)  # on the board, but neither chair nor administration
    csrf = csrf_from(client.get(f"/proposals/{pid}").text)
    r = client.post(f"/proposals/{pid}/decision", data={"status": "accepted", "csrf_token": csrf})
    assert r.status_code == 403

    login_as(client, demo, CHAIR)
    path = f"/proposals/{pid}"
    csrf = csrf_from(client.get(path).text)
    r = client.post(f"{path}/decision", data={"status": "rejected", "reason": " ", "csrf_token": csrf})
    assert r.status_code == 422 and "Skriv en begrundelse for afvisningen" in r.text
    r = client.post(
        f"{path}/decision",
        data={"status": "needs_clarification", "reason": "Hvilken plæne?", "csrf_token": csrf},
    )
    assert r.status_code == 200 and "Forslagsstilleren er bedt om at uddybe" in r.text
    assert "Hvilken plæne?" in r.text and "Skal uddybes" in r.text

    login_as(client, demo, RESIDENT)  # the proposer sees the question and answers it
    page = client.get(path)
    assert "Bestyrelsen beder om en uddybning" in page.text and "Hvilken plæne?" in page.text
    r = client.post(
        path, data={"title": TITLE + " ved nr. 12", "text": TEXT, "csrf_token": csrf_from(page.text)}
    )
    assert r.status_code == 200 and "Dit forslag er rettet." in r.text

    login_as(client, demo, CHAIR)
    csrf = csrf_from(client.get(path).text)
    r = client.post(f"{path}/decision", data={"status": "accepted", "reason": "", "csrf_token": csrf})
    assert r.status_code == 200 and "Forslaget er sat på dagsordenen" in r.text
    assert "Punkt 5: Forslag: Hundeluftning på græsplænen ved nr. 12" in r.text
    r = client.post(f"{path}/decision", data={"status": "rejected", "reason": "nej", "csrf_token": csrf})
    assert r.status_code == 409 and "allerede behandlet" in r.text
    with demo.transaction() as s:
        item = s.scalar(select(AgendaItem).where(AgendaItem.proposal_id == pid))
        assert item is not None and item.position == 5
        templates = sorted(s.scalars(select(OutboxEmail.template)))
    assert templates == ["proposal_accepted", "proposal_needs_clarification", "proposal_received"]


def test_the_api(client: TestClient, demo: Database) -> None:
    open_id = create_meeting(demo, days=50)
    closed_id = create_meeting(demo, days=10)
    board_meeting = create_meeting(demo, days=50, kind="board")
    resident = api_token(demo, RESIDENT)

    r = client.post(
        f"/api/v1/meetings/{open_id}/proposals", json={"title": TITLE, "text": TEXT}, headers=resident
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["status"] == "received" and created["proposer"]["name"] == "Mads Højgaard Frølund"
    assert created["url"].endswith(f"/proposals/{created['id']}")

    r = client.post(
        f"/api/v1/meetings/{open_id}/proposals",
        data={"title": "Med bilag", "text": "Ja eller nej?"},
        files=[("file", ("plan.png", PNG, "image/png"))],
        headers=resident,
    )
    assert r.status_code == 201 and r.json()["attachments"][0]["content_type"] == "image/png"
    url = r.json()["attachments"][0]["url"]
    assert client.get(url, headers=resident).content == PNG

    bad = client.post(
        f"/api/v1/meetings/{open_id}/proposals",
        data={"title": "Forklædt", "text": "x"},
        files=[("file", ("forslag.pdf", b"GIF89a....", "application/pdf"))],
        headers=resident,
    )
    assert bad.status_code == 415 and bad.json()["error"]["code"] == "unsupported_media_type"
    big = client.post(
        f"/api/v1/meetings/{open_id}/proposals",
        data={"title": "Stor", "text": "x"},
        files=[("file", ("stor.png", PNG + b"0" * (20 * 1024 * 1024), "image/png"))],
        headers=resident,
    )
    assert big.status_code == 413 and big.json()["error"]["code"] == "too_large"

    late = client.post(
        f"/api/v1/meetings/{closed_id}/proposals", json={"title": TITLE, "text": TEXT}, headers=resident
    )
    assert late.status_code == 422
    error = late.json()["error"]
    assert error["code"] == "deadline_passed" and "Næste ordinære afdelingsmøde er" in error["message"]
    assert isinstance(error["fields"]["next_meeting_id"], int)

    invalid = client.post(
        f"/api/v1/meetings/{open_id}/proposals", json={"title": 5, "text": ""}, headers=resident
    )
    assert invalid.status_code == 422 and set(invalid.json()["error"]["fields"]) == {"title"}
    invalid = client.post(
        f"/api/v1/meetings/{open_id}/proposals", json={"title": "", "text": ""}, headers=resident
    )
    assert set(invalid.json()["error"]["fields"]) == {"title", "text"}
    assert client.post(f"/api/v1/meetings/{open_id}/proposals", json=[1], headers=resident).status_code == 400

    outsider = api_token(demo, OUTSIDER)
    assert client.get(f"/api/v1/meetings/{open_id}/proposals", headers=outsider).status_code == 404
    r = client.post(
        f"/api/v1/meetings/{open_id}/proposals", json={"title": "x", "text": "y"}, headers=outsider
    )
    assert r.status_code == 404
    admin = api_token(demo, ADMIN)
    r = client.post(f"/api/v1/meetings/{open_id}/proposals", json={"title": "x", "text": "y"}, headers=admin)
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_a_resident"
    r = client.get(f"/api/v1/meetings/{board_meeting}/proposals", headers=api_token(demo, CHAIR))
    assert r.status_code == 404

    listing = client.get(f"/api/v1/meetings/{open_id}/proposals", headers=resident).json()
    assert [p["title"] for p in listing["items"]] == [TITLE, "Med bilag"]
    assert listing["open"] is True and listing["may_propose"] is True and listing["proposals_due"]

    chair = api_token(demo, CHAIR)
    pid = created["id"]
    r = client.post(f"/api/v1/proposals/{pid}/decision", json={"status": "rejected"}, headers=chair)
    assert r.status_code == 422 and "reason" in r.json()["error"]["fields"]
    r = client.post(f"/api/v1/proposals/{pid}/decision", json={"status": "accepted"}, headers=resident)
    assert r.status_code == 403
    r = client.post(
        f"/api/v1/proposals/{pid}/decision", json={"status": "rejected", "reason": "Nej tak"}, headers=chair
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected" and r.json()["reason"] == "Nej tak"
    r = client.post(f"/api/v1/proposals/{pid}/decision", json={"status": "accepted"}, headers=chair)
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_decided"
    other = listing["items"][1]["id"]
    r = client.post(
        f"/api/v1/proposals/{other}/decision", json={"status": "accepted", "reason": ""}, headers=admin
    )
    assert r.status_code == 200 and isinstance(r.json()["agenda_item_id"], int)

    # Other residents see the status; the proposer, the board and the administration see why.
    assert (
        client.get(f"/api/v1/proposals/{pid}", headers=api_token(demo, TREASURER)).json()["reason"]
        == "Nej tak"
    )
    assert client.get(f"/api/v1/proposals/{pid}", headers=resident).json()["reason"] == "Nej tak"
    assert client.get(f"/api/v1/proposals/{pid}", headers=outsider).status_code == 404
    r = client.post(
        f"/api/v1/meetings/{open_id}/proposals", json={"title": "Fra formanden", "text": "Ja?"}, headers=chair
    )
    theirs = r.json()["id"]
    client.post(
        f"/api/v1/proposals/{theirs}/decision",
        json={"status": "rejected", "reason": "Inhabil"},
        headers=admin,
    )
    seen = client.get(f"/api/v1/proposals/{theirs}", headers=resident).json()
    assert seen["status"] == "rejected" and seen["reason"] is None

    spec = client.get("/api/v1/openapi.json").json()
    assert "/meetings/{meeting_id}/proposals" in spec["paths"] and "Proposal" in spec["components"]["schemas"]
