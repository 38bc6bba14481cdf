"""What a mass send will do, shown to the sender before anything goes out ("who gets what").

``plan_invitations`` answers for "Send indkaldelse" by the rules of ``invitations.send_invitations``
(it only reads); published minutes use ``core.notify.plan_notice`` through
``minutes_publish.plan``. ``groups_of_*`` turn either into the rows the confirmation page shows.
A fingerprint of the list travels with the confirmation, so a list that changed between the
question and the answer is shown again instead of being sent unseen.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core import notify
from boardkit.core.i18n import _
from boardkit.core.models import OutboxEmail
from boardkit.meetings.invitations import service as invitations
from boardkit.meetings.models import Invitation, Meeting
from boardkit.org import service as org_service
from boardkit.org.service import Person


@dataclass
class InvitationPlan:
    emails: list[Person] = field(default_factory=list)  # new invitations or updates by e-mail
    letters: list[org_service.Household] = field(default_factory=list)  # one paper letter each
    unreachable: list[Person] = field(default_factory=list)
    already: int = 0  # invitees who already have the meeting as it is now


def plan_invitations(db: Session, *, meeting: Meeting) -> InvitationPlan:
    """Who "Send indkaldelse" would reach now, and how (``send_invitations`` without the sending)."""
    who = invitations.recipients(db, meeting=meeting)
    rows = db.execute(
        select(Invitation, OutboxEmail.status)
        .join(OutboxEmail, OutboxEmail.id == Invitation.email_id, isouter=True)
        .where(Invitation.meeting_id == meeting.id)
    ).all()
    # An e-mail the outbox gave up on counts as failed even before send_invitations syncs it.
    failed = {inv.id for inv, status in rows if inv.status == "failed" or status == "failed"}
    by_person = {inv.person_id: inv for inv, _s in rows if inv.person_id is not None}
    by_tenancy = {inv.tenancy_id: inv for inv, _s in rows if inv.tenancy_id is not None}
    plan = InvitationPlan(unreachable=list(who.unreachable))
    for person in who.people:
        inv = by_person.get(person.id)
        if inv is not None and inv.id not in failed and inv.sequence_sent >= meeting.sequence:
            plan.already += 1
        else:
            plan.emails.append(person)
    for household in who.households:
        inv = by_tenancy.get(household.tenancy.id)
        if inv is not None and inv.sequence_sent >= meeting.sequence:
            plan.already += 1
        else:
            plan.letters.append(household)
    return plan


@dataclass(frozen=True)
class Group:
    """One row of the confirmation: how many get it this way, and who."""

    key: str
    label: str
    count: int
    names: list[str]
    sends: bool = True  # False: listed for information, nothing goes out this way


def _household_line(names: tuple[str, ...] | list[str], address: str) -> str:
    who = ", ".join(names) if names else _("ingen voksne registreret")
    return f"{address} ({who})"


def groups_of_invitations(plan: InvitationPlan) -> list[Group]:
    groups = [
        Group("email", _("E-mail med kalenderinvitation"), len(plan.emails), [p.name for p in plan.emails]),
        Group(
            "letter",
            _("Brev til print (husstande)"),
            len(plan.letters),
            [_household_line([p.name for p in h.residents], h.tenancy.address_line) for h in plan.letters],
        ),
        Group(
            "unreachable",
            _("Kan ikke nås (ingen e-mailadresse)"),
            len(plan.unreachable),
            [p.name for p in plan.unreachable],
            sends=False,
        ),
    ]
    return [g for g in groups if g.count or g.key == "email"]


def groups_of_notice(plan: notify.Plan) -> list[Group]:
    groups = [
        Group("email", _("E-mail"), plan.count("email", "queued"), plan.people("email", "queued")),
        Group("sms", _("SMS"), plan.count("sms"), plan.people("sms")),
        Group("digital_post", _("Digital Post"), plan.count("digital_post"), plan.people("digital_post")),
        Group(
            "digest",
            _("E-mail i den ugentlige samlede besked"),
            plan.count("email", "digest"),
            plan.people("email", "digest"),
        ),
        Group(
            "letter",
            _("Brev til print (husstande)"),
            len(plan.letters),
            [_household_line(list(h.resident_names), h.address_lines[0]) for h in plan.letters],
        ),
        Group(
            "household",
            _("Får ikke selv besked (en anden i husstanden får den)"),
            plan.count(None, "household"),
            plan.people(None, "household"),
            sends=False,
        ),
        Group("unreachable", _("Kan ikke nås"), len(plan.unreachable), plan.unreachable, sends=False),
    ]
    return [g for g in groups if g.count or g.key in ("email", "letter")]


def fingerprint(groups: list[Group]) -> str:
    """What the sender saw, as one short string: the count of each way and a digest of the names
    (so one resident moving out and another in is a change too)."""
    names = hashlib.sha256("\n".join(f"{g.key}:{n}" for g in groups for n in g.names).encode()).hexdigest()
    return ".".join(f"{g.key}{g.count}" for g in groups) + "." + names[:12]


def total(groups: list[Group]) -> int:
    return sum(g.count for g in groups if g.sends)
