"""Paper households get the published minutes themselves (issue 12, point 12), not a web link."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import select, update
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.core.notify import NoticeDelivery
from boardkit.meetings.invitations import letters
from boardkit.meetings.models import AgendaItem, Letter
from tests.helpers import api_token
from tests.meetings.meeting_env import CHAIR
from tests.meetings.minutes.minutes_env import held_department_meeting, post
from tests.meetings.packs.pack_service_env import qpdf_check
from tests.meetings.resident_env import write_and_approve


def flat(text: str) -> str:
    return " ".join(text.split())


def test_a_paper_household_gets_the_minutes_in_its_letter(client: TestClient, demo: Database) -> None:
    meeting_id = held_department_meeting(demo)  # item 9 is the closed "Klagesag"
    with demo.transaction() as s:
        # Item 9 becomes a complaint case (left out); item 6 is closed (only "Lukket punkt").
        s.execute(
            update(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id, AgendaItem.position == 9)
            .values(person_case=True)
        )
        s.execute(
            update(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id, AgendaItem.position == 6)
            .values(closed=True, title="Opsigelse af aftale med vaskerileverandøren")
        )
    write_and_approve(client, demo, meeting_id, households_represented=31, residents_present=40)
    assert post(client, api_token(demo, CHAIR), meeting_id, "publish").status_code == 200

    with demo.transaction() as s:
        paper = s.scalars(select(NoticeDelivery).where(NoticeDelivery.status == "letter")).all()
        batch = s.scalars(select(Letter).where(Letter.kind == "notice").order_by(Letter.id)).all()
        assert paper and len(batch) == len(paper) == len({d.tenancy_id for d in paper})
        content = batch[0].content
        rendered = letters.render_batch([batch[0]])
    minutes = content["minutes"]
    assert [i["number"] for i in minutes["items"]] == [1, 2, 3, 4, 5, 6, 7, 8]  # 9 left out entirely
    assert minutes["items"][5] == {"number": 6, "closed": True}
    assert "kan nu læses" not in content["body"]

    qpdf_check(rendered.pdf)
    reader = PdfReader(io.BytesIO(rendered.pdf))
    text = flat("\n".join(page.extract_text() for page in reader.pages))
    for expected in (
        "Vedrørende Referat",
        "Referatet af Ordinært afdelingsmøde den",
        "Dirigent Søren Ødegård",
        "Referent Ayşe Şahin",
        "Fremmødte 40 beboere",
        "31 repræsenteret",
        "1. Valg af dirigent",
        "Drøftelse af valg af dirigent.",
        "Beslutning: Vedtaget som foreslået.",
        "6. Lukket punkt",
        "Punktet blev behandlet for lukkede døre.",
        "8. Valg",
        "Drøftelse af valg.",
    ):
        assert expected in text, expected
    for secret in ("Klagesag", "klagesag", "Fortroligt forlig", "vaskerileverandøren"):
        assert secret not in text, secret
    # No item 9 at all ("9. Lukket punkt"); a time like "19.13" or a date like "9. december" is fine.
    assert not re.search(r"(?<![\d.])9\. [A-ZÆØÅ]", text), text
