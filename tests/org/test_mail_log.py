"""The mail log (``/admin/mail``) shows no usable personal link, in any state, to anyone.

A bookkeeper once requested a login link for the administrator and read it on this page. Now
every URL on the list and detail pages, followed by another user (and every form found there
submitted), logs nobody in, answers no invitation and marks no notice read; the real links,
taken from what the SMTP server received, still work.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from boardkit.app import build_runner
from boardkit.config import Settings
from boardkit.core import mail, notify
from boardkit.core.db import Database
from boardkit.core.models import LoginToken, OutboxEmail
from boardkit.core.notify.models import NoticeDelivery
from boardkit.core.web import SESSION_COOKIE
from boardkit.meetings.invitations import service as invitations
from boardkit.meetings.models import Meeting, Rsvp
from boardkit.org.models import Board, Membership, Organisation, Person, StaffRole
from tests.helpers import csrf_from, login_as, person_id
from tests.meetings.meeting_env import make_meeting
from tests.smtp import SMTPServer, text_part

ADMIN = "admin@demo.boardkit.dk"
BOOKKEEPER = "bogholder@demo.boardkit.dk"
CHAIR = "formand@demo.boardkit.dk"
RESIDENT = "beboer@demo.boardkit.dk"
OTHER_USER = "beboer2@demo.boardkit.dk"
OTHER_STAFF = "stab@andetbo.dk"
SECRET_LINK = re.compile(r"https?://[^\s\"'<>]+/(?:login/link|rsvp|n|calendar)/[^\s\"'<>]+")


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


def request_link(client: TestClient, email: str) -> None:
    token = csrf_from(client.get("/login").text)
    assert client.post("/login", data={"email": email, "csrf_token": token}).status_code == 200


def second_organisation(db: Database) -> tuple[int, int]:
    """Another housing organisation with its own staff member, whose board the demo's chair sits on
    too (a person linked to two organisations); returns (organisation id, chair's person id)."""
    chair = person_id(db, CHAIR)
    with db.transaction() as s:
        org = Organisation(name="Andet Boligselskab", short_name="andetbo")
        s.add(org)
        s.flush()
        staff = Person(organisation_id=org.id, name="Stab Andetbo", email=OTHER_STAFF)
        board = Board(organisation_id=org.id, kind="organisation", name="Andetbos organisationsbestyrelse")
        s.add_all([staff, board])
        s.flush()
        s.add(StaffRole(person_id=staff.id, organisation_id=org.id, role="account_manager"))
        s.add(Membership(board_id=board.id, person_id=chair, role="member", start_date=date(2024, 1, 1)))
        return org.id, chair


def claim_mail(purpose: str) -> dict[str, object]:
    return {
        "name": "Formand",
        "status": "approved",
        "claim_id": 1,
        "purpose": purpose,
        "total_ore": 100,
        "reason": "",
        "link": "",
    }


def demo_organisation(db: Database) -> int:
    with db.transaction() as s:
        found = s.scalar(select(Organisation.id).where(Organisation.short_name != "andetbo"))
    assert found is not None
    return found


def personal_links(db: Database, settings: Settings) -> set[str]:
    """Every personal link in the outbox as its recipient gets it (unsealed with the server's key)."""
    with db.transaction() as s:
        found: set[str] = set()
        for email in s.scalars(select(OutboxEmail)):
            text, body = mail.deliverable(email, settings.secret_key)
            found |= set(SECRET_LINK.findall(text)) | set(SECRET_LINK.findall(body))
    return {link for link in found if mail.MASK not in link}  # delivered or failed: wiped already


@dataclass
class Crawl:
    pages: dict[str, str] = field(default_factory=dict)  # path → HTML
    urls: set[str] = field(default_factory=set)


def urls_in(page: str) -> set[str]:
    """Every URL a page holds: links, sources, form targets, and URLs written as text."""
    found = {html.unescape(u) for u in re.findall(r'(?:href|src|action)="([^"]+)"', page)}
    found |= {html.unescape(u) for u in re.findall(r"https?://[^\s\"'<>]+", page)}
    return found


def crawl_mail_log(client: TestClient) -> Crawl:
    """The list (every status filter) and every detail page linked from it, as the staff member sees them."""
    crawl = Crawl()
    todo = [
        "/admin/mail",
        "/admin/mail?status=queued",
        "/admin/mail?status=sent",
        "/admin/mail?status=failed",
    ]
    while todo:
        path = todo.pop()
        if path in crawl.pages:
            continue
        r = client.get(path)
        assert r.status_code == 200, path
        crawl.pages[path] = r.text
        for url in urls_in(r.text):
            crawl.urls.add(url)
            if re.fullmatch(r"/admin/mail/\d+", url):
                todo.append(url)
    return crawl


def follow(client: TestClient, url: str) -> None:
    """Open ``url`` as a browser would and submit the form the page offers for that same URL (the
    button on a login link's or an RSVP link's page), with the answer the URL carries."""
    parts = urlsplit(url)
    if parts.scheme and parts.netloc != "testserver":
        return  # not this site
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    r = client.get(path)
    for action, form in re.findall(r'<form method="post" action="([^"]*)"[^>]*>(.*?)</form>', r.text, re.S):
        if html.unescape(action) != parts.path:
            continue
        data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
        data.update(dict(parse_qsl(parts.query)))
        client.post(html.unescape(action), data=data)


def used_login_links(db: Database) -> int:
    with db.transaction() as s:
        return int(
            s.scalar(select(func.count()).select_from(LoginToken).where(LoginToken.used_at.is_not(None)))
        )


def effects(db: Database) -> tuple[int, int, int]:
    """(login links used, RSVP answers, notices read): what following a personal link would change."""
    with db.transaction() as s:
        answers = s.scalar(select(func.count()).select_from(Rsvp)) or 0
        read = s.scalar(
            select(func.count()).select_from(NoticeDelivery).where(NoticeDelivery.read_at.is_not(None))
        )
    return used_login_links(db), answers, read or 0


def test_no_url_on_the_mail_log_logs_in_or_answers(
    app, client: TestClient, demo: Database, settings: Settings, smtp: SMTPServer
) -> None:  # type: ignore[no-untyped-def]
    own_org = demo_organisation(demo)
    other_org, chair = second_organisation(demo)

    # Sent: the bookkeeper asks for the administrator's login link (the attack), delivered by SMTP.
    request_link(client, ADMIN)
    links = personal_links(demo, settings)  # each taken while still sealed (delivery wipes it)
    assert build_runner(demo, settings.with_(smtp_url=smtp.url)).run_until_idle() >= 1
    # Failed: a board meeting's invitations (RSVP links) while the SMTP server is away.
    meeting_id = make_meeting(demo, days=14)
    with demo.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        invitations.send_invitations(s, meeting=meeting, settings=settings)
    with demo.transaction() as s:  # their links, before a failure wipes the sealed copies
        failed_ids = set(s.scalars(select(OutboxEmail.id).where(OutboxEmail.status == "queued")))
    links |= personal_links(demo, settings)
    dead = SMTPServer()
    build_runner(demo, settings.with_(smtp_url=dead.url, max_attempts=1)).run_until_idle()
    # Queued: a notice (read-receipt links), the chair's own login link, and a message of the other
    # organisation to the chair.
    with demo.transaction() as s:
        notify.send_notice(
            s,
            organisation_id=own_org,
            addressees=[notify.Addressee(person_id(demo, RESIDENT)), notify.Addressee(chair)],
            kind="news",
            subject="Vandet lukkes tirsdag",
            body="Vandet er lukket tirsdag kl. 9-12.",
            link_path="/notifications",
            settings=settings,
        )
        mail.queue_mail(
            s,
            to=mail.Recipient(CHAIR, "Formand", "da", chair),
            template="expense_status",
            context=claim_mail("Andetbos hemmelighed"),
            organisation_id=other_org,
        )
    request_link(client, CHAIR)
    links |= personal_links(demo, settings)
    with demo.transaction() as s:
        states = dict(s.execute(select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)).all())
        failed = s.scalars(select(OutboxEmail.status).where(OutboxEmail.id.in_(failed_ids))).all()
    assert failed and set(failed) == {"failed"}
    assert states.keys() == {"queued", "sent", "failed"}
    kinds = {urlsplit(u).path.split("/")[1] for u in links}
    assert kinds == {"login", "rsvp", "n"}, kinds

    login_as(client, demo, BOOKKEEPER)
    crawl = crawl_mail_log(client)
    shown = "\n".join(crawl.pages.values())
    assert len(crawl.pages) > 10 and "Vandet lukkes tirsdag" in shown and "********" in shown
    assert "Andetbos hemmelighed" not in shown  # the other organisation's message to the chair
    for link in links:  # no secret of any personal link is on any page
        assert link.rsplit("/", 1)[1].split("?")[0] not in shown, link

    before = effects(demo)
    for user in (None, OTHER_USER):
        with TestClient(app, base_url="http://testserver") as other:
            if user:
                login_as(other, demo, user)
            for url in sorted(crawl.urls):
                follow(other, url)
                if not user:
                    assert SESSION_COOKIE not in other.cookies, f"{url} logged a stranger in"
    assert effects(demo) == before  # nobody logged in, no answer recorded, no notice read

    # The real login link, as the SMTP server received it, works: the crawl above would have caught it.
    real = next(u for m in smtp.inbox.to(ADMIN) for u in SECRET_LINK.findall(text_part(m)))
    assert real in links and used_login_links(demo) == before[0]
    with TestClient(app, base_url="http://testserver") as stranger:
        follow(stranger, real)
        assert SESSION_COOKIE in stranger.cookies
    assert used_login_links(demo) == before[0] + 1


