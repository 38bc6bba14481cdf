"""The resident's voting pages, server side: the ballot is a fieldset whose legend is the question
with labelled radios named "Forslag 3: Ja"; no choice is a 422 with a Danish message; a vote is a
303 to a receipt that never names the choice; a sub-tenant and another department's resident get
404; after the close the result shows the tally and the ballots as CSV; the participation list is
for the counters and managers only and never says how anyone voted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.core.db import Database, utcnow
from boardkit.democracy import ballots, roll, tally
from boardkit.democracy.models import Ballot, Participation, Question
from boardkit.meetings.models import Meeting
from boardkit.org.models import Board, Department, Person, Residency
from tests.helpers import api_token, csrf_from, login_as

RESIDENT = "beboer@demo.boardkit.dk"
OTHER_DEPARTMENT = "beboer2@demo.boardkit.dk"
CHAIR = "formand@demo.boardkit.dk"
SUBTENANT = "fremleje@example.org"
TEXT = "Forslag 3: Skal der etableres fælles cykelparkering?"
CHOICE_WORDS = re.compile(r"\b(Ja|Nej|Blank|yes|no|blank)\b")


@dataclass(frozen=True)
class Vote:
    question_id: int
    meeting_id: int


def engparken_meeting(s) -> Meeting:  # type: ignore[no-untyped-def]
    """Engparken's last ordinary department meeting that has begun (one held a week ago is added
    when the demo has none)."""
    held = s.scalars(
        select(Meeting)
        .join(Board, Board.id == Meeting.board_id)
        .join(Department, Department.id == Board.department_id)
        .where(
            Department.name == "Engparken",
            Meeting.kind == "ordinary_department",
            Meeting.starts_at <= utcnow(),
        )
        .order_by(Meeting.starts_at.desc())
    ).first()
    if held is not None:
        return held
    board = s.scalar(
        select(Board)
        .join(Department, Department.id == Board.department_id)
        .where(Department.name == "Engparken", Board.kind == "department_board")
    )
    starts = utcnow() - timedelta(days=1, hours=3)
    meeting = Meeting(
        board=board,
        department_id=board.department_id,
        kind="ordinary_department",
        title="Ordinært afdelingsmøde",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2, minutes=30),
        location="Fælleshuset, Engparken 2",
        status="held",
        invited_at=starts - timedelta(days=28),
    )
    s.add(meeting)
    s.flush()
    return meeting


def open_vote(
    db: Database,
    *,
    text: str = TEXT,
    closes_in: timedelta = timedelta(days=3),
    both_units: bool = False,
    with_subtenant: bool = True,
) -> Vote:
    """A digital vote continuing a question worded at Engparken's last ordinary meeting (the roll,
    the recorded end and decision, the counts at the meeting), open now: set up with the models and
    the roll's own snapshot, so the pages are tested whatever the demo holds."""
    with db.transaction() as s:
        meeting = engparken_meeting(s)
        assert meeting is not None
        dept = s.get(Department, meeting.board.department_id)
        assert dept is not None
        if with_subtenant:  # a sub-tenant in beboer@'s home: never on the roll
            home = s.scalar(
                select(Residency.tenancy_id)
                .join(Person, Person.id == Residency.person_id)
                .where(Person.email == RESIDENT)
            )
            lodger = Person(name="Frede Fremlejer", email=SUBTENANT, organisation_id=dept.organisation_id)
            s.add(lodger)
            s.flush()
            s.add(Residency(person_id=lodger.id, tenancy_id=home, role="subtenant", adult=True))
            s.flush()
        the_roll = roll.get_roll(s, meeting.id) or roll.make_roll(
            s,
            organisation_id=dept.organisation_id,
            department_id=dept.id,
            reference_date=date.today(),
            meeting_id=meeting.id,
        )
        the_roll.one_person_both_units = both_units
        ended = utcnow() - timedelta(hours=2)
        the_roll.ended_at = ended
        the_roll.digital_decided_at = ended - timedelta(minutes=10)
        question = Question(
            organisation_id=dept.organisation_id,
            department_id=dept.id,
            roll_id=the_roll.id,
            meeting_id=meeting.id,
            kind="proposal",
            text=text,
            method="show_of_hands",
            options=[{"key": "yes", "label": "Ja"}, {"key": "no", "label": "Nej"}],
            status="open",
            meeting_counts={"yes": 11, "no": 4, "blank": 1},
            units_present=16,
            counted_at=ended - timedelta(minutes=30),
            opens_at=ended,
            closes_at=utcnow() + closes_in,
        )
        s.add(question)
        s.flush()
        ballots.ensure_units(s, question)
        return Vote(question.id, meeting.id)


def close_now(db: Database, question_id: int) -> None:
    with db.transaction() as s:
        question = s.get(Question, question_id)
        assert question is not None
        question.closes_at = utcnow() - timedelta(seconds=1)
    with db.transaction() as s:
        assert tally.close_question(s, question_id)


