"""The paper channel of core.notify: a notice becomes a letter in the organisation's print batch.

A notice about published minutes carries the minutes themselves (open items; a closed item as
"Lukket punkt", person and complaint cases left out), because a household on paper cannot follow
a web link: the letter *is* the minutes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.db import utcnow
from boardkit.core.notify import Notice, PaperLetter
from boardkit.meetings.invitations import letters
from boardkit.meetings.invitations.letter_text import short_date
from boardkit.meetings.invitations.notice import recipient_line
from boardkit.meetings.minutes import access as minutes_access
from boardkit.meetings.models import Letter, Meeting, Minutes
from boardkit.org import service as org_service

MINUTES_NOTICE = "minutes_published"  # minutes.publish.NOTICE_KIND


def queue_notice_letters(db: Session, notices: Sequence[PaperLetter]) -> list[int]:
    """One ``kind="notice"`` letter per household, in each organisation's open batch; their ids."""
    organisation_ids = frozenset(n.organisation_id for n in notices)
    names = {o.id: o.name for o in org_service.list_organisations(db, ids=organisation_ids)}
    batches = {oid: letters.open_batch(db, organisation_id=oid) for oid in sorted(organisation_ids)}
    printed = printed_minutes(db, notice_ids={n.notice_id for n in notices if n.kind == MINUTES_NOTICE})
    today = utcnow().date().isoformat()
    made = []
    for n in notices:
        content: dict[str, Any] = {
            "notice_id": n.notice_id,
            "notice_kind": n.kind,
            "title": n.subject,
            "subject": n.subject,
            "body": n.body,
            "link": n.link,
            "important": n.important,
            "organisation": names.get(n.organisation_id, ""),
            "notice_date": today,
        }
        if n.notice_id in printed:
            content["body"] = printed[n.notice_id]["intro"]
            content["minutes"] = printed[n.notice_id]["minutes"]
        made.append(
            Letter(
                batch_id=batches[n.organisation_id].id,
                meeting_id=None,
                tenancy_id=n.household.tenancy_id,
                kind="notice",
                recipient=recipient_line(list(n.household.resident_names)),
                address_lines=list(n.household.address_lines),
                content=content,
            )
        )
    db.add_all(made)
    db.flush()
    return [letter.id for letter in made]


def printed_minutes(db: Session, *, notice_ids: set[int]) -> dict[int, dict[str, Any]]:
    """For each notice about minutes: the minutes as a letter prints them (see ``minutes_content``)."""
    if not notice_ids:
        return {}
    rows = db.execute(
        select(Notice.id, Minutes, Meeting)
        .join(Minutes, Minutes.id == Notice.object_id)
        .join(Meeting, Meeting.id == Minutes.meeting_id)
        .where(Notice.id.in_(sorted(notice_ids)), Notice.object_type == "minutes")
    ).all()
    result = {}
    for notice_id, minutes, meeting in rows:
        day = short_date(meeting.starts_at)
        result[notice_id] = {
            "intro": f"Referatet af {meeting.title} den {day} er godkendt af bestyrelsen. "
            "Her er referatet. Punkter, der blev behandlet for lukkede døre, er kun nævnt med nummer.",
            "minutes": minutes_content(meeting, minutes),
        }
    return result


def minutes_content(meeting: Meeting, minutes: Minutes) -> dict[str, Any]:
    """The minutes as residents may read them, frozen on the letter (``letter_text`` lays it out)."""
    cases = {item.id for item in meeting.items if item.person_case}
    content = minutes_access.redacted(minutes.content or {}, residents=True, person_cases=cases)
    board = meeting.board
    return {
        "title": meeting.title,
        "meeting_kind": meeting.kind,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(),
        "location": meeting.location,
        "room": meeting.room,
        "board": board.name,
        "meeting_chair": content.get("meeting_chair") or "",
        "minute_taker": content.get("minute_taker") or "",
        "residents_present": content.get("residents_present"),
        "households_represented": content.get("households_represented"),
        "attendance": [{"name": a["name"], "status": a["status"]} for a in content.get("attendance", [])],
        "items": [
            {"number": i["number"], "closed": True}
            if i.get("redacted")
            else {
                "number": i["number"],
                "title": i.get("title", ""),
                "notes": i.get("notes", ""),
                "decision": i.get("decision", ""),
                "votes": i.get("votes"),
            }
            for i in content.get("items", [])
        ],
    }
