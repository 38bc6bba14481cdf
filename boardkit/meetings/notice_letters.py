"""The paper channel of core.notify: a notice becomes a letter in the organisation's print batch."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from boardkit.core.db import utcnow
from boardkit.core.notify import PaperLetter
from boardkit.meetings import letters
from boardkit.meetings.models import Letter
from boardkit.meetings.notice import recipient_line
from boardkit.org import service as org_service


def queue_notice_letters(db: Session, notices: Sequence[PaperLetter]) -> list[int]:
    """One ``kind="notice"`` letter per household, in each organisation's open batch; their ids."""
    organisation_ids = frozenset(n.organisation_id for n in notices)
    names = {o.id: o.name for o in org_service.list_organisations(db, ids=organisation_ids)}
    batches = {oid: letters.open_batch(db, organisation_id=oid) for oid in sorted(organisation_ids)}
    today = utcnow().date().isoformat()
    made = [
        Letter(
            batch_id=batches[n.organisation_id].id,
            meeting_id=None,
            tenancy_id=n.household.tenancy_id,
            kind="notice",
            recipient=recipient_line(list(n.household.resident_names)),
            address_lines=list(n.household.address_lines),
            content={
                "notice_id": n.notice_id,
                "notice_kind": n.kind,
                "title": n.subject,
                "subject": n.subject,
                "body": n.body,
                "link": n.link,
                "important": n.important,
                "organisation": names.get(n.organisation_id, ""),
                "notice_date": today,
            },
        )
        for n in notices
    ]
    db.add_all(made)
    db.flush()
    return [letter.id for letter in made]