@pytest.mark.postgres
def test_each_organisations_staff_see_their_own_mail_to_a_shared_person(
    client: TestClient, demo: Database, settings: Settings
) -> None:
    own_org = demo_organisation(demo)
    other_org, chair = second_organisation(demo)
    with demo.transaction() as s:
        for org, subject in ((own_org, "Fællesbos sag"), (other_org, "Andetbos sag")):
            mail.queue_mail(
                s,
                to=mail.Recipient(CHAIR, "Formand", "da", chair),
                template="expense_status",
                context=claim_mail(subject),
                organisation_id=org,
            )
    request_link(client, CHAIR)  # personal: both organisations' staff see that it went, not what it says
    with demo.transaction() as s:
        ids = dict(s.execute(select(OutboxEmail.organisation_id, OutboxEmail.id)).all())
    for staff, mine, theirs in ((BOOKKEEPER, own_org, other_org), (OTHER_STAFF, other_org, own_org)):
        login_as(client, demo, staff)
        listed = client.get("/admin/mail").text
        assert f"/admin/mail/{ids[mine]}" in listed and f"/admin/mail/{ids[theirs]}" not in listed
        assert client.get(f"/admin/mail/{ids[theirs]}").status_code == 404
        assert "sag" in client.get(f"/admin/mail/{ids[mine]}").text
        personal = client.get(f"/admin/mail/{ids[None]}")
        assert personal.status_code == 200 and "Dit login-link til boardkit" in personal.text
        assert "Det er en personlig besked" in personal.text and "/login/link/" not in personal.text