def post_vote(client: TestClient, question_id: int, **form: str) -> object:
    page = client.get(f"/votes/{question_id}")
    assert page.status_code == 200, page.text
    return client.post(
        f"/votes/{question_id}",
        data={"csrf_token": csrf_from(page.text), **form},
        follow_redirects=False,
    )


def test_the_ballot_is_a_fieldset_of_labelled_radios_named_by_the_question(
    client: TestClient, demo: Database
) -> None:
    vote = open_vote(demo)
    login_as(client, demo, RESIDENT)
    page = client.get(f"/votes/{vote.question_id}")
    assert page.status_code == 200
    html = page.text
    fieldset = re.search(r"<fieldset[^>]*>(.*?)</fieldset>", html, re.S)
    assert fieldset, html
    body = fieldset.group(1)
    assert re.search(r"<legend[^>]*>\s*" + re.escape(TEXT) + r"\s*</legend>", body)
    radios = re.findall(r'<input type="radio" id="([^"]+)" name="choice" value="([^"]+)"', body)
    assert [v for _i, v in radios] == ["yes", "no", "blank"]
    for rid, _value in radios:
        label = re.search(rf'<label[^>]*for="{rid}"[^>]*>(.*?)</label>', body, re.S)
        assert label, rid
        spoken = re.sub(r"<[^>]+>", "", label.group(1)).strip()
        assert spoken in ("Forslag 3: Ja", "Forslag 3: Nej", "Forslag 3: Blank")
    assert "checked" not in body  # nothing chosen for the voter
    assert re.search(r'<button type="submit"[^>]*>\s*Afgiv stemme\s*</button>', html)
    assert 'name="csrf_token"' in html
    assert 'name="units"' not in html  # one person, one unit (the organisation's default)

    # The list and the home page lead here.
    votes = client.get("/votes")
    assert votes.status_code == 200
    assert f'href="/votes/{vote.question_id}"' in votes.text
    assert "Husstanden har 2 stemmer tilbage" in votes.text
    home = client.get("/")
    assert f'href="/votes/{vote.question_id}"' in home.text
    assert "Du kan stemme om" in home.text


def test_no_choice_is_a_422_in_danish_and_a_vote_is_a_303_to_a_receipt_without_the_choice(
    client: TestClient, demo: Database
) -> None:
    vote = open_vote(demo)
    pid = login_as(client, demo, RESIDENT)

    missing = post_vote(client, vote.question_id)
    assert missing.status_code == 422  # type: ignore[attr-defined]
    assert "Vælg en af mulighederne, før du afgiver din stemme." in missing.text  # type: ignore[attr-defined]
    assert 'role="alert"' in missing.text  # type: ignore[attr-defined]
    with demo.transaction() as s:
        voted = s.scalars(select(Participation).where(Participation.question_id == vote.question_id)).all()
        assert voted == []

    cast = post_vote(client, vote.question_id, choice="no")
    assert cast.status_code == 303, cast.text  # type: ignore[attr-defined]
    target = cast.headers["location"]  # type: ignore[attr-defined]
    assert target == f"/votes/{vote.question_id}/receipt"
    assert "no" not in target.split("/")

    receipt = client.get(target)
    assert receipt.status_code == 200
    assert "Din stemme er registreret" in receipt.text
    main = receipt.text.split('id="main-content"', 1)[1]
    assert not CHOICE_WORDS.search(main), CHOICE_WORDS.search(main)
    title = re.search(r"<title>(.*?)</title>", receipt.text, re.S)
    assert title and not CHOICE_WORDS.search(title.group(1))
    assert 'value="no"' not in receipt.text and 'type="hidden" name="choice"' not in receipt.text
    with demo.transaction() as s:
        rows = s.scalars(select(Participation).where(Participation.question_id == vote.question_id)).all()
        assert [(r.person_id, r.units, r.channel) for r in rows] == [(pid, 1, "online")]
        assert s.scalars(select(Ballot.choice).where(Ballot.question_id == vote.question_id)).all() == ["no"]

    # A second vote by the same person is refused on the page (409), in Danish, nothing lost.
    again = client.post(
        f"/votes/{vote.question_id}",
        data={"csrf_token": csrf_from(client.get("/votes").text), "choice": "yes"},
        follow_redirects=False,
    )
    assert again.status_code == 409
    assert "Du har allerede stemt" in again.text
    with demo.transaction() as s:
        assert s.scalars(select(Ballot.choice).where(Ballot.question_id == vote.question_id)).all() == ["no"]


def test_both_units_by_one_person_then_the_household_has_none_left(
    client: TestClient, demo: Database
) -> None:
    vote = open_vote(demo, both_units=True)
    login_as(client, demo, RESIDENT)
    page = client.get(f"/votes/{vote.question_id}")
    assert 'name="units"' in page.text and "2 stemmer (begge husstandens)" in page.text
    assert post_vote(client, vote.question_id, choice="yes", units="2").status_code == 303  # type: ignore[attr-defined]
    receipt = client.get(f"/votes/{vote.question_id}/receipt")
    assert "0 stemmer tilbage" in receipt.text
    page = client.get(f"/votes/{vote.question_id}")
    assert "Afgiv stemme" not in page.text
    assert "Din husstand har brugt sine 2 stemmer" in page.text
    third = client.post(
        f"/votes/{vote.question_id}",
        data={"csrf_token": csrf_from(page.text), "choice": "no"},
        follow_redirects=False,
    )
    assert third.status_code == 409
    assert "Husstanden har brugt sine 2 stemmer" in third.text


