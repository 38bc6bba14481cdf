"""The handover pack: made by the chair and by the system, every section read back from the PDF
(pypdf) with its bookmark, qpdf-clean; no resident named anywhere (names, addresses, phone numbers
scanned); who sees what (404 for strangers, the departing member only their checklist once their
seat has ended); the checklist and the receipt, each once; the PDF job outside the write."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from boardkit.app import build_runner, compose
from boardkit.core.db import Database
from boardkit.core.errors import Forbidden, NotFound, ValidationFailed
from boardkit.core.models import AuditEntry
from boardkit.core.storage import FileStore
from boardkit.handover import service
from boardkit.handover.models import HandoverPack
from boardkit.handover.scrub import Scrubber
from boardkit.handover.snapshot import SECTION_KEYS
from boardkit.meetings.models import Decision
from boardkit.org import service as org_service
from boardkit.org.models import Person, Residency, Tenancy
from tests.handover.handover_env import (
    CHAIR,
    OTHER_BOARD,
    RESIDENT,
    TREASURER,
    assert_names_no_resident,
    outline_titles,
    residents,
    setup,
    text_of,
)
from tests.helpers import csrf_from, login_as, person_id
from tests.meetings.packs.pack_service_env import qpdf_check
from tests.onboarding.onboarding_env import SETTINGS

pytestmark = pytest.mark.postgres


def principal(db: Database, email: str):  # type: ignore[no-untyped-def]
    with db.transaction(readonly=True) as s:
        return org_service.build_principal(s, person_id=person_id(db, email))


def _name_a_resident_in_the_minutes(db: Database, board_id: int) -> tuple[str, str, str]:
    """Put a resident's name, address and phone into one decision's text, and a person case (closed)
    into another: what careless minutes might say."""
    with db.transaction() as s:
        person, address = s.execute(
            select(Person, Tenancy.address)
            .join(Residency, Residency.person_id == Person.id)
            .join(Tenancy, Tenancy.id == Residency.tenancy_id)
            .where(Person.phone != "")
            .order_by(Person.id)
            .limit(1)
        ).one()
        decisions = s.scalars(
            select(Decision).where(Decision.board_id == board_id).order_by(Decision.id)
        ).all()
        assert len(decisions) >= 2
        decisions[
            0
        ].text = (
            f"Klagen fra {person.name}, {address}, tlf. {person.phone}, blev drøftet. Vedtaget: nyt hegn."
        )
        decisions[1].closed = True
        decisions[1].item_title = f"Personsag: {person.name}"
        decisions[1].text = f"Advarsel til {person.name}."
        return person.name, address, person.phone


def test_the_chair_makes_a_pack_with_every_section_and_its_pdf_names_no_resident(demo: Database) -> None:
    compose(demo, SETTINGS)
    env = setup(demo, end_treasurer=False)
    name, address, phone = _name_a_resident_in_the_minutes(demo, env.board_id)
    chair = person_id(demo, CHAIR)
    with demo.transaction() as s:
        pack = service.generate(s, board_id=env.board_id, actor_id=chair, reason="on_demand")
        pack_id = pack.id
        content = pack.content
    assert [s["key"] for s in content["sections"]] == list(SECTION_KEYS)
    flat = repr(content)
    assert name not in flat and address not in flat and phone not in flat
    register = next(s for s in content["sections"] if s["key"] == "decisions")["tables"][0]["rows"]
    assert any("[beboer]" in r[2] and "[adresse]" in r[2] and "[telefon]" in r[2] for r in register)
    assert any(r[1] == "Lukket punkt" and r[2] == "" for r in register)
    contacts = next(s for s in content["sections"] if s["key"] == "contacts")["tables"][0]["rows"]
    assert contacts and contacts[0][1]  # the administration's people are named

    # The PDF is made by the job, after the pack is committed; pypdf reads back every section.
    with demo.transaction(readonly=True) as s:
        assert s.get(HandoverPack, pack_id).pdf_sha256 is None  # type: ignore[union-attr]
    build_runner(demo, SETTINGS).run_until_idle()
    with demo.transaction(readonly=True) as s:
        sha = s.get(HandoverPack, pack_id).pdf_sha256  # type: ignore[union-attr]
    assert sha is not None
    data = FileStore(SETTINGS.files_dir).get(sha)
    qpdf_check(data)
    text = text_of(data)
    titles = [s["title"] for s in content["sections"]]
    flat_text = " ".join(text.split())
    for title in titles:
        assert title in flat_text, title
    assert set(titles) <= set(outline_titles(data))
    assert_names_no_resident(text, residents(demo, env.organisation_id))
    assert "formand" not in name


def test_the_pack_of_a_change_is_made_once_and_the_departing_member_reaches_only_their_checklist(
    client: TestClient, demo: Database
) -> None:
    compose(demo, SETTINGS)
    env = setup(demo)
    with demo.transaction() as s:
        pack = service.generate(
            s,
            board_id=env.board_id,
            actor_id=None,
            reason="change",
            departing_person_id=env.treasurer_id,
            successor_person_id=env.vice_id,
        )
        again = service.generate(
            s, board_id=env.board_id, actor_id=None, reason="change", departing_person_id=env.treasurer_id
        )
        assert again.id == pack.id and pack.departing_role == "treasurer"
        pack_id = pack.id
    facts = dict(map(tuple, pack.content["facts"]))
    assert facts["Overdrages fra"] == "kasserer" and facts["Overdrages til"] == "næstformand"

    # The departing treasurer (seat ended yesterday): the checklist, nothing else.
    login_as(client, demo, TREASURER)
    assert client.get(f"/handover/{pack_id}").status_code == 404
    assert client.get(f"/handover/{pack_id}.pdf").status_code == 404
    assert client.get(f"/boards/{env.board_id}/handover").status_code == 404
    page = client.get(f"/handover/{pack_id}/checklist")
    assert page.status_code == 200 and "Min tjekliste" in page.text
    assert "Beslutninger i perioden" not in page.text
    csrf = csrf_from(page.text)
    refused = client.post(
        f"/handover/{pack_id}/checklist", data={"csrf_token": csrf, "line": ["returned"], "remark": "x"}
    )
    assert refused.status_code == 422 and "Sæt kryds ved hver linje" in refused.text
    done = client.post(
        f"/handover/{pack_id}/checklist",
        data={
            "csrf_token": csrf,
            "line": ["returned", "handed_over", "nothing_open"],
            "remark": "Nøgle afleveret",
        },
        follow_redirects=True,
    )
    assert done.status_code == 200 and "Du bekræftede tjeklisten" in done.text

    # Strangers: a resident of the department and a member of another board.
    for email in (RESIDENT, OTHER_BOARD):
        login_as(client, demo, email)
        for url in (f"/handover/{pack_id}", f"/handover/{pack_id}.pdf", f"/handover/{pack_id}/checklist"):
            assert client.get(url).status_code == 404, (email, url)

    # The successor sees the pack and acknowledges receipt.
    login_as(client, demo, env.vice_email)
    shown = client.get(f"/handover/{pack_id}")
    assert shown.status_code == 200 and "Bekræft modtagelse" in shown.text and "Budgetoverblik" in shown.text
    acked = client.post(
        f"/handover/{pack_id}/acknowledge", data={"csrf_token": csrf_from(shown.text)}, follow_redirects=True
    )
    assert "Modtagelsen er bekræftet" in acked.text
    pdf = client.get(f"/handover/{pack_id}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    with demo.transaction(readonly=True) as s:
        found = s.get(HandoverPack, pack_id)
        assert found is not None and found.status == "closed" and found.remark == "Nøgle afleveret"


def test_confirm_and_acknowledge_are_idempotent_and_audited(demo: Database) -> None:
    compose(demo, SETTINGS)
    env = setup(demo)
    with demo.transaction() as s:
        pack_id = service.generate(
            s,
            board_id=env.board_id,
            actor_id=None,
            reason="change",
            departing_person_id=env.treasurer_id,
            successor_person_id=env.vice_id,
        ).id
    departing = principal(demo, TREASURER)
    successor = principal(demo, env.vice_email)
    chair = principal(demo, CHAIR)
    with demo.transaction() as s:
        with pytest.raises(NotFound):  # only the departing member confirms
            service.confirm_checklist(s, principal=chair, pack_id=pack_id, ticked=service.CHECK_LINES)
        with pytest.raises(ValidationFailed):  # only the successor acknowledges
            service.acknowledge(s, principal=chair, pack_id=pack_id)
    stamps = []
    for _round in range(2):
        with demo.transaction() as s:
            a = service.confirm_checklist(s, principal=departing, pack_id=pack_id, ticked=service.CHECK_LINES)
            b = service.acknowledge(s, principal=successor, pack_id=pack_id)
            stamps.append((a.confirmed_at, b.acknowledged_at))
    assert stamps[0] == stamps[1]
    with demo.transaction(readonly=True) as s:
        actions = s.scalars(
            select(AuditEntry.action).where(
                AuditEntry.object_type == "handover_pack", AuditEntry.object_id == pack_id
            )
        ).all()
    assert sorted(actions) == ["handover.acknowledge", "handover.checklist", "handover.generate"]


def test_who_may_make_a_pack_and_bad_input(demo: Database) -> None:
    compose(demo, SETTINGS)
    env = setup(demo, end_treasurer=False)
    treasurer, resident, chair = (person_id(demo, e) for e in (TREASURER, RESIDENT, CHAIR))
    with demo.transaction() as s:
        with pytest.raises(Forbidden):  # a member who does not manage the board
            service.generate(s, board_id=env.board_id, actor_id=treasurer, reason="on_demand")
        with pytest.raises(NotFound):  # a resident
            service.generate(s, board_id=env.board_id, actor_id=resident, reason="on_demand")
        with pytest.raises(ValidationFailed):  # a successor who is not on the board
            service.generate(
                s,
                board_id=env.board_id,
                actor_id=chair,
                reason="on_demand",
                successor_person_id=resident,
            )
        with pytest.raises(ValidationFailed):
            service.generate(s, board_id=env.board_id, actor_id=None, reason="whatever")
        assert s.scalar(select(func.count()).select_from(HandoverPack)) == 0


def test_the_scrubber_takes_out_names_addresses_phones_and_emails() -> None:
    clean = Scrubber(
        names=["Mette Kirstine Hansen", "Bo"],
        addresses=["Engvænget 12"],
        phones=["+45 12 34 56 78"],
        emails=["mette@example.dk"],
    )
    text = clean("Mette Hansen (mette@example.dk, 12345678) bor på engvænget 12; Bo er kort. Engvænget 120.")
    assert text == "[beboer] ([e-mail], [telefon]) bor på [adresse]; Bo er kort. Engvænget 120."
    assert clean("Ring +45 33 12 34 56") == "Ring +45 33 12 34 56"  # the administration's number stays
    assert re.search("Mette", clean("METTE KIRSTINE HANSEN")) is None


def test_the_demo_pack_of_last_years_change(demo: Database) -> None:
    from boardkit.demo.handover import add_demo_handover

    compose(demo, SETTINGS)
    env = setup(demo, end_treasurer=False)
    store = FileStore(SETTINGS.files_dir)
    with demo.transaction() as s:
        board = s.get(org_service.Board, env.board_id)
        assert board is not None
        pack = add_demo_handover(s, store=store, board=board)
        assert pack is not None and pack.status == "closed" and pack.departing_role == "vice_chair"
        sha = pack.pdf_sha256
    assert sha is not None
    assert_names_no_resident(text_of(store.get(sha)), residents(demo, env.organisation_id))
