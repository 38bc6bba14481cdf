"""RSVP: accept, decline or "maybe" from a signed link in the e-mail (no login) or in the UI.

A link's token is ``<meeting id>.<person id>.<expiry>.<signature>``, the signature an HMAC with the
server's secret key over the other three, so it cannot be altered or made up. It expires when the
meeting ends (the end known when the link was made; a moved meeting sends new links).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from boardkit.core import audit
from boardkit.core.db import utcnow
from boardkit.core.errors import Forbidden, RuleViolation, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal, Resource, is_staff_for
from boardkit.meetings.models import RSVP_RESPONSES, Invitation, Meeting, Rsvp
from boardkit.org import service as org_service

RSVP_PATH = "/rsvp/{token}"


def _signature(secret_key: str, meeting_id: int, person_id: int, expires: int) -> str:
    message = f"rsvp:{meeting_id}:{person_id}:{expires}".encode()
    mac = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(mac).decode()


def make_token(*, secret_key: str, meeting: Meeting, person_id: int) -> str:
    expires = int(meeting.ends_at.timestamp())
    return f"{meeting.id}.{person_id}.{expires}.{_signature(secret_key, meeting.id, person_id, expires)}"


def rsvp_url(*, base_url: str, secret_key: str, meeting: Meeting, person_id: int) -> str:
    return base_url + RSVP_PATH.format(
        token=make_token(secret_key=secret_key, meeting=meeting, person_id=person_id)
    )


@dataclass(frozen=True)
class TokenCheck:
    meeting_id: int = 0
    person_id: int = 0
    expired: bool = False

    @property
    def valid(self) -> bool:
        return self.meeting_id > 0 and not self.expired


def read_token(*, secret_key: str, token: str, now: datetime | None = None) -> TokenCheck:
    """What a token says, if its signature holds (an invalid token reads as all zeros)."""
    parts = token.split(".")
    if len(token) > 120 or len(parts) != 4 or not all(p.isdigit() and len(p) <= 18 for p in parts[:3]):
        return TokenCheck()
    meeting_id, person_id, expires = (int(p) for p in parts[:3])
    expected = _signature(secret_key, meeting_id, person_id, expires)
    if not hmac.compare_digest(expected.encode(), parts[3].encode()):
        return TokenCheck()
    now = now or utcnow()
    return TokenCheck(meeting_id, person_id, expired=now.timestamp() > expires)


# --- answers ------------------------------------------------------------------------------


def is_invitee(db: Session, *, meeting: Meeting, principal: Principal) -> bool:
    """Invited already, or someone the invitation will go to (resident, board member)."""
    if principal.person_id is None:
        return False
    if db.scalar(
        select(Invitation.id).where(
            Invitation.meeting_id == meeting.id, Invitation.person_id == principal.person_id
        )
    ):
        return True
    if meeting.is_department_meeting:
        return meeting.department_id in principal.resident_department_ids
    role = principal.board_roles.get(meeting.board_id)
    return role is not None and (role != "substitute" or meeting.invite_substitutes)


def may_answer_by_link(db: Session, *, meeting: Meeting, person_id: int) -> bool:
    """Whether a signed RSVP link still lets its person answer now: for a board's meeting only a
    member in office this very moment (a link mailed before they left the board stops working
    when they leave); for a department meeting anyone ``is_invitee`` names."""
    principal = org_service.build_principal(db, person_id=person_id)
    if meeting.is_department_meeting:
        return is_invitee(db, meeting=meeting, principal=principal)
    role = principal.board_roles.get(meeting.board_id)
    return role is not None and (role != "substitute" or meeting.invite_substitutes)


def get_response(db: Session, *, meeting_id: int, person_id: int) -> str | None:
    return db.scalar(select(Rsvp.response).where(Rsvp.meeting_id == meeting_id, Rsvp.person_id == person_id))


def set_rsvp(db: Session, *, meeting: Meeting, person_id: int, response: str) -> Rsvp:
    """Record (or change) a person's answer; a cancelled or finished meeting takes no answers."""
    if response not in RSVP_RESPONSES:
        raise ValidationFailed(
            _("Svar ja, nej eller måske."), fields={"response": "one of: " + ", ".join(RSVP_RESPONSES)}
        )
    if meeting.status == "cancelled":
        raise RuleViolation(_("Mødet er aflyst."), code="meeting_cancelled")
    now = utcnow()
    if meeting.ends_at < now:
        raise RuleViolation(_("Mødet er slut, så der kan ikke længere svares."), code="meeting_over")
    row = db.scalar(select(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.person_id == person_id))
    if row is None:
        try:
            with db.begin_nested():  # two answers at once: the second one updates the first
                row = Rsvp(meeting_id=meeting.id, person_id=person_id, response=response, responded_at=now)
                db.add(row)
        except IntegrityError:
            row = db.scalar(select(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.person_id == person_id))
            if row is None:
                raise
    before = row.response
    row.response, row.responded_at = response, now
    db.flush()
    audit.record(
        db,
        actor_id=person_id,
        action="meeting.rsvp",
        object_type="meeting",
        object_id=meeting.id,
        organisation_id=meeting.board.organisation_id,
        summary=response,
        diff={"response": [before if before != response else None, response]},
    )
    return row


