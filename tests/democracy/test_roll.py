"""The electoral roll: who is on it (tenants and adult household members on the reference date;
no sub-tenants, minors or people moved out), making it again, who may make and read it, the
search at the door, the residents import's sub-tenants, its page and the printed roll."""

from __future__ import annotations

import io
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from boardkit.core.models import AuditEntry
from boardkit.democracy import checkin, roll
from boardkit.democracy.models import Roll, RollHousehold, RollVoter
from boardkit.meetings.models import Meeting
from boardkit.org import service as org_service
from boardkit.org.importing.service import import_csv
from boardkit.org.models import Organisation, Person, Residency, Tenancy
from tests.democracy.roll_env import ADMIN, CHAIR, ELSEWHERE, RESIDENT, TREASURER, env
from tests.helpers import csrf_from, login_as


def _home(s, person_id: int) -> Tenancy:  # type: ignore[no-untyped-def]
    tenancy = s.scalar(
        select(Tenancy)
        .join(Residency, Residency.tenancy_id == Tenancy.id)
        .where(Residency.person_id == person_id)
    )
    assert tenancy is not None
    return tenancy


def _other_home(s, department_id: int, not_id: int) -> Tenancy:  # type: ignore[no-untyped-def]
    tenancy = s.scalar(
        select(Tenancy)
        .where(Tenancy.department_id == department_id, Tenancy.id != not_id)
        .order_by(Tenancy.id)
        .limit(1)
    )
    assert tenancy is not None
    return tenancy


def _person(s, name: str, tenancy: Tenancy, **residency) -> int:  # type: ignore[no-untyped-def]
    person = Person(name=name, organisation_id=None)
    s.add(person)
    s.flush()
    s.add(Residency(person_id=person.id, tenancy_id=tenancy.id, **residency))
    s.flush()
    return person.id


def test_the_snapshot_keeps_tenants_and_adults_only(demo: Database) -> None:
    e = env(demo)
    day = org_service.today()
    with demo.transaction() as s:
        mine = _home(s, e.people[RESIDENT])
        other = _other_home(s, e.department_id, mine.id)
        sub = _person(s, "Fie Fremlejer", mine, role="subtenant")
        minor = _person(s, "Lille Bo", mine, role="household_member", adult=False)
        gone = _person(s, "Ulla Udflyttet", other, role="tenant", end_date=day - timedelta(days=1))
        last_day = _person(s, "Sidste Dag", other, role="tenant", end_date=day)
        coming = _person(s, "Kommer Senere", other, role="tenant", start_date=day + timedelta(days=1))
        member = _person(s, "Åse Ærø-Łukasiewicz", other, role="household_member")
        # One person in two homes: beboer@ is also a household member of the other home.
        s.add(Residency(person_id=e.people[RESIDENT], tenancy_id=other.id, role="household_member"))
        chair = org_service.build_principal(s, person_id=e.people[CHAIR])
        meeting = s.get(Meeting, e.meeting_id)
        made = roll.ensure_roll(s, chair, meeting, reference_date=day)
        assert made.meeting_id == e.meeting_id and made.reference_date == day
        for pid in (sub, minor, gone, coming):
            assert roll.voter_for(s, made.id, pid) is None
        for pid in (last_day, member):
            voter = roll.voter_for(s, made.id, pid)
            assert voter is not None and voter.household.tenancy_id == other.id
        twice = s.scalars(
            select(RollVoter)
            .join(RollHousehold)
            .where(RollHousehold.roll_id == made.id, RollVoter.person_id == e.people[RESIDENT])
        ).all()
        assert sorted(v.household.tenancy_id for v in twice) == sorted([mine.id, other.id])
        assert all(h.units == 2 for h in made.households)
        # Every tenancy on the roll has a voter; households in address order.
        states = roll.household_states(s, made)
        assert all(st.voters for st in states)
        keys = [roll.address_key(st.household.address, st.household.number) for st in states]
        assert keys == sorted(keys)
        summary = roll.summary(s, made)
        assert summary.households == len(states) and summary.voters == sum(len(st.voters) for st in states)


def test_address_order_reads_numbers_as_numbers() -> None:
    addresses = [
        "Engvej 10",
        "Engvej 2, 1. th.",
        "Engvej 2A",
        "engvej 1",
        "Åvej 3",
        "Bakken 7",
        "Engvej 2, st. tv.",
    ]
    ordered = sorted(addresses, key=roll.address_key)
    assert ordered.index("engvej 1") < ordered.index("Engvej 2, 1. th.") < ordered.index("Engvej 10")
    assert ordered.index("Engvej 2A") < ordered.index("Engvej 10")
    assert ordered[0] == "Bakken 7"
    assert ordered.index("Engvej 2, st. tv.") < ordered.index("Engvej 2, 1. th.")  # stuen first


