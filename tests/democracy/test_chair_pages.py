"""The chair opens the digital vote from the votes page; the administration registers letter votes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.core.templating import TZ
from boardkit.democracy.models import HouseholdUnits, Participation, Question
from boardkit.meetings.service import AgendaItem
from tests.democracy.digital_setup import (
    ADMIN,
    BEBOER,
    CHAIR,
    household_of,
    make_meeting,
    two_voter_household,
)
from tests.helpers import csrf_from, login_as


def test_chair_opens_the_digital_vote_within_seven_days(demo: Database, client: TestClient) -> None:
    with demo.transaction() as db:
        setup = make_meeting(db)
        item = AgendaItem(meeting_id=setup.meeting_id, position=1, title="Altaner i blok B", kind="decision")
        db.add(item)
        db.flush()
        db.get(Question, setup.question_id).agenda_item_id = item.id  # type: ignore[union-attr]
    login_as(client, demo, CHAIR)
    page = client.get(f"/meetings/{setup.meeting_id}/votes")
    assert page.status_code == 200 and "Åbn digital afstemning" in page.text
    token = csrf_from(page.text)
    url = f"/meetings/{setup.meeting_id}/votes/questions/{setup.question_id}/digital"
    field = f"closes_at-{setup.question_id}"
    too_late = (setup.ended_at + timedelta(days=7, minutes=1)).astimezone(TZ).strftime("%Y-%m-%dT%H:%M")
    refused = client.post(url, data={"csrf_token": token, field: too_late})
    assert refused.status_code == 422 and "7 døgn" in refused.text
    assert client.post(url, data={"csrf_token": token, field: "i morgen"}).status_code == 422
    with demo.transaction() as db:
        assert db.get(Question, setup.question_id).status == "recorded"  # type: ignore[union-attr]
    closes = (setup.ended_at + timedelta(days=6)).astimezone(TZ).strftime("%Y-%m-%dT%H:%M")
    opened = client.post(url, data={"csrf_token": token, field: closes}, follow_redirects=False)
    assert opened.status_code == 303
    with demo.transaction() as db:
        assert db.get(Question, setup.question_id).status == "open"  # type: ignore[union-attr]
    page = client.get(f"/meetings/{setup.meeting_id}/votes")
    assert "Registrér brevstemmer" in page.text and "Åbn digital afstemning" not in page.text


def test_admin_registers_letter_votes_sharing_the_units(demo: Database, client: TestClient) -> None:
    with demo.transaction() as db:
        setup = make_meeting(db)
        db.get(Question, setup.question_id).status = "open"  # type: ignore[union-attr]
        db.get(Question, setup.question_id).opens_at = setup.ended_at  # type: ignore[union-attr]
        db.get(Question, setup.question_id).closes_at = setup.ended_at + timedelta(days=6)  # type: ignore[union-attr]
        from boardkit.democracy import ballots

        ballots.ensure_units(db, db.get(Question, setup.question_id))  # type: ignore[arg-type]
        house, _voters = two_voter_household(db, setup.roll_id)
        hid, address = house.id, house.address
        beboer_house = household_of(db, setup.roll_id, BEBOER).id
    url = f"/votes/{setup.question_id}/letters"
    login_as(client, demo, BEBOER)
    assert client.get(url).status_code == 404
    login_as(client, demo, ADMIN)
    page = client.get(url, params={"q": address})
    assert page.status_code == 200 and address in page.text
    token = csrf_from(page.text)
    none = client.post(url, data={"csrf_token": token, "household_id": str(hid)})
    assert none.status_code == 422 and "Vælg mindst én stemme" in none.text
    ok = client.post(
        url,
        data={"csrf_token": token, "household_id": str(hid), "choice1": "yes", "choice2": "no"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    third = client.post(url, data={"csrf_token": token, "household_id": str(hid), "choice1": "yes"})
    assert third.status_code == 409 and "brugt sine 2 stemmer" in third.text
    stranger = client.post(url, data={"csrf_token": token, "household_id": "999999", "choice1": "yes"})
    assert stranger.status_code == 404
    with demo.transaction() as db:
        used = db.scalar(
            select(HouseholdUnits.used).where(
                HouseholdUnits.question_id == setup.question_id, HouseholdUnits.household_id == hid
            )
        )
        assert used == 2
        letters = db.scalar(
            select(func.sum(Participation.units)).where(
                Participation.question_id == setup.question_id, Participation.channel == "letter"
            )
        )
        assert letters == 2
        assert beboer_house != hid or used == 2
    assert "2 brevstemmer registreret" in client.get(url).text
