"""The meeting pages: calling a meeting (with the notice warning), the meeting page, agenda editing, files."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import func, select
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.core.models import AuditEntry, OutboxEmail
from boardkit.core.templating import TZ
from boardkit.meetings.models import AgendaItem, Attachment, Meeting
from boardkit.meetings.service import BOARD_AGENDA
from tests.helpers import csrf_from, login_as
from tests.meetings.meeting_env import (
    CHAIR,
    ENGPARKEN,
    MEMBER_SOEBAKKEN,
    RESIDENT,
    TREASURER,
    board_id,
    closed_item,
    department_meeting,
    email_of_role,
    local_day,
    make_meeting,
    pdf_bytes,
    png_bytes,
)


def form(client: TestClient, path: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": csrf_from(client.get(path).text), **fields}


def meeting_form(client: TestClient, path: str, days: int, **fields: str) -> dict[str, str]:
    defaults = {
        "title": "Bestyrelsesmøde",
        "kind": "board",
        "date": local_day(days).isoformat(),
        "start": "19:00",
        "end": "21:00",
        "location": "Fælleshuset, Engparken 2",
        "room": "",
        "online_url": "",
        "description": "",
    }
    return form(client, path, **{**defaults, **fields})


def meeting_by_title(db: Database, title: str) -> Meeting | None:
    with db.transaction() as s:
        return s.scalars(select(Meeting).where(Meeting.title == title)).one_or_none()


def test_chair_calls_a_board_meeting_from_the_dashboard(client: TestClient, demo: Database) -> None:
    login_as(client, demo, CHAIR)
    dashboard = client.get("/").text
    new_url = f"/boards/{board_id(demo)}/meetings/new"
    assert new_url in dashboard and "/timeline" in dashboard
    page = client.get(new_url)
    assert page.status_code == 200
    kinds = re.findall(r'<option value="([a-z_]+)"', page.text)
    assert kinds == ["board", "ordinary_department", "extraordinary_department"]
    data = meeting_form(client, new_url, 30, title="Bestyrelsesmøde om haven", room="Lokale 2")
    r = client.post(new_url, data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    meeting = meeting_by_title(demo, "Bestyrelsesmøde om haven")
    assert meeting is not None
    assert r.headers["location"] == f"/meetings/{meeting.id}"
    local = meeting.starts_at.astimezone(TZ)
    assert (local.date(), local.hour, local.minute) == (local_day(30), 19, 0)
    assert meeting.ends_at - meeting.starts_at == timedelta(hours=2)
    page = client.get(r.headers["location"]).text
    assert "Mødet er oprettet" in page
    assert "Fælleshuset, Engparken 2, Lokale 2" in page
    for title, _kind, _role in BOARD_AGENDA:
        assert title in page
    assert "Se det forrige møde" in page
    assert "Indkaldelse udsendt senest" in page and "Kommende" in page


def test_the_treasurer_sees_no_new_meeting_button_and_may_not_call(
    client: TestClient, demo: Database
) -> None:
    login_as(client, demo, TREASURER)
    new_url = f"/boards/{board_id(demo)}/meetings/new"
    assert new_url not in client.get("/").text
    assert client.get(new_url).status_code == 403
    login_as(client, demo, MEMBER_SOEBAKKEN)
    assert client.get(new_url).status_code == 404


def test_bad_input_keeps_what_was_typed(client: TestClient, demo: Database) -> None:
    login_as(client, demo, CHAIR)
    new_url = f"/boards/{board_id(demo)}/meetings/new"
    data = meeting_form(client, new_url, 20, title="Møde med en lang dagsorden", start="21:00", end="19:00")
    r = client.post(new_url, data=data)
    assert r.status_code == 422
    assert "Mødet skal slutte efter det starter." in r.text
    assert 'value="Møde med en lang dagsorden"' in r.text
    assert 'href="#end"' in r.text  # the error summary points at the field
    data = meeting_form(client, new_url, 20, date="31-02-2027", start="kl 7")
    r = client.post(new_url, data=data)
    assert r.status_code == 422
    assert 'href="#date"' in r.text and 'href="#start"' in r.text
    data = meeting_form(client, new_url, -2)
    assert "fortiden" in client.post(new_url, data=data).text
    data = meeting_form(client, new_url, 20, kind="committee")
    assert client.post(new_url, data=data).status_code == 422
    assert meeting_by_title(demo, "Møde med en lang dagsorden") is None


def test_short_notice_warns_and_the_override_is_audited(client: TestClient, demo: Database) -> None:
    login_as(client, demo, CHAIR)
    new_url = f"/boards/{board_id(demo)}/meetings/new"
    # In the afternoon: the demo board may meet that evening (a clash is asked about after the notice).
    fields = {
        "title": "Ekstra afdelingsmøde om budget",
        "kind": "ordinary_department",
        "start": "16:00",
        "end": "18:00",
    }
    r = client.post(new_url, data=meeting_form(client, new_url, 10, **fields))
    assert r.status_code == 422
    assert "Varslet er kortere end vedtægterne kræver" in r.text
    assert "Indkald alligevel med kortere varsel" in r.text
    assert 'value="Ekstra afdelingsmøde om budget"' in r.text
    r = client.post(new_url, data=meeting_form(client, new_url, 10, override_notice="1", **fields))
    assert r.status_code == 422
    assert "Skriv, hvorfor mødet indkaldes med kortere varsel." in r.text
    assert meeting_by_title(demo, fields["title"]) is None
    reason = "Kommunen kræver budgettet vedtaget inden udgangen af måneden."
    data = meeting_form(client, new_url, 10, override_notice="1", override_reason=reason, **fields)
    r = client.post(new_url, data=data, follow_redirects=False)
    assert r.status_code == 303
    meeting = meeting_by_title(demo, fields["title"])
    assert meeting is not None and meeting.department_id is not None
    with demo.transaction() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "meeting.notice_override")).one()
        assert (entry.object_id, entry.summary) == (meeting.id, reason)
        assert s.scalar(select(func.count()).where(AgendaItem.meeting_id == meeting.id)) == 9
    page = client.get(f"/meetings/{meeting.id}").text
    assert "Indkaldt med kortere varsel" in page and reason in page
    assert "Overskredet" in page  # the notice date has passed and nobody is invited yet


def test_editing_the_time_raises_the_sequence_and_updates_the_invited(
    client: TestClient, demo: Database
) -> None:
    meeting_id = make_meeting(demo, days=40)
    login_as(client, demo, CHAIR)
    edit = f"/meetings/{meeting_id}/edit"
    page = client.get(edit).text
    assert f'value="{local_day(40).isoformat()}"' in page and 'value="19:00"' in page
    r = client.post(
        edit,
        data=meeting_form(
            client, edit, 40, title="Testmøde", location="Fælleshuset", description="Nu med kaffe"
        ),
        follow_redirects=False,
    )
    assert r.status_code == 303
    with demo.transaction() as s:
        assert s.get(Meeting, meeting_id).sequence == 0  # type: ignore[union-attr]
    # Once invited, a new time reaches the invitees as an update.
    from boardkit.meetings.invitations import service as invitations

    with demo.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        invitations.send_invitations(s, meeting=meeting, settings=client.app.state.settings)  # type: ignore[attr-defined]
        before = s.scalar(select(func.count()).select_from(OutboxEmail))
    data = meeting_form(
        client, edit, 41, title="Testmøde", location="Fælleshuset", start="18:30", end="20:30"
    )
    r = client.post(edit, data=data, follow_redirects=False)
    assert r.status_code == 303
    with demo.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None and meeting.sequence == 1
        assert meeting.starts_at.astimezone(TZ).strftime("%H:%M") == "18:30"
        assert s.scalar(select(func.count()).select_from(OutboxEmail)) > before
    assert "De indbudte får besked" in client.get(f"/meetings/{meeting_id}").text


def test_cancelling_needs_a_reason(client: TestClient, demo: Database) -> None:
    meeting_id = make_meeting(demo, days=30)
    login_as(client, demo, CHAIR)
    cancel = f"/meetings/{meeting_id}/cancel"
    r = client.post(cancel, data=form(client, cancel, reason=""))
    assert r.status_code == 422 and "Skriv en begrundelse" in r.text
    r = client.post(cancel, data=form(client, cancel, reason="Vi mangler et lokale."), follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/meetings/{meeting_id}").text
    assert "Mødet er aflyst" in page and "Vi mangler et lokale." in page
    assert f"/meetings/{meeting_id}/edit" not in page  # nothing left to manage
    login_as(client, demo, TREASURER)
    assert client.get(cancel).status_code == 403


def test_agenda_editing_add_move_edit_delete(client: TestClient, demo: Database) -> None:
    meeting_id = make_meeting(demo, days=30)
    login_as(client, demo, CHAIR)
    agenda = f"/meetings/{meeting_id}/agenda"
    r = client.post(
        f"/meetings/{meeting_id}/agenda-items",
        data=form(
            client,
            agenda,
            title="Nye cykelstativer",
            description="Tre tilbud.",
            kind="decision",
            presenter="Søren",
            minutes_allotted="15",
        ),
        follow_redirects=False,
    )
    assert r.status_code == 303
    with demo.transaction() as s:
        items = s.scalars(
            select(AgendaItem).where(AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.position)
        ).all()
        titles = [i.title for i in items]
        new = items[-2]
        assert titles[-1] == "Eventuelt"  # a new item goes before "Eventuelt", which stays last
        assert (new.title, new.kind, new.presenter, new.minutes_allotted) == (
            "Nye cykelstativer",
            "decision",
            "Søren",
            15,
        )
    # Up one step.
    r = client.post(
        f"/agenda-items/{new.id}/move", data=form(client, agenda, direction="up"), follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"].endswith(f"#item-{new.id}")
    with demo.transaction() as s:
        order = s.scalars(
            select(AgendaItem.title).where(AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.position)
        ).all()
    assert order == [*titles[:-3], "Nye cykelstativer", titles[-3], "Eventuelt"]
    assert (
        client.post(
            f"/agenda-items/{new.id}/move", data=form(client, agenda, direction="sideways")
        ).status_code
        == 400
    )
    # Edit: a bad value keeps what was typed.
    edit = f"/agenda-items/{new.id}/edit"
    r = client.post(
        edit, data=form(client, edit, title="Cykelstativer", kind="decision", minutes_allotted="mange")
    )
    assert r.status_code == 422 and 'value="Cykelstativer"' in r.text
    r = client.post(
        edit,
        data=form(client, edit, title="Cykelstativer", kind="discussion", closed="1"),
        follow_redirects=False,
    )
    assert r.status_code == 303
    with demo.transaction() as s:
        item = s.get(AgendaItem, new.id)
        assert item is not None and (item.title, item.kind, item.closed) == (
            "Cykelstativer",
            "discussion",
            True,
        )
    assert "Lukket punkt" in client.get(f"/meetings/{meeting_id}").text
    # Delete.
    r = client.post(f"/agenda-items/{new.id}/delete", data=form(client, edit), follow_redirects=False)
    assert r.status_code == 303
    with demo.transaction() as s:
        positions = s.scalars(
            select(AgendaItem.position)
            .where(AgendaItem.meeting_id == meeting_id)
            .order_by(AgendaItem.position)
        ).all()
    assert positions == list(range(1, len(titles)))
    # Others may not edit.
    login_as(client, demo, TREASURER)
    assert client.get(agenda).status_code == 403
    login_as(client, demo, MEMBER_SOEBAKKEN)
    assert client.get(agenda).status_code == 404


def test_files_on_an_item_by_page(client: TestClient, demo: Database) -> None:
    meeting_id, _closed = closed_item(demo)
    with demo.transaction() as s:
        item_id = s.scalar(
            select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id, AgendaItem.position == 1)
        )
    login_as(client, demo, CHAIR)
    edit = f"/agenda-items/{item_id}/edit"
    token = csrf_from(client.get(edit).text)
    pdf = pdf_bytes(2)
    r = client.post(
        f"/agenda-items/{item_id}/attachments",
        data={"csrf_token": token},
        files={"file": ("Regnskab 2026.pdf", pdf, "application/pdf")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        f"/agenda-items/{item_id}/attachments",
        data={"csrf_token": token},
        files={"file": ("plan.png", png_bytes(), "image/png")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        f"/agenda-items/{item_id}/attachments",
        data={"csrf_token": token},
        files={"file": ("falsk.pdf", b"GIF89a not a pdf", "application/pdf")},
    )
    assert r.status_code == 415 and "falsk.pdf" in r.text and "PDF" in r.text
    r = client.post(f"/agenda-items/{item_id}/attachments", data={"csrf_token": token})
    assert r.status_code == 422 and "Vælg en fil." in r.text
    with demo.transaction() as s:
        files = s.scalars(
            select(Attachment).where(Attachment.agenda_item_id == item_id).order_by(Attachment.id)
        ).all()
        assert [(f.filename, f.pages) for f in files] == [("Regnskab 2026.pdf", 2), ("plan.png", None)]
        pdf_id, png_id = files[0].id, files[1].id
    page = client.get(f"/meetings/{meeting_id}").text
    assert f'href="/attachments/{pdf_id}/view"' in page and "2 sider" in page
    assert f'<img src="/attachments/{png_id}" alt="plan.png"' in page
    got = client.get(f"/attachments/{pdf_id}")  # read in the browser: the cleaned copy, same pages
    assert got.headers["content-disposition"].startswith("inline;")
    assert len(PdfReader(io.BytesIO(got.content)).pages) == 2
    original = client.get(f"/attachments/{pdf_id}?download=1")
    assert original.headers["content-disposition"].startswith("attachment;") and original.content == pdf
    r = client.post(f"/attachments/{png_id}/delete", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert f"/attachments/{png_id}" not in client.get(f"/meetings/{meeting_id}").text
    login_as(client, demo, MEMBER_SOEBAKKEN)
    assert client.get(f"/attachments/{pdf_id}").status_code == 404


def test_who_sees_what_on_the_meeting_page(client: TestClient, demo: Database) -> None:
    meeting_id, _closed = closed_item(demo)
    login_as(client, demo, CHAIR)
    page = client.get(f"/meetings/{meeting_id}").text
    assert "Personalesag" in page and "Lukket punkt" in page
    assert f"/meetings/{meeting_id}/agenda" in page  # the chair may edit
    login_as(client, demo, email_of_role(demo, ENGPARKEN, "substitute"))
    page = client.get(f"/meetings/{meeting_id}")
    assert page.status_code == 200
    assert "Personalesag" not in page.text and "Legepladsen ved Engvænget" in page.text
    assert f"/meetings/{meeting_id}/agenda" not in page.text
    login_as(client, demo, RESIDENT)
    assert client.get(f"/meetings/{meeting_id}").status_code == 404
    dept = client.get(f"/meetings/{department_meeting(demo)}")
    assert dept.status_code == 200 and "Indkomne forslag" in dept.text
    assert "Forslag afleveret senest" in dept.text
    login_as(client, demo, MEMBER_SOEBAKKEN)
    assert client.get(f"/meetings/{meeting_id}").status_code == 404
    assert client.get("/meetings/99999999").status_code == 404