@pytest.mark.parametrize("email", [SUBTENANT, OTHER_DEPARTMENT])
def test_a_subtenant_or_another_departments_resident_gets_404(
    client: TestClient, demo: Database, email: str
) -> None:
    vote = open_vote(demo)
    login_as(client, demo, email)
    assert client.get(f"/votes/{vote.question_id}").status_code == 404
    token = csrf_from(client.get("/votes").text)
    post = client.post(
        f"/votes/{vote.question_id}", data={"csrf_token": token, "choice": "yes"}, follow_redirects=False
    )
    assert post.status_code == 404
    assert client.get(f"/votes/{vote.question_id}/receipt").status_code == 404
    assert f"/votes/{vote.question_id}" not in client.get("/votes").text
    close_now(demo, vote.question_id)
    assert client.get(f"/votes/{vote.question_id}/result").status_code == 404
    assert client.get(f"/votes/{vote.question_id}/ballots.csv").status_code == 404


def test_a_vote_after_the_close_is_refused_and_the_result_shows_the_tally(
    client: TestClient, demo: Database
) -> None:
    vote = open_vote(demo)
    login_as(client, demo, RESIDENT)
    token = csrf_from(client.get(f"/votes/{vote.question_id}").text)
    assert client.get(f"/votes/{vote.question_id}/result").status_code == 409  # hidden until the close
    assert post_vote(client, vote.question_id, choice="yes").status_code == 303  # type: ignore[attr-defined]
    close_now(demo, vote.question_id)

    late = client.post(
        f"/votes/{vote.question_id}", data={"csrf_token": token, "choice": "no"}, follow_redirects=False
    )
    assert late.status_code == 409
    assert "lukket" in late.text

    result = client.get(f"/votes/{vote.question_id}/result")
    assert result.status_code == 200, result.text
    html = re.sub(r"\s+", " ", result.text)
    # Ja: 11 at the meeting + 1 online = 12; Nej 4; Blank 1; 17 in all.
    assert re.search(r"Ja</th> <td[^>]*>11</td> <td[^>]*>1</td> <td[^>]*><strong>12</strong>", html), html
    assert re.search(r"Nej</th> <td[^>]*>4</td> <td[^>]*>0</td> <td[^>]*><strong>4</strong>", html)
    assert re.search(r"I alt</th> <td[^>]*>16</td> <td[^>]*>1</td> <td[^>]*><strong>17</strong>", html)
    assert "Forslaget er vedtaget." in html
    assert f'href="/votes/{vote.question_id}/ballots.csv"' in html
    assert "/participation" not in html  # a resident is no counter

    listed = client.get("/votes")
    assert f'href="/votes/{vote.question_id}/result"' in listed.text

    csv = client.get(f"/votes/{vote.question_id}/ballots.csv")
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0] == "id,choice"
    assert len(lines) == 2 and re.fullmatch(r"[0-9a-f]{32},yes", lines[1])

    # The participation list: for the managers, never the choice; a resident gets 403.
    assert client.get(f"/votes/{vote.question_id}/participation").status_code == 403
    login_as(client, demo, CHAIR)
    who = client.get(f"/votes/{vote.question_id}/participation")
    assert who.status_code == 200, who.text
    assert "Online" in who.text and "1 husstand har stemt" in who.text
    table = who.text.split("<table", 1)[1].split("</table>", 1)[0]
    assert not CHOICE_WORDS.search(re.sub(r"<[^>]+>", " ", table))


def test_the_participation_list_waits_for_the_close(client: TestClient, demo: Database) -> None:
    vote = open_vote(demo)
    login_as(client, demo, CHAIR)
    answer = client.get(f"/votes/{vote.question_id}/participation")
    assert answer.status_code == 409
    assert "når afstemningen er lukket" in answer.text


@pytest.mark.postgres
def test_a_vote_by_api_takes_the_vote_off_the_cached_home_page(client: TestClient, demo: Database) -> None:
    """The home page is served from the page cache while nothing changed; a vote (written with Core
    statements, not the ORM) counts as a change, also on PostgreSQL where other processes hear of
    it by NOTIFY after the commit."""
    vote = open_vote(demo)
    token = api_token(demo, RESIDENT)
    login_as(client, demo, RESIDENT)
    client.get("/")  # sets the CSRF cookie: not kept
    link = f'href="/votes/{vote.question_id}"'
    assert link in client.get("/").text
    cache = client.app.state.page_cache  # type: ignore[attr-defined]
    hits = cache.hits
    assert link in client.get("/").text
    assert cache.hits == hits + 1  # from memory

    answer = client.post(
        "/api/v1/ballots",
        json={"question_id": vote.question_id, "choice": "yes"},
        headers=token,
    )
    assert answer.status_code == 201, answer.text
    assert link not in client.get("/").text
