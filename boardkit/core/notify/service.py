"""Sending a notice: who gets it, by which channel, and which households get a paper letter.

A person's channel is their ``preferred_channel`` (email, sms, digital_post) when it is usable —
an e-mail address for e-mail, a phone number and a configured gateway for SMS, a configured
provider for Digital Post — else another digital channel they have (in that order), else none:
their household's paper letter is their notice. ``paper`` on the person (or ``preferred_channel``
paper) means paper. Inactive people are not reached digitally.

A household (the ``tenancy_id`` of the addressees) gets **one** letter per notice, and only when
the tenancy or anyone in it asked for paper, or when nobody in it is reached digitally (a home
with nobody to address included) — as invitations do (``meetings/invitations.py``). Those in a
paper household who have a digital channel get the notice digitally too. A person addressed
without a household (a board member) and without a digital channel gets a letter of their own at
home (``registry.homes``); only without a known home are they recorded as unreachable.

A **digital-only** notice (``digital_only=True``: the forum's, whose bulletin reaches everybody
else through the poster in the stairwell) goes only to those with a digital channel: no letter,
no household, nobody recorded as unreachable; and since no household is involved, a delivery
that fails for good never falls back to paper.

Non-urgent notices (neither important nor statutory) wait for the weekly digest of those who
chose it and are reached by e-mail; everything else goes out at once. Deliveries run as jobs
after the caller's commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from boardkit.config import Settings
from boardkit.core.db import utcnow
from boardkit.core.notify import channels, registry
from boardkit.core.notify.models import Notice, NoticeDelivery
from boardkit.core.notify.receipts import digest_people, link_token, token_hash

ORDER = ("email", "sms", "digital_post")


@dataclass(frozen=True)
class Addressee:
    """One person, optionally with the household they belong to."""

    person_id: int | None  # None: a household with nobody to address → paper to the tenancy
    tenancy_id: int | None = None


def usable_channels(contact: registry.Contact, settings: Settings) -> list[str]:
    usable = []
    if contact.email:
        usable.append("email")
    if contact.phone and settings.sms_url:
        usable.append("sms")
    if settings.digital_post_url:
        usable.append("digital_post")
    return usable


def choose_channel(contact: registry.Contact, settings: Settings) -> str | None:
    """The person's digital channel, or None when only paper (or nothing) reaches them."""
    if not contact.active or contact.paper or contact.preferred_channel == "paper":
        return None
    usable = usable_channels(contact, settings)
    if contact.preferred_channel in usable:
        return contact.preferred_channel
    return next((c for c in ORDER if c in usable), None)


def _address(contact: registry.Contact, channel: str | None) -> str:
    if channel == "email":
        return contact.email or ""
    return contact.phone if channel == "sms" else ""


@dataclass(frozen=True)
class Decision:
    """How one person is reached: their channel (None: not digitally) and the delivery's status."""

    person_id: int
    tenancy_id: int | None
    contact: registry.Contact
    channel: str | None
    status: str  # queued, digest, household, unreachable, paper


@dataclass(frozen=True)
class Plan:
    """Who a notice reaches by which channel and which households get a letter, before anything is written."""

    decisions: list[Decision]
    letters: list[registry.Household]

    def count(self, channel: str | None, status: str | None = None) -> int:
        return sum(
            1 for d in self.decisions if d.channel == channel and (status is None or d.status == status)
        )

    def people(self, channel: str | None, status: str | None = None) -> list[str]:
        return [
            d.contact.name
            for d in self.decisions
            if d.channel == channel and (status is None or d.status == status)
        ]

    @property
    def unreachable(self) -> list[str]:
        return [d.contact.name for d in self.decisions if d.status == "unreachable"]