def require_invitee(db: Session, *, meeting: Meeting, principal: Principal) -> None:
    if not is_invitee(db, meeting=meeting, principal=principal):
        raise Forbidden(_("Du er ikke inviteret til dette møde."), code="not_invited")


def answer(db: Session, *, meeting: Meeting, principal: Principal, response: str) -> Rsvp:
    """The signed-in invitee's own answer (page and API): 403 ``not_invited`` for anyone else."""
    require_invitee(db, meeting=meeting, principal=principal)
    assert principal.person_id is not None
    return set_rsvp(db, meeting=meeting, person_id=principal.person_id, response=response)


# --- who answered what --------------------------------------------------------------------


def can_see_rsvps(principal: Principal, resource: Resource) -> bool:
    """The board (every member) and the administration see who comes."""
    return resource.board_id in principal.board_roles or is_staff_for(principal, resource)


@dataclass
class RsvpSummary:
    counts: dict[str, int]
    answers: list[dict[str, object]] = field(
        default_factory=list
    )  # {person_id, name, response, responded_at}
    invited: int = 0  # people invited by e-mail (paper households are not counted as people)

    @property
    def no_answer(self) -> int:
        return self.counts["no_answer"]


def rsvp_summary(db: Session, *, meeting: Meeting) -> RsvpSummary:
    """Counts per answer and the names behind them, for the board."""
    rows = db.scalars(select(Rsvp).where(Rsvp.meeting_id == meeting.id).order_by(Rsvp.responded_at)).all()
    people = org_service.get_people(db, ids=[r.person_id for r in rows])
    invited_ids = set(
        db.scalars(
            select(Invitation.person_id).where(
                Invitation.meeting_id == meeting.id, Invitation.person_id.is_not(None)
            )
        )
    )
    counts = {r: 0 for r in RSVP_RESPONSES}
    answers: list[dict[str, object]] = []
    for row in rows:
        counts[row.response] = counts.get(row.response, 0) + 1
        person = people.get(row.person_id)
        answers.append(
            {
                "person_id": row.person_id,
                "name": person.name if person else "",
                "response": row.response,
                "responded_at": row.responded_at.astimezone(UTC).isoformat(),
            }
        )
    answers.sort(key=lambda a: (RSVP_RESPONSES.index(str(a["response"])), str(a["name"]).lower()))
    counts["no_answer"] = len(invited_ids - {r.person_id for r in rows})
    return RsvpSummary(counts=counts, answers=answers, invited=len(invited_ids))


def declined_ids(db: Session, *, meeting_id: int) -> set[int]:
    return set(
        db.scalars(select(Rsvp.person_id).where(Rsvp.meeting_id == meeting_id, Rsvp.response == "declined"))
    )


def responses(db: Session, *, meeting_id: int) -> dict[int, str]:
    rows = db.execute(select(Rsvp.person_id, Rsvp.response).where(Rsvp.meeting_id == meeting_id))
    return {person_id: response for person_id, response in rows}