def queue_login_mail(db: Database, chair: int, secret_key: str = "") -> None:
    with db.transaction() as s:
        mail.queue_mail(
            s,
            to=mail.Recipient(CHAIR, "Formand", "da", chair),
            template="login_link",
            context={"name": "Formand", "link": "http://testserver/login/link/abcDEF123", "minutes": 15},
            secret_key=secret_key,
        )


def test_a_delivered_or_failed_message_keeps_no_sealed_link(
    demo: Database, settings: Settings, smtp: SMTPServer
) -> None:
    chair = person_id(demo, CHAIR)
    queue_login_mail(demo, chair, settings.secret_key)
    with demo.transaction() as s:
        row = s.scalars(select(OutboxEmail)).one()
        assert row.sealed and "abcDEF123" not in row.body_text + row.body_html
        assert "http://testserver/login/link/********" in row.body_text
    build_runner(demo, settings.with_(smtp_url=smtp.url)).run_until_idle()
    assert "http://testserver/login/link/abcDEF123" in text_part(smtp.inbox.messages[0])  # delivered whole
    queue_login_mail(demo, chair, settings.secret_key)
    build_runner(demo, settings.with_(smtp_url=SMTPServer().url, max_attempts=1)).run_until_idle()
    with demo.transaction() as s:
        rows = s.execute(select(OutboxEmail.status, OutboxEmail.sealed).order_by(OutboxEmail.id)).all()
    assert [tuple(r) for r in rows] == [("sent", ""), ("failed", "")]
    with pytest.raises(ValueError, match="secret_key"):  # a personal link is never stored in clear
        queue_login_mail(demo, chair)


def test_a_message_whose_links_cannot_be_unsealed_fails_at_once(demo: Database, settings: Settings) -> None:
    queue_login_mail(demo, person_id(demo, CHAIR), settings.secret_key)
    runner = build_runner(demo, settings.with_(secret_key="another-key"))  # the key was changed
    runner.run_until_idle()
    with demo.transaction() as s:
        assert s.scalar(select(OutboxEmail.status)) == "failed"
    assert not list(settings.mail_dir.glob("*.eml"))  # nothing with a broken link went out
