"""Logging in and out, and what a person changes about themselves."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.config import Settings
from boardkit.core import audit, auth, mail
from boardkit.core.i18n import _
from boardkit.core.models import ApiToken
from boardkit.org import service as org_service
from boardkit.org.service import CHANNELS, LANGUAGES, Person

MIN_PASSWORD = 12


def password_policy(settings: Settings) -> auth.PasswordPolicy:
    return auth.PasswordPolicy(time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib)


def safe_next(path: str) -> str:
    """Only same-site paths may follow a login (no open redirects)."""
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else ""


def request_login_link(
    db: Session, *, settings: Settings, email: str, ip: str, link_url: str, next_path: str = ""
) -> None:
    """E-mail a single-use login link if the address belongs to an active person; say nothing either way.

    Per address there is a cap on links that still work, not a block: while the person has
    ``login_links_unused_max`` unused links, asking again sends nothing (those links are in their
    inbox and work), so requests from many addresses can neither lock them out nor flood them.
    """
    email = org_service.normalise_email(email) or ""
    auth.check_rate(db, keys={f"ip:{ip}": settings.login_limit_per_ip})
    person = org_service.get_person_by_email(db, email=email)
    if person is None or not person.active or not person.email:
        return
    # One request per person at a time counts and adds a link (PostgreSQL; SQLite writes one at a time).
    db.execute(select(Person.id).where(Person.id == person.id).with_for_update())
    if auth.count_unused_login_tokens(db, person_id=person.id) >= settings.login_links_unused_max:
        return
    secret = auth.create_login_token(
        db, person_id=person.id, minutes=settings.login_link_minutes, next_path=safe_next(next_path)
    )
    mail.queue_mail(
        db,
        to=mail.Recipient(person.email, person.name, person.language, person.id),
        template="login_link",
        context={
            "name": person.name,
            "link": link_url.format(token=secret),
            "minutes": settings.login_link_minutes,
        },
        secret_key=settings.secret_key,  # seals the link: the mail log shows it masked
    )


def login_with_link(
    db: Session, *, settings: Settings, secret: str, user_agent: str, ip: str
) -> tuple[str, str] | None:
    """Use a login link; returns (session secret, next path) or None when it is used up or expired."""
    token = auth.consume_login_token(db, secret=secret)
    if token is None:
        return None
    person = db.get(Person, token.person_id)
    if person is None or not person.active:
        return None
    auth.retire_login_tokens(db, person_id=person.id)  # other links lying in the inbox stop working
    session = auth.create_session(
        db, person_id=person.id, days=settings.session_days, user_agent=user_agent, ip=ip, method="link"
    )
    audit.record(
        db, actor_id=person.id, action="login", object_type="person", object_id=person.id, summary="link"
    )
    return session, token.next_path


def login_with_password(
    db: Session, *, settings: Settings, email: str, password: str, user_agent: str, ip: str
) -> str | None:
    """Password login (an option for staff); returns a session secret or None."""
    email = org_service.normalise_email(email) or ""
    auth.check_rate(
        db,
        keys={f"account:{email}": settings.login_limit_per_account, f"ip:{ip}": settings.login_limit_per_ip},
    )
    person = org_service.get_person_by_email(db, email=email)
    stored = person.password_hash if person is not None and person.active else None
    if not auth.verify_password(stored, password, password_policy(settings)) or person is None:
        return None
    audit.record(
        db, actor_id=person.id, action="login", object_type="person", object_id=person.id, summary="password"
    )
    return auth.create_session(
        db, person_id=person.id, days=settings.session_days, user_agent=user_agent, ip=ip, method="password"
    )


def set_password(db: Session, person: Person, *, settings: Settings, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValueError(_("Adgangskoden skal have mindst %(n)s tegn.", n=MIN_PASSWORD))
    person.password_hash = auth.hash_password(password, password_policy(settings))
    audit.record(db, actor_id=person.id, action="person.password", obj=person, summary=person.name)


def update_profile(db: Session, person: Person, *, language: str, channel: str, phone: str) -> dict[str, str]:
    """Change one's own language, channel and phone; returns errors by field (empty when saved)."""
    errors: dict[str, str] = {}
    if language not in LANGUAGES:
        errors["language"] = _("Vælg et sprog fra listen.")
    if channel not in CHANNELS:
        errors["preferred_channel"] = _("Vælg en kanal fra listen.")
    cleaned = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    if phone and not 8 <= len(cleaned.lstrip("+")) <= 15:
        errors["phone"] = _("Skriv et telefonnummer med 8 til 15 cifre.")
    if channel == "sms" and not cleaned:
        errors["phone"] = _("Skriv et telefonnummer, hvis du vil have besked på SMS.")
    if channel == "email" and not person.email:
        errors["preferred_channel"] = _("Vi har ingen e-mailadresse på dig. Kontakt administrationen.")
    if errors:
        return errors
    org_service.update_person(
        db,
        person,
        actor_id=person.id,
        organisation_id=None,
        language=language,
        preferred_channel=channel,
        phone=cleaned,
        paper=channel == "paper",
    )
    return {}


def create_token(db: Session, person: Person, *, name: str) -> tuple[ApiToken, str]:
    token, secret = auth.create_api_token(db, person_id=person.id, name=name or "API")
    audit.record(db, actor_id=person.id, action="api_token.create", obj=token, summary=token.name)
    return token, secret


def revoke_token(db: Session, person: Person, *, token_id: int) -> bool:
    if not auth.revoke_api_token(db, person_id=person.id, token_id=token_id):
        return False
    audit.record(
        db, actor_id=person.id, action="api_token.revoke", object_type="api_token", object_id=token_id
    )
    return True


def log_out_everywhere(db: Session, *, person_id: int) -> tuple[int, int]:
    """End every session and revoke every API token of the person (a lost tablet may hold either);
    returns how many of each."""
    sessions = auth.revoke_all_sessions(db, person_id=person_id)
    tokens = auth.revoke_all_api_tokens(db, person_id=person_id)
    audit.record(
        db,
        actor_id=person_id,
        action="sessions.revoke_all",
        object_type="person",
        object_id=person_id,
        summary=f"{sessions} sessions, {tokens} API tokens",
        diff={"sessions": [sessions, 0], "api_tokens": [tokens, 0]},
    )
    return sessions, tokens


def device_label(user_agent: str) -> str:
    """A short, human name for a browser's user agent ("Safari på iPad")."""
    ua = user_agent.lower()
    systems = [
        ("ipad", "iPad"),
        ("iphone", "iPhone"),
        ("android", "Android"),
        ("windows", "Windows"),
        ("mac os", "Mac"),
        ("cros", "Chromebook"),
        ("linux", "Linux"),
    ]
    browsers = [
        ("edg/", "Edge"),
        ("firefox/", "Firefox"),
        ("chrome/", "Chrome"),
        ("chromium/", "Chromium"),
        ("safari/", "Safari"),
    ]
    system = next((name for key, name in systems if key in ua), "")
    browser = next((name for key, name in browsers if key in ua), "")
    if not system and not browser:
        return user_agent[:40] or _("Ukendt enhed")
    if system and browser:
        return _("%(browser)s på %(system)s", browser=browser, system=system)
    return browser or system
