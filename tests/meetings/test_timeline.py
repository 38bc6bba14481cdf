"""The statutory timeline: DOMAIN.md's defaults, an organisation's own rules, end of day in Copenhagen."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.core.templating import TZ
from boardkit.meetings import timeline
from boardkit.meetings.models import Meeting
from boardkit.org.models import Organisation
from tests.helpers import api_token, login_as
from tests.meetings.meeting_env import CHAIR, make_meeting


def local(y: int, m: int, d: int, h: int = 19) -> datetime:
    return datetime(y, m, d, h, 0, tzinfo=TZ)


def dates(kind: str, starts: datetime, rules: dict | None = None) -> dict[str, str]:  # type: ignore[type-arg]
    marks = timeline.milestones(kind=kind, starts_at=starts, rules=timeline.rules_for(rules))
    return {m.key: m.day.isoformat() for m in marks}


def test_defaults_for_an_ordinary_department_meeting() -> None:
    # 4 weeks' notice, proposals 2 weeks before, material 1 week before, minutes within 4 weeks.
    assert dates("ordinary_department", local(2027, 3, 15)) == {
        "notice_by": "2027-02-15",
        "proposals_due": "2027-03-01",
        "material_due": "2027-03-08",
        "minutes_due": "2027-04-12",
    }


def test_extraordinary_and_board_meetings() -> None:
    assert dates("extraordinary_department", local(2027, 3, 15))["notice_by"] == "2027-03-01"  # 2 weeks
    board = dates("board", local(2027, 3, 15))
    assert "proposals_due" not in board  # residents propose only to department meetings
    assert board["notice_by"] == "2027-03-08"
    assert board["material_due"] == "2027-03-08"


def test_deadlines_close_at_the_end_of_the_copenhagen_day() -> None:
    marks = timeline.milestones(
        kind="ordinary_department", starts_at=local(2027, 1, 20), rules=timeline.rules_for({})
    )
    proposals = next(m for m in marks if m.key == "proposals_due")
    due = proposals.due.astimezone(TZ)
    assert (due.date().isoformat(), due.time()) == ("2027-01-06", time(23, 59, 59, 999999))
    assert proposals.due.astimezone(UTC) == datetime(2027, 1, 6, 22, 59, 59, 999999, tzinfo=UTC)
    assert proposals.status(datetime(2027, 1, 6, 22, 59, tzinfo=UTC)) == "due_today"
    assert proposals.status(datetime(2027, 1, 6, 23, 0, tzinfo=UTC)) == "overdue"  # midnight in Copenhagen
    assert proposals.status(datetime(2027, 1, 5, 12, 0, tzinfo=UTC)) == "upcoming"


def test_a_deadline_across_the_change_to_summer_time() -> None:
    # The meeting is in summer time (CEST, +02:00); its notice date four weeks earlier is in winter (+01:00).
    starts = local(2027, 4, 12)
    assert starts.utcoffset() == timedelta(hours=2)
    marks = {
        m.key: m
        for m in timeline.milestones(
            kind="ordinary_department", starts_at=starts, rules=timeline.rules_for({})
        )
    }
    notice = marks["notice_by"].due
    assert notice.astimezone(TZ).utcoffset() == timedelta(hours=1)
    assert notice.astimezone(UTC) == datetime(2027, 3, 15, 22, 59, 59, 999999, tzinfo=UTC)
    # Minutes after the change back to winter time (last Sunday of October).
    autumn = {
        m.key: m
        for m in timeline.milestones(
            kind="board", starts_at=local(2026, 10, 12), rules=timeline.rules_for({})
        )
    }
    minutes = autumn["minutes_due"].due
    assert minutes.astimezone(TZ).date().isoformat() == "2026-11-09"
    assert minutes.astimezone(UTC) == datetime(2026, 11, 9, 22, 59, 59, 999999, tzinfo=UTC)


def test_an_organisation_may_give_residents_more_time() -> None:
    rules = {"notice_days": {"ordinary_department": 42}, "proposals_due_days": 21}
    own = dates("ordinary_department", local(2027, 3, 15), rules)
    assert own["notice_by"] == "2027-02-01"  # 6 weeks
    assert own["proposals_due"] == "2027-02-22"  # 3 weeks
    assert own["material_due"] == "2027-03-08"  # default kept
    # Other kinds keep their defaults.
    assert dates("extraordinary_department", local(2027, 3, 15), rules)["notice_by"] == "2027-03-01"


def test_status_done_once_invited() -> None:
    marks = timeline.milestones(
        kind="board", starts_at=local(2027, 3, 15), rules=timeline.rules_for({}), invited=True
    )
    notice = next(m for m in marks if m.key == "notice_by")
    assert notice.status(datetime(2027, 3, 14, tzinfo=UTC)) == "done"


def test_notice_short_by_counts_days_too_late() -> None:
    rules = timeline.rules_for({})
    now = datetime(2027, 2, 20, 12, tzinfo=UTC)
    assert (
        timeline.notice_short_by(
            kind="ordinary_department", starts_at=local(2027, 3, 15), rules=rules, now=now
        )
        == 5
    )
    assert (
        timeline.notice_short_by(
            kind="ordinary_department", starts_at=local(2027, 4, 15), rules=rules, now=now
        )
        == 0
    )


def test_the_api_follows_the_organisation_override(client: TestClient, demo: Database) -> None:
    meeting_id = make_meeting(demo, days=80, kind="ordinary_department")
    headers = api_token(demo, CHAIR)
    before = client.get(f"/api/v1/meetings/{meeting_id}/timeline", headers=headers).json()
    with demo.transaction() as s:
        org = s.scalars(select(Organisation)).one()
        org.rules = {"notice_days": {"ordinary_department": 42}, "proposals_due_days": 21}
        starts = s.get(Meeting, meeting_id).starts_at.astimezone(TZ).date()  # type: ignore[union-attr]
    after = client.get(f"/api/v1/meetings/{meeting_id}/timeline", headers=headers).json()
    assert before["notice_by"]["date"] == (starts - timedelta(days=28)).isoformat()
    assert after["notice_by"]["date"] == (starts - timedelta(days=42)).isoformat()
    assert before["proposals_due"]["date"] == (starts - timedelta(days=14)).isoformat()
    assert after["proposals_due"]["date"] == (starts - timedelta(days=21)).isoformat()
    assert after["minutes_due"]["date"] == (starts + timedelta(days=28)).isoformat()
    for mark in after.values():
        assert mark["status"] == "upcoming"
        assert datetime.fromisoformat(mark["due"]).utcoffset() is not None


def test_the_timeline_page_puts_overdue_deadlines_first(client: TestClient, demo: Database) -> None:
    late = make_meeting(demo, days=3, title="Hastemøde om varmeanlægget")  # not invited: notice overdue
    login_as(client, demo, CHAIR)
    page = client.get("/timeline")
    assert page.status_code == 200
    body = page.text
    assert "Overskredet" in body
    rows = body[body.index("<tbody>") :].split('href="/meetings/')[1:]
    links = [int(row.split('"')[0]) for row in rows]
    assert links[0] == late
    # After the overdue one, the rows follow their next deadline (for those not yet announced: each
    # meeting's notice date).
    with demo.transaction() as s:
        meetings = {m.id: m for m in s.scalars(select(Meeting).where(Meeting.id.in_(links)))}
        rules = timeline.rules_for({})
        notices = [
            timeline.milestones(kind=meetings[i].kind, starts_at=meetings[i].starts_at, rules=rules)[0].due
            for i in links[1:]
            if meetings[i].invited_at is None
        ]
    assert len(notices) >= 5
    assert notices == sorted(notices)
