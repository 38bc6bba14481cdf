"""The keys register: issue and return (409 for someone who never held it, a second return
harmless), codes never stored, a departure's "to return" tasks due in 14 days, closed by the
return or the code change, escalated once to the chair and the administration; the handover's
view names roles, never people."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.app import compose
from boardkit.config import Settings
from boardkit.core.db import Database, utcnow
from boardkit.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from boardkit.core.models import AuditEntry
from boardkit.core.notify import Notice, NoticeDelivery
from boardkit.library import service
from boardkit.library.models import Holding, ReturnTask
from boardkit.org import service as org_service
from tests.helpers import csrf_from, login_as
from tests.library.library_env import CHAIR, RESIDENT, TREASURER, env

pytestmark = pytest.mark.postgres


def test_issue_and_return_with_their_refusals(demo: Database, app_settings: Settings) -> None:
    compose(demo, app_settings)
    e = env(demo)
    with demo.transaction() as s:
        chair = org_service.build_principal(s, person_id=e.chair)
        treasurer = org_service.build_principal(s, person_id=e.treasurer)
        key = service.create_item(
            s,
            principal=chair,
            board_id=e.board_id,
            data=service.ItemInput(
                kind="key", label="Vaskerinøgle", opens="Vaskeriet", number="nøgle 1 af 2"
            ),
        )
        with pytest.raises(Forbidden):
            service.create_item(
                s, principal=treasurer, board_id=e.board_id, data=service.ItemInput("key", "X")
            )
        with pytest.raises(ValidationFailed):  # only board members hold the board's keys
            service.issue(s, principal=chair, item_id=key.id, person_id=e.resident)
        service.issue(s, principal=chair, item_id=key.id, person_id=e.treasurer)
        with pytest.raises(Conflict):  # held by the treasurer: returned first
            service.issue(s, principal=chair, item_id=key.id, person_id=e.chair)
        with pytest.raises(Conflict) as never:
            service.return_item(s, principal=chair, item_id=key.id, person_id=e.chair)
        assert never.value.status == 409 and "aldrig har haft" in never.value.message
        first = service.return_item(s, principal=treasurer, item_id=key.id)  # the holder themselves
        again = service.return_item(s, principal=chair, item_id=key.id, person_id=e.treasurer)
        assert first.id == again.id and again.returned_on is not None
        (view,) = service.list_items(s, principal=treasurer, board_id=e.board_id)
        assert view.state == "returned" and view.holders == []
        resident = org_service.build_principal(s, person_id=e.resident)
        with pytest.raises(NotFound):
            service.list_items(s, principal=resident, board_id=e.board_id)
        with pytest.raises(NotFound):
            service.return_item(s, principal=resident, item_id=key.id)
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("library.%"))).all()
    assert actions == ["library.item_create", "library.item_issue", "library.item_return"]


def test_a_departure_makes_tasks_that_close_and_escalate_once(demo: Database, app_settings: Settings) -> None:
    compose(demo, app_settings)
    e = env(demo)
    left = utcnow() - timedelta(days=20)
    with demo.transaction() as s:
        chair = org_service.build_principal(s, person_id=e.chair)
        key = service.create_item(
            s, principal=chair, board_id=e.board_id, data=service.ItemInput("key", "Nøgle til mødelokalet")
        )
        fob = service.create_item(
            s, principal=chair, board_id=e.board_id, data=service.ItemInput("fob", "Brik til cykelkælderen")
        )
        code = service.create_item(
            s, principal=chair, board_id=e.board_id, data=service.ItemInput("code", "Alarmkode")
        )
        for item in (key, fob, code):
            service.issue(s, principal=chair, item_id=item.id, person_id=e.treasurer)
        service.issue(s, principal=chair, item_id=code.id, person_id=e.chair)
        assert service.mark_departure(s, board_id=e.board_id, person_id=e.treasurer, at=left) == 3
        assert service.mark_departure(s, board_id=e.board_id, person_id=e.treasurer, at=left) == 0
        tasks = s.scalars(select(ReturnTask).order_by(ReturnTask.id)).all()
        assert [t.kind for t in tasks] == ["return", "return", "change"]
        assert all(t.due_at == left + timedelta(days=14) for t in tasks)
        states = {h.label: h.state for h in service.handover_keys(s, board_id=e.board_id)}
        assert states == {
            "Nøgle til mødelokalet": "overdue",
            "Brik til cykelkælderen": "overdue",
            "Alarmkode": "overdue",
        }
        service.return_item(s, principal=chair, item_id=fob.id, person_id=e.treasurer)
    with demo.transaction() as s:
        assert service.escalate_overdue(s, settings=app_settings) == 2  # the fob came back
        assert service.escalate_overdue(s, settings=app_settings) == 0  # once
        notice = s.scalar(select(Notice).where(Notice.kind == "library"))
        assert notice is not None and "Nøgle til mødelokalet" in notice.body and "Alarmkode" in notice.body
        told = set(s.scalars(select(NoticeDelivery.person_id).where(NoticeDelivery.notice_id == notice.id)))
        assert e.chair in told and e.admin in told and e.treasurer not in told
        chair = org_service.build_principal(s, person_id=e.chair)
        service.mark_changed(s, principal=chair, item_id=code.id)
        service.return_item(s, principal=chair, item_id=key.id, person_id=e.treasurer)
        assert s.scalars(select(ReturnTask).where(ReturnTask.closed_at.is_(None))).all() == []
        keys = {k.label: k for k in service.handover_keys(s, board_id=e.board_id)}
        assert keys["Alarmkode"].state == "held" and keys["Alarmkode"].holder_roles == ("chair",)
        assert keys["Alarmkode"].changed_on == org_service.today()
        assert keys["Nøgle til mødelokalet"].state == "returned"
        # The treasurer no longer knows the code; the chair still does.
        knowers = s.scalars(
            select(Holding.person_id).where(Holding.item_id == code.id, Holding.returned_on.is_(None))
        ).all()
        assert knowers == [e.chair]


def test_the_keys_page_registers_and_refuses_clearly(
    client: TestClient, demo: Database, app_settings: Settings
) -> None:
    compose(demo, app_settings)
    e = env(demo)
    page = f"/boards/{e.board_id}/keys"
    login_as(client, demo, CHAIR)
    html = client.get(page).text
    assert 'name="password"' not in html and 'name="code"' not in html  # no field for a secret
    made = client.post(
        page,
        data={
            "csrf_token": csrf_from(html),
            "kind": "key",
            "label": "Nøgle til redskabsskuret",
            "number": "nøgle 3 af 4",
        },
        follow_redirects=True,
    )
    assert made.status_code == 200 and "Nøgle til redskabsskuret" in made.text and "nøgle 3 af 4" in made.text
    with demo.transaction(readonly=True) as s:
        chair = org_service.build_principal(s, person_id=e.chair)
        (view,) = service.list_items(s, principal=chair, board_id=e.board_id)
    item_id = view.item.id
    token = csrf_from(made.text)
    issued = client.post(
        f"/keys/{item_id}/issue",
        data={"csrf_token": token, "person_id": str(e.treasurer)},
        follow_redirects=True,
    )
    assert "Udleveringen er registreret." in issued.text and "Kasserer" in issued.text
    wrong = client.post(f"/keys/{item_id}/return", data={"csrf_token": token, "person_id": str(e.chair)})
    assert wrong.status_code == 409 and "aldrig har haft" in wrong.text
    back = client.post(
        f"/keys/{item_id}/return",
        data={"csrf_token": token, "person_id": str(e.treasurer)},
        follow_redirects=True,
    )
    assert "Afleveringen er registreret." in back.text
    twice = client.post(
        f"/keys/{item_id}/return",
        data={"csrf_token": token, "person_id": str(e.treasurer)},
        follow_redirects=True,
    )
    assert twice.status_code == 200
    login_as(client, demo, TREASURER)
    assert "Nøgle til redskabsskuret" in client.get(page).text
    login_as(client, demo, RESIDENT)
    assert client.get(page).status_code == 404
