"""The administration's democracy rules: one person using both units, the urafstemning threshold."""

from __future__ import annotations

from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.core.models import AuditEntry
from boardkit.democracy import roll, settings
from boardkit.org import service as org_service
from tests.helpers import csrf_from, login_as


def test_admin_sets_the_rules_and_rolls_copy_them(demo: Database, client: TestClient) -> None:
    login_as(client, demo, "admin@demo.boardkit.dk")
    page = client.get("/democracy/settings")
    assert page.status_code == 200 and "Regler for afstemninger" in page.text
    token = csrf_from(page.text)
    bad = client.post("/democracy/settings", data={"csrf_token": token, "demand_percent": "40"})
    assert bad.status_code == 422 and "fra 1 til 25" in bad.text
    ok = client.post(
        "/democracy/settings",
        data={"csrf_token": token, "demand_percent": "20", "both_units": "1"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    with demo.transaction() as db:
        org = db.scalar(select(org_service.Organisation))
        assert settings.rules_of(org) == settings.Rules(one_person_both_units=True, demand_percent=20)
        assert settings.demand_share(db, org.id) == 0.2
        assert roll.both_units_allowed(db, org.id)
        assert db.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.democracy_rules"))


def test_others_do_not_see_the_rules(demo: Database, client: TestClient) -> None:
    login_as(client, demo, "formand@demo.boardkit.dk")
    assert client.get("/democracy/settings").status_code == 404
    login_as(client, demo, "beboer@demo.boardkit.dk")
    assert client.get("/democracy/settings").status_code == 404