def plan_notice(
    db: Session,
    *,
    addressees: Sequence[Addressee],
    settings: Settings,
    important: bool = False,
    statutory: bool = False,
    digital_only: bool = False,
) -> Plan:
    """Each addressee's channel and the households that get paper, as ``send_notice`` will do (reads only)."""
    tenancy_of: dict[int, int | None] = {}
    tenancies: dict[int, None] = {}  # ordered set
    for a in addressees:
        if a.tenancy_id is not None:
            tenancies[a.tenancy_id] = None
        if a.person_id is not None and tenancy_of.get(a.person_id) is None:
            tenancy_of[a.person_id] = a.tenancy_id
    contacts = registry.contacts(db, list(tenancy_of))
    homes = registry.households(db, list(tenancies))
    may_wait = not (important or statutory)
    digest = digest_people(db, person_ids=list(contacts)) if may_wait else set()

    decisions: list[Decision] = []
    reached: set[int] = set()  # households someone in which is reached digitally
    asked_paper: set[int] = set()
    for person_id, tenancy_id in tenancy_of.items():
        contact = contacts.get(person_id)
        if contact is None:
            continue
        if tenancy_id not in homes:
            tenancy_id = None
        channel = choose_channel(contact, settings)
        if channel is not None:
            status = "digest" if channel == "email" and person_id in digest else "queued"
            if tenancy_id is not None:
                reached.add(tenancy_id)
        else:
            status = "unreachable" if tenancy_id is None else "household"
        if tenancy_id is not None and (contact.paper or contact.preferred_channel == "paper"):
            asked_paper.add(tenancy_id)
        decisions.append(Decision(person_id, tenancy_id, contact, channel, status))

    if digital_only:  # those without a digital channel are left out, and no household is involved
        return Plan([replace(d, tenancy_id=None) for d in decisions if d.channel is not None], [])
    on_paper = [
        homes[t] for t in tenancies if t in homes and (homes[t].paper or t in asked_paper or t not in reached)
    ]
    paper_ids = {h.tenancy_id for h in on_paper}
    decisions = [
        replace(d, channel="paper", status="paper")
        if d.status == "household" and d.tenancy_id in paper_ids
        else d
        for d in decisions
    ]
    decisions, letters_home = _letters_home(db, decisions, paper_ids)
    return Plan(decisions, on_paper + letters_home)


def _letters_home(
    db: Session, decisions: list[Decision], already: set[int]
) -> tuple[list[Decision], list[registry.Household]]:
    """People addressed on their own (board members) with no digital channel get a letter at home,
    addressed to them; people without a known home stay unreachable."""
    alone = [d.person_id for d in decisions if d.status == "unreachable" and d.contact.active]
    found = registry.homes(db, alone) if alone else {}
    letters: dict[int, registry.Household] = {}
    result = []
    for d in decisions:
        home = found.get(d.person_id) if d.status == "unreachable" else None
        if home is None:
            result.append(d)
            continue
        result.append(replace(d, channel="paper", status="paper"))
        if home.tenancy_id in already:
            continue  # the household's letter of this notice reaches them
        if home.tenancy_id in letters:
            names = letters[home.tenancy_id].resident_names + home.resident_names
            letters[home.tenancy_id] = replace(letters[home.tenancy_id], resident_names=names)
        else:
            letters[home.tenancy_id] = home
    return result, list(letters.values())


def send_notice(
    db: Session,
    *,
    organisation_id: int,
    addressees: Sequence[Addressee],
    kind: str,
    subject: str,
    body: str,
    link_path: str,
    important: bool = False,
    statutory: bool = False,
    object_type: str = "",
    object_id: int | None = None,
    sender_id: int | None = None,
    reminder_days: int | None = 7,
    digital_only: bool = False,
    settings: Settings,
) -> Notice:
    """Send a notice to people and households by their channels (see the module's docstring)."""
    if not link_path.startswith("/") or link_path.startswith("//"):
        raise ValueError(f"link_path must be a path on this site, not {link_path!r}")
    subject = " ".join(subject.split())[:300]
    if not subject:
        raise ValueError("a notice needs a subject")
    now = utcnow()
    notice = Notice(
        organisation_id=organisation_id,
        kind=kind,
        subject=subject,
        body=body,
        link_path=link_path,
        important=important,
        statutory=statutory,
        object_type=object_type,
        object_id=object_id,
        sender_id=sender_id,
        reminder_days=reminder_days,
        created_at=now,
    )
    db.add(notice)
    db.flush()

    plan = plan_notice(
        db,
        addressees=addressees,
        settings=settings,
        important=important,
        statutory=statutory,
        digital_only=digital_only,
    )
    rows: list[NoticeDelivery] = []
    for d in plan.decisions:
        contact, channel = d.contact, d.channel
        row = NoticeDelivery(
            notice_id=notice.id,
            person_id=d.person_id,
            tenancy_id=d.tenancy_id,
            channel=channel or "none",
            status=d.status,
            name=contact.name,
            address=_address(contact, channel),
            language=contact.language,
            created_at=now,
        )
        if channel in ORDER:
            row.token_hash = token_hash(
                link_token(settings.secret_key, notice_id=notice.id, person_id=d.person_id)
            )
        rows.append(row)
    on_paper = plan.letters
    # E-mails first: the rows then go in with their outbox ids, in one insert.
    emails = [r for r in rows if r.channel == "email" and r.status == "queued"]
    channels.queue_emails(db, emails, notice, settings, now)
    db.add_all(rows)
    db.flush()
    channels.queue_http(db, [r for r in rows if r.channel in ("sms", "digital_post")])
    channels.paper_letters(db, notice, on_paper, settings)
    db.flush()
    return notice
