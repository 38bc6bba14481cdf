"""Who gets which pack: closed material only for those allowed, notes private, the ZIP, the offline list."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select, update

from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.core.errors import Conflict, NotFound, UnsupportedType, ValidationFailed
from boardkit.core.storage import FileStore
from boardkit.meetings import service
from boardkit.meetings.models import AgendaItem, Meeting
from boardkit.meetings.packs import service as packs_service
from boardkit.org import service as org_service
from boardkit.org.models import Organisation
from tests.helpers import person_id
from tests.meetings.meeting_env import (
    CHAIR,
    ENGPARKEN,
    MEMBER_SOEBAKKEN,
    RESIDENT,
    TREASURER,
    closed_item,
    department_meeting,
    email_of_role,
    pdf_bytes,
    png_bytes,
)
from tests.meetings.packs.pack_service_env import (
    add_file,
    add_item,
    build,
    download,
    item_id,
    principal_of,
    publish,
    qpdf_check,
    text_of,
)


def secret_pdf(text: str) -> bytes:
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=14)
    doc.cell(0, 10, text)
    return bytes(doc.output())


def resident_case(db: Database, settings: Settings) -> tuple[int, int]:
    meeting_id = department_meeting(db)
    secret = add_item(
        db, meeting_id, title="Fraflytningssag", description="Hemmelig beskrivelse af sagen", closed=True
    )
    add_file(db, settings, secret, "Fortroligt bilag.pdf", secret_pdf("Hemmeligt bilagsindhold"))
    open_item = item_id(db, meeting_id, "Afdelingens budget for næste år")
    add_file(db, settings, open_item, "Budget.pdf", secret_pdf("Budgettet for alle"))
    publish(db, meeting_id)
    build(db, settings, meeting_id)
    return meeting_id, secret


@pytest.mark.parametrize("rule", ["title", "omit"])
def test_a_residents_pack_never_holds_closed_material(demo: Database, settings: Settings, rule: str) -> None:
    with demo.transaction() as s:
        org = s.scalars(select(Organisation)).one()
        org.rules = {**org.rules, "public_pack_closed_items": rule}
    meeting_id, _secret = resident_case(demo, settings)
    version, pdf = download(demo, settings, meeting_id, RESIDENT)
    qpdf_check(pdf)
    text = text_of(pdf)
    assert version == 1 and "Budgettet for alle" in text and "Valg af dirigent" in text
    for hidden in ("Hemmelig beskrivelse", "Hemmeligt bilagsindhold", "Fortroligt bilag"):
        assert hidden not in text
    assert ("Fraflytningssag" in text) is (rule == "title")
    assert "Fortroligt —" not in text  # no watermark on the residents' pack
    _v, board = download(demo, settings, meeting_id, CHAIR)
    assert "Hemmeligt bilagsindhold" in text_of(board) and "Hemmelig beskrivelse" in text_of(board)


def test_nobody_outside_gets_a_pack(demo: Database, settings: Settings) -> None:
    meeting_id, _closed = closed_item(demo)
    publish(demo, meeting_id)
    build(demo, settings, meeting_id)
    for who in (MEMBER_SOEBAKKEN, RESIDENT):
        with pytest.raises(NotFound):
            download(demo, settings, meeting_id, who)


def test_unpublished_or_unbuilt_packs(demo: Database, settings: Settings) -> None:
    meeting_id, _closed = closed_item(demo)
    with pytest.raises(NotFound):
        download(demo, settings, meeting_id, TREASURER)  # not published: as if it did not exist
    with pytest.raises(Conflict) as chair:
        download(demo, settings, meeting_id, CHAIR)  # but the chair, who could publish it, is told
    assert chair.value.code == "pack_not_ready" and chair.value.status == 409
    publish(demo, meeting_id)
    with pytest.raises(Conflict):
        download(demo, settings, meeting_id, TREASURER)  # published, not built yet


def test_a_substitute_reads_the_open_pack(demo: Database, settings: Settings) -> None:
    meeting_id, closed_id = closed_item(demo)
    add_file(demo, settings, closed_id, "Personale.pdf", secret_pdf("Lønsedler"))
    publish(demo, meeting_id)
    build(demo, settings, meeting_id)
    substitute = email_of_role(demo, ENGPARKEN, "substitute")
    readers = principal_of(demo, substitute), principal_of(demo, TREASURER)
    with demo.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        assert [packs_service.variant_for(p, meeting) for p in readers] == ["open", "full"]
    _v, pdf = download(demo, settings, meeting_id, substitute)
    text = text_of(pdf)
    assert "Personalesag" not in text and "Lønsedler" not in text and "Legepladsen" in text


def test_notes_are_private_and_survive_new_versions(demo: Database, settings: Settings) -> None:
    meeting_id, _closed = closed_item(demo)
    playground = item_id(demo, meeting_id, "Legepladsen ved Engvænget")
    publish(demo, meeting_id)
    build(demo, settings, meeting_id)
    treasurer, chair = person_id(demo, TREASURER), person_id(demo, CHAIR)
    with demo.transaction() as s:
        item = s.get(AgendaItem, playground)
        assert item is not None
        assert (
            packs_service.save_note(s, person_id=treasurer, item=item, text="Spørg til garantien") is not None
        )
        with pytest.raises(ValidationFailed):
            packs_service.save_note(s, person_id=treasurer, item=item, text="x" * 10_001)
        assert packs_service.get_notes(s, person_id=chair, item_ids=[playground]) == {}
    _v, mine = download(demo, settings, meeting_id, TREASURER, notes=True)
    assert "Spørg til garantien" in text_of(mine)
    qpdf_check(mine)
    assert "garantien" not in text_of(download(demo, settings, meeting_id, TREASURER)[1])
    assert "garantien" not in text_of(download(demo, settings, meeting_id, CHAIR, notes=True)[1])

    add_item(demo, meeting_id, title="Nyt punkt")
    build(demo, settings, meeting_id)
    version, mine = download(demo, settings, meeting_id, TREASURER, notes=True)
    assert version == 2 and "Spørg til garantien" in text_of(mine)
    with demo.transaction() as s:
        item = s.get(AgendaItem, playground)
        assert item is not None
        assert packs_service.save_note(s, person_id=treasurer, item=item, text="  \n ") is None
        assert packs_service.get_notes(s, person_id=treasurer, item_ids=[playground]) == {}


def test_a_locked_pdf_is_refused(demo: Database, settings: Settings) -> None:
    meeting_id, _closed = closed_item(demo)
    with pytest.raises(UnsupportedType) as refused:
        add_file(demo, settings, item_id(demo, meeting_id, "Økonomi"), "låst.pdf", pdf_bytes(2, password="x"))
    assert refused.value.status == 415 and "uden adgangskode" in refused.value.message
    add_file(demo, settings, item_id(demo, meeting_id, "Økonomi"), "åben.pdf", pdf_bytes(2, password=""))


def test_zip_of_originals_by_item(demo: Database, settings: Settings) -> None:
    meeting_id, closed_id = closed_item(demo)
    playground = item_id(demo, meeting_id, "Legepladsen ved Engvænget")
    add_file(demo, settings, playground, "Tilbud.pdf", pdf_bytes(2))
    add_file(demo, settings, playground, "TILBUD.pdf", pdf_bytes(3))  # the same name to Windows
    add_file(demo, settings, playground, "Foto.png", png_bytes())
    add_file(demo, settings, closed_id, "Personale.pdf", pdf_bytes(1))
    store = FileStore(settings.files_dir)

    def names(email: str) -> dict[str, bytes]:
        principal = principal_of(demo, email)
        with demo.transaction() as s:
            meeting = service.get_meeting(s, principal=principal, meeting_id=meeting_id)
            data = packs_service.zip_originals(s, store=store, meeting=meeting, principal=principal)
        archive = zipfile.ZipFile(io.BytesIO(data))
        assert archive.testzip() is None
        return {n: archive.read(n) for n in archive.namelist()}

    board = names(TREASURER)
    assert set(board) == {
        "04 Legepladsen ved Engvænget/Tilbud.pdf",
        "04 Legepladsen ved Engvænget/TILBUD (2).pdf",
        "04 Legepladsen ved Engvænget/Foto.png",
        "06 Personalesag/Personale.pdf",
    }
    assert board["04 Legepladsen ved Engvænget/TILBUD (2).pdf"] == pdf_bytes(3)
    substitute = names(email_of_role(demo, ENGPARKEN, "substitute"))
    assert not any("Personale" in n for n in substitute) and len(substitute) == 3


def test_offline_list_has_upcoming_built_packs_only(demo: Database, settings: Settings) -> None:
    meeting_id, _closed = closed_item(demo)

    def listed() -> list[dict[str, object]]:
        principal = principal_of(demo, TREASURER)
        with demo.transaction() as s:
            me = org_service.get_person(s, person_id=person_id(demo, TREASURER))
            return packs_service.offline_packs(s, principal=principal, person=me)

    assert listed() == []
    publish(demo, meeting_id)
    assert listed() == []  # not built yet
    build(demo, settings, meeting_id)
    rows = listed()
    assert [(r["meeting_id"], r["version"], r["pack_url"]) for r in rows] == [
        (meeting_id, 1, f"/meetings/{meeting_id}/pack.pdf")
    ]
    with demo.transaction() as s:
        s.execute(update(Meeting).where(Meeting.id == meeting_id).values(status="cancelled"))
    assert listed() == []
