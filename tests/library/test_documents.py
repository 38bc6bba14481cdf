"""The board's documents through the real app: versions kept and downloadable, files judged by
content (programs, scripts and web pages refused with a Danish message, nothing stored), who
reads (board and administration; 404 for everyone else), who keeps, search, the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from boardkit.app import compose
from boardkit.config import Settings
from boardkit.core.db import Database, utcnow
from boardkit.core.models import AuditEntry
from boardkit.core.search import indexing as search_index
from boardkit.library import service
from boardkit.library.models import DocumentVersion, LibraryDocument
from boardkit.org import service as org_service
from boardkit.org.models import Membership
from tests.helpers import csrf_from, login_as, person_id
from tests.library.library_env import (
    ADMIN,
    CHAIR,
    EXECUTABLES,
    MEMBER_ELSEWHERE,
    RESIDENT,
    TREASURER,
    docx,
    env,
    odt,
    pdf,
    plain_zip,
)
from tests.meetings.test_search import api_search, run_jobs

pytestmark = pytest.mark.postgres


def upload(client: TestClient, url: str, form_url: str, data: dict[str, str], name: str, content: bytes):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(form_url).text)
    return client.post(
        url, data={"csrf_token": token, **data}, files={"file": (name, content)}, follow_redirects=True
    )


def count(db: Database, model: type) -> int:
    with db.transaction(readonly=True) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_a_document_gets_versions_and_the_old_ones_stay(
    client: TestClient, demo: Database, app_settings: Settings
) -> None:
    compose(demo, app_settings)
    e = env(demo)
    library = f"/boards/{e.board_id}/library"
    login_as(client, demo, CHAIR)
    made = upload(
        client, library, library, {"kind": "statutes", "title": "Vedtægter 2024"}, "vedtaegter.pdf", pdf("v1")
    )
    assert made.status_code == 200, made.text
    assert "Dokumentet er gemt i biblioteket." in made.text
    doc_url = str(made.url)
    again = upload(client, doc_url, doc_url, {"note": "Ny § 4"}, "vedtægter.pdf", pdf("v2"))
    assert "Version 2 er gemt." in again.text and "Ny § 4" in again.text
    with demo.transaction(readonly=True) as s:
        document = s.scalar(select(LibraryDocument))
        assert document is not None and [v.number for v in document.versions] == [2, 1]
        old_id, new_id = document.versions[1].id, document.versions[0].id
        entries = s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("library.%"))).all()
    assert entries == ["library.document_create", "library.version_add"]
    listing = client.get(library).text
    assert "Vedtægter 2024" in listing and "Version 2" in listing and f"/library/versions/{new_id}" in listing
    old = client.get(f"/library/versions/{old_id}")
    assert old.status_code == 200 and old.content.startswith(b"%PDF")
    assert old.headers["x-content-type-options"] == "nosniff"
    assert "filename*=UTF-8''vedtaegter.pdf" in old.headers["content-disposition"]
    new = client.get(f"/library/versions/{new_id}")
    assert new.content.startswith(b"%PDF") and new.content != old.content
    assert "filename*=UTF-8''vedt%C3%A6gter.pdf" in new.headers["content-disposition"]

    # Archived: out of the list, still downloadable, and the treasurer can read it too.
    token = csrf_from(client.get(doc_url).text)
    client.post(f"{doc_url}/archive", data={"csrf_token": token})
    assert "Vedtægter 2024" not in client.get(library).text.split("arkiveret")[0]
    assert client.get(f"/library/versions/{old_id}").status_code == 200
    login_as(client, demo, TREASURER)
    assert client.get(doc_url).status_code == 200
    assert client.get(f"/library/versions/{new_id}").status_code == 200


@pytest.mark.parametrize("name", sorted(EXECUTABLES))
def test_a_program_or_script_is_refused_in_danish_and_nothing_is_kept(
    client: TestClient, demo: Database, app_settings: Settings, name: str
) -> None:
    compose(demo, app_settings)
    e = env(demo)
    library = f"/boards/{e.board_id}/library"
    login_as(client, demo, CHAIR)
    answer = upload(
        client, library, library, {"kind": "house_rules", "title": "Husorden"}, name, EXECUTABLES[name]
    )
    assert answer.status_code == 415
    assert name in answer.text and (
        "program eller et script" in answer.text or "kan ikke bruges" in answer.text
    )
    assert 'value="Husorden"' in answer.text  # what was typed is still there
    assert count(demo, LibraryDocument) == 0 and count(demo, DocumentVersion) == 0


def test_office_documents_pass_and_a_disguised_file_does_not(
    client: TestClient, demo: Database, app_settings: Settings
) -> None:
    compose(demo, app_settings)
    e = env(demo)
    library = f"/boards/{e.board_id}/library"
    login_as(client, demo, CHAIR)
    assert (
        upload(
            client, library, library, {"kind": "maintenance_plan", "title": "Plan"}, "plan.docx", docx()
        ).status_code
        == 200
    )
    assert (
        upload(
            client, library, library, {"kind": "other", "title": "Referat"}, "referat.odt", odt()
        ).status_code
        == 200
    )
    zipped = upload(client, library, library, {"kind": "other", "title": "Zip"}, "pakke.docx", plain_zip())
    assert zipped.status_code == 415
    renamed = upload(client, library, library, {"kind": "other", "title": "Omdøbt"}, "plan.pdf", docx())
    assert renamed.status_code == 415 and "ikke en PDF-fil" in renamed.text
    with demo.transaction(readonly=True) as s:
        kinds = sorted(s.scalars(select(DocumentVersion.content_type)))
    assert kinds == [
        "application/vnd.oasis.opendocument.text",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ]


def test_a_contract_keeps_its_facts_and_needs_an_administration_contact(
    client: TestClient, demo: Database, app_settings: Settings
) -> None:
    compose(demo, app_settings)
    e = env(demo)
    library = f"/boards/{e.board_id}/library"
    login_as(client, demo, ADMIN)
    fields = {
        "kind": "contract",
        "title": "Gartneraftale",
        "supplier": "Grøn & Co ApS",
        "subject": "Græsslåning og hækklipning",
        "term_start": "2026-01-01",
        "term_end": "2028-12-31",
        "notice_period": "3 måneder",
        "admin_contact_id": str(e.treasurer),
    }
    refused = upload(client, library, library, fields, "aftale.pdf", pdf())
    assert refused.status_code == 422 and "medarbejder i administrationen" in refused.text
    made = upload(client, library, library, {**fields, "admin_contact_id": str(e.admin)}, "aftale.pdf", pdf())
    assert made.status_code == 200 and "Grøn &amp; Co ApS" in made.text
    with demo.transaction(readonly=True) as s:
        (contract,) = service.handover_contracts(s, board_id=e.board_id)
    assert contract.supplier == "Grøn & Co ApS" and contract.notice_period == "3 måneder"
    assert contract.admin_contact and contract.term_end and contract.term_end.year == 2028


def test_strangers_get_404_and_members_may_read_but_not_keep(
    client: TestClient, demo: Database, app_settings: Settings
) -> None:
    compose(demo, app_settings)
    e = env(demo)
    library = f"/boards/{e.board_id}/library"
    login_as(client, demo, CHAIR)
    made = upload(client, library, library, {"kind": "house_rules", "title": "Husorden"}, "h.pdf", pdf())
    doc_url = str(made.url)
    with demo.transaction(readonly=True) as s:
        version_id = s.scalar(select(DocumentVersion.id))
    for stranger in (RESIDENT, MEMBER_ELSEWHERE):
        login_as(client, demo, stranger)
        for url in (library, doc_url, f"/library/versions/{version_id}", f"/boards/{e.board_id}/keys"):
            assert client.get(url).status_code == 404, (stranger, url)
    login_as(client, demo, TREASURER)
    assert "Husorden" in client.get(library).text
    refused = upload(client, doc_url, doc_url, {}, "h2.pdf", pdf())
    assert refused.status_code == 403
    assert count(demo, DocumentVersion) == 1


def test_documents_are_found_by_the_board_and_never_by_residents(
    client: TestClient, demo: Database, app_settings: Settings
) -> None:
    compose(demo, app_settings)
    e = env(demo)
    with demo.transaction() as s:
        search_index.rebuild(s, app_settings)
    login_as(client, demo, CHAIR)
    library = f"/boards/{e.board_id}/library"
    upload(
        client,
        library,
        library,
        {
            "kind": "maintenance_rules",
            "title": "Vedligeholdelsesreglement",
            "description": "Om istandsættelse ved fraflytning",
        },
        "v.pdf",
        pdf("Malerbehandling af vægge"),
    )
    run_jobs(demo, app_settings)
    try:
        found = api_search(client, demo, TREASURER, "istandsættelse")
        assert [h["kind"] for h in found if h["title"] == "Vedligeholdelsesreglement"] == ["library_document"]
        for reader in (RESIDENT, MEMBER_ELSEWHERE):
            assert not [
                h
                for h in api_search(client, demo, reader, "istandsættelse")
                if h["kind"] == "library_document"
            ]
        # The treasurer leaves the board: from that moment the search forgets its documents.
        with demo.transaction() as s:
            seat = s.scalar(
                select(Membership).where(
                    Membership.board_id == e.board_id,
                    Membership.person_id == person_id(demo, TREASURER),
                    Membership.ends_at.is_(None),
                )
            )
            assert seat is not None
            org_service.end_membership(s, seat, ends_at=utcnow(), actor_id=None, reason="resignation")
        assert not [
            h
            for h in api_search(client, demo, TREASURER, "istandsættelse")
            if h["kind"] == "library_document"
        ]
    finally:
        search_index.close_all()