def test_making_it_again_and_who_may(demo: Database) -> None:
    e = env(demo)
    with demo.transaction() as s:
        meeting = s.get(Meeting, e.meeting_id)
        who = {
            k: org_service.build_principal(s, person_id=e.people[k])
            for k in (CHAIR, TREASURER, RESIDENT, ADMIN, ELSEWHERE)
        }
        with pytest.raises(Forbidden):
            roll.ensure_roll(s, who[TREASURER], meeting)
        for stranger in (RESIDENT, ELSEWHERE):
            with pytest.raises(NotFound):
                roll.ensure_roll(s, who[stranger], meeting)
        first = roll.ensure_roll(s, who[CHAIR], meeting)
        assert first.reference_date == roll.default_reference_date(meeting)
        households, was = roll.summary(s, first).households, first.reference_date
        # The administration makes it again on another day: the same roll, a new snapshot.
        again = roll.ensure_roll(s, who[ADMIN], meeting, reference_date=was - timedelta(days=3))
        assert again.id == first.id and again.reference_date == was - timedelta(days=3)
        assert roll.summary(s, again).households == households
        assert s.scalar(select(func.count()).select_from(Roll).where(Roll.meeting_id == e.meeting_id)) == 1
        actions = s.scalars(
            select(AuditEntry.action).where(
                AuditEntry.object_type == "democracy_roll", AuditEntry.object_id == first.id
            )
        ).all()
        assert "democracy.roll_made" in actions and "democracy.roll_remade" in actions
        # Bad dates: after the meeting, or more than a year before it.
        for bad in (
            meeting.starts_at.date() + timedelta(days=2),
            meeting.starts_at.date() - timedelta(days=400),
        ):
            with pytest.raises(ValidationFailed) as err:
                roll.ensure_roll(s, who[CHAIR], meeting, reference_date=bad)
            assert "reference_date" in err.value.fields
        # Once someone is checked in, the roll stays as it is.
        voter = roll.voter_for(s, again.id, e.people[RESIDENT])
        assert voter is not None
        checkin.check_in(s, who[TREASURER], e.meeting_id, voter_id=voter.id)
        assert not roll.remakable(s, again)
        with pytest.raises(Conflict) as conflict:
            roll.ensure_roll(s, who[CHAIR], meeting)
        assert conflict.value.code == "roll_in_use"
        # A board meeting has no roll.
        with pytest.raises(NotFound):
            roll.ensure_roll(s, who[CHAIR], s.get(Meeting, e.board_meeting_id))


def test_search_by_address_number_or_name(demo: Database) -> None:
    e = env(demo)
    with demo.transaction() as s:
        mine = _home(s, e.people[RESIDENT])
        _person(s, "Ørnulf Ærbødig", mine, role="household_member")
        meeting = s.get(Meeting, e.meeting_id)
        made = roll.ensure_roll(s, org_service.build_principal(s, person_id=e.people[CHAIR]), meeting)
        resident = s.get(Person, e.people[RESIDENT])
        house = roll.voter_for(s, made.id, resident.id).household  # type: ignore[union-attr]
        assert house.id in roll.search_households(s, made, house.address)
        assert house.id in roll.search_households(s, made, house.address.upper())
        assert house.id in roll.search_households(s, made, house.number)
        assert roll.search_households(s, made, "ØRNULF") == [house.id]  # Danish letters fold on SQLite too
        assert roll.search_households(s, made, "ørnulf " + house.address.split()[0]) == [house.id]
        first_name = resident.name.split()[0]
        assert house.id in roll.search_households(s, made, first_name.lower())
        assert roll.search_households(s, made, "") == []
        assert roll.search_households(s, made, "%") == [] and roll.search_households(s, made, "_") == []
        assert len(roll.search_households(s, made, "e", limit=5)) == 5


HEADER = (
    "afdeling_nr;afdeling_navn;lejemaal_nr;adresse;etage_doer;postnr;by;person_nr;navn;email;telefon;rolle;"
    "papir;sprog;kanal"
)
RESIDENTS = f"""{HEADER}
101;Solgården;0001;Solvej 1;st. tv.;2300;København S;P001;Anna Jensen;anna@example.dk;;lejer;;;
101;Solgården;0001;Solvej 1;st. tv.;2300;København S;P002;Bent Jensen;;;husstandsmedlem;;;
101;Solgården;0002;Solvej 3;1. th.;2300;København S;P003;Carla Fremlejer;;;fremlejer;;;
"""


def test_the_import_takes_sub_tenants_and_the_roll_leaves_them_out(db: Database) -> None:
    with db.transaction() as s:
        organisation = Organisation(name="Boligselskabet Test", short_name="test")
        s.add(organisation)
        s.flush()
        org_id = organisation.id
    with db.transaction() as s:
        report = import_csv(s, data=RESIDENTS.encode(), organisation_id=org_id, actor_id=None, dry_run=False)
        assert not report.errors, report.errors
    with db.transaction() as s:
        roles = dict(
            s.execute(
                select(Person.external_id, Residency.role).join(Residency, Residency.person_id == Person.id)
            ).all()
        )
        assert roles == {"P001": "tenant", "P002": "household_member", "P003": "subtenant"}
        department = s.scalar(
            select(org_service.Department).where(org_service.Department.organisation_id == org_id)
        )
        made = roll.make_roll(
            s, organisation_id=org_id, department_id=department.id, reference_date=date.today()
        )
        names = set(
            s.scalars(select(RollVoter.name).join(RollHousehold).where(RollHousehold.roll_id == made.id))
        )
        assert names == {"Anna Jensen", "Bent Jensen"}
        # Solvej 3 has only a sub-tenant: no household on the roll.
        assert [h.address for h in made.households] == ["Solvej 1, st. tv."]
    # A role the importer does not know is an error on its line, nothing saved.
    bad = RESIDENTS.replace("fremlejer;;;", "fremlejr;;;")
    with db.transaction() as s:
        report = import_csv(s, data=bad.encode(), organisation_id=org_id, actor_id=None, dry_run=False)
        assert report.errors


def test_the_roll_page(demo: Database, client: TestClient) -> None:
    e = env(demo)
    page = f"/meetings/{e.meeting_id}/roll"
    login_as(client, demo, RESIDENT)
    assert client.get(page).status_code == 404
    assert client.get(f"/meetings/{e.meeting_id}").status_code == 200
    assert f'href="{page}"' not in client.get(f"/meetings/{e.meeting_id}").text
    login_as(client, demo, TREASURER)
    html = client.get(page).text
    assert "Der er ikke lavet en valgliste" in html and "Lav valglisten" not in html
    assert f'href="{page}"' in client.get(f"/meetings/{e.meeting_id}").text
    refused = client.post(page, data={"csrf_token": csrf_from(html)})
    assert refused.status_code == 403
    login_as(client, demo, CHAIR)
    html = client.get(page).text
    assert "Lav valglisten" in html
    token = csrf_from(html)
    wrong = client.post(page, data={"csrf_token": token, "reference_date": "15/3"})
    assert wrong.status_code == 422 and "Skriv en dato som" in wrong.text
    made = client.post(page, data={"csrf_token": token, "reference_date": ""}, follow_redirects=False)
    assert made.status_code == 303
    html = client.get(page).text
    assert "Valglisten er lavet" in html and "Lav valglisten igen" in html
    with demo.transaction(readonly=True) as s:
        found = roll.get_roll(s, e.meeting_id)
        assert found is not None
        resident = s.get(Person, e.people[RESIDENT])
        assert resident.name in html
    assert client.get(f"/meetings/{e.board_meeting_id}/roll").status_code == 404


def test_the_printed_roll(demo: Database, client: TestClient, tmp_path: Path) -> None:
    e = env(demo)
    names = ["Łukasz Żółć", "Đặng Thị Hương", "Şükrü Öztürk", "Иван Петров", "Åse Ærø"]
    with demo.transaction() as s:
        mine = _home(s, e.people[RESIDENT])
        for name in names:
            _person(s, name, mine, role="household_member")
        made = roll.ensure_roll(
            s, org_service.build_principal(s, person_id=e.people[CHAIR]), s.get(Meeting, e.meeting_id)
        )
        households = roll.summary(s, made).households
        first = roll.household_states(s, made)[0].household.address
    login_as(client, demo, TREASURER)
    answer = client.get(f"/meetings/{e.meeting_id}/roll.pdf")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(answer.content))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Valgliste" in text and "Underskrift" in text and first in text
    assert f"{households} husstande" in text
    for name in names:
        assert name in text, name
    path = tmp_path / "roll.pdf"
    path.write_bytes(answer.content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")], check=True
    )
    assert list(tmp_path.glob("p*.png"))
    login_as(client, demo, RESIDENT)
    assert client.get(f"/meetings/{e.meeting_id}/roll.pdf").status_code == 404
