"""Authentication mechanics: login links, server-side sessions, API tokens, passwords, rate limits.

Every secret handed to a browser or a client is random; only its SHA-256 is stored.
People are referred to by id; looking them up is the ``org`` domain's business.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import typing
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from boardkit.core.db import utcnow
from boardkit.core.errors import RateLimited
from boardkit.core.i18n import _
from boardkit.core.models import ApiToken, LoginAttempt, LoginToken, WebSession

# Paths whose last segment is a secret that acts for its holder: a login link, an RSVP answer, a
# notice's read receipt, a calendar feed (``core.mail`` masks the same links in the mail log).
SECRET_PATH = re.compile(r"(/(?:login/link|rsvp|n|calendar)/)[^\s\"'<>?#&/]+")
RATE_WINDOW = timedelta(minutes=15)
TOUCH_EVERY = timedelta(minutes=5)
API_TOKEN_PREFIX = "bk_"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def redact_secrets(text: str) -> str:
    """``text`` with the secret of every personal link's path masked."""
    return SECRET_PATH.sub(r"\1********", text)


class RedactSecrets(logging.Filter):
    """Log lines never carry a personal link's secret: an access log lists every path requested,
    and a login link opened but not used still works."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_secrets(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact_secrets(record.msg)
        return True


# --- passwords --------------------------------------------------------------------------


@dataclass(frozen=True)
class PasswordPolicy:
    time_cost: int = 3
    memory_kib: int = 65536

    def hasher(self) -> PasswordHasher:
        return PasswordHasher(time_cost=self.time_cost, memory_cost=self.memory_kib, parallelism=1)


def hash_password(password: str, policy: PasswordPolicy) -> str:
    return policy.hasher().hash(password)


def verify_password(stored: str | None, password: str, policy: PasswordPolicy) -> bool:
    if not stored:
        # Spend the same time as a real check so timing does not tell who has a password.
        policy.hasher().hash(password)
        return False
    try:
        return policy.hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


# --- rate limiting ----------------------------------------------------------------------


def _fitting(key: str) -> str:
    """A key the column holds: a long one (junk typed as an e-mail address) by its hash."""
    return key if len(key) <= 200 else f"{key[:20]}#{hashlib.sha256(key.encode()).hexdigest()}"


def check_rate(db: Session, *, keys: dict[str, int], now: datetime | None = None) -> None:
    """Record one attempt under each key; raise RateLimited when any key is over its limit."""
    now = now or utcnow()
    since = now - RATE_WINDOW
    keys = {_fitting(key): limit for key, limit in keys.items()}
    db.execute(delete(LoginAttempt).where(LoginAttempt.at < now - 2 * RATE_WINDOW))
    for key, limit in keys.items():
        count = db.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(LoginAttempt.key == key, LoginAttempt.at >= since)
        )
        if (count or 0) >= limit:
            raise RateLimited(_("For mange forsøg. Vent et kvarter, og prøv igen."))
    db.add_all(LoginAttempt(key=key, at=now) for key in keys)
    db.flush()


# --- login links ------------------------------------------------------------------------


def create_login_token(db: Session, *, person_id: int, minutes: int, next_path: str = "") -> str:
    secret = new_secret()
    db.add(
        LoginToken(
            person_id=person_id,
            token_hash=hash_secret(secret),
            expires_at=utcnow() + timedelta(minutes=minutes),
            next_path=next_path,
        )
    )
    db.flush()
    return secret


def count_unused_login_tokens(db: Session, *, person_id: int) -> int:
    """The person's login links that still work (neither used nor expired)."""
    return int(
        db.scalar(
            select(func.count())
            .select_from(LoginToken)
            .where(
                LoginToken.person_id == person_id,
                LoginToken.used_at.is_(None),
                LoginToken.expires_at >= utcnow(),
            )
        )
        or 0
    )


def retire_login_tokens(db: Session, *, person_id: int) -> None:
    """Use up the person's other open login links once they have logged in with one."""
    now = utcnow()
    db.execute(
        update(LoginToken)
        .where(LoginToken.person_id == person_id, LoginToken.used_at.is_(None), LoginToken.expires_at >= now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


def peek_login_token(db: Session, *, secret: str) -> LoginToken | None:
    """The still-valid token for ``secret`` without using it up."""
    token = db.scalar(select(LoginToken).where(LoginToken.token_hash == hash_secret(secret)))
    if token is None or token.used_at is not None or token.expires_at < utcnow():
        return None
    return token


def consume_login_token(db: Session, *, secret: str) -> LoginToken | None:
    """Use a login link once: the conditional update makes a second use fail even when racing."""
    now = utcnow()
    result = db.execute(
        update(LoginToken)
        .where(
            LoginToken.token_hash == hash_secret(secret),
            LoginToken.used_at.is_(None),
            LoginToken.expires_at >= now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.scalar(select(LoginToken).where(LoginToken.token_hash == hash_secret(secret)))


# --- sessions ---------------------------------------------------------------------------


def create_session(
    db: Session, *, person_id: int, days: int, user_agent: str = "", ip: str = "", method: str = "link"
) -> str:
    secret = new_secret()
    now = utcnow()
    db.add(
        WebSession(
            person_id=person_id,
            token_hash=hash_secret(secret),
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(days=days),
            user_agent=user_agent[:300],
            ip=ip[:64],
            method=method,
        )
    )
    db.flush()
    return secret


def resolve_session(db: Session, *, secret: str, days: int, touch: bool = True) -> WebSession | None:
    session = db.scalar(select(WebSession).where(WebSession.token_hash == hash_secret(secret)))
    now = utcnow()
    if session is None or session.revoked_at is not None or session.expires_at < now:
        return None
    if touch and now - session.last_seen_at > TOUCH_EVERY:
        session.last_seen_at = now
        session.expires_at = now + timedelta(days=days)
    return session


def list_sessions(db: Session, *, person_id: int) -> list[WebSession]:
    return list(
        db.scalars(
            select(WebSession)
            .where(
                WebSession.person_id == person_id,
                WebSession.revoked_at.is_(None),
                WebSession.expires_at > utcnow(),
            )
            .order_by(WebSession.last_seen_at.desc())
        )
    )


def revoke_session(db: Session, *, person_id: int, session_id: int) -> bool:
    result = db.execute(
        update(WebSession)
        .where(
            WebSession.id == session_id, WebSession.person_id == person_id, WebSession.revoked_at.is_(None)
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def revoke_all_sessions(db: Session, *, person_id: int) -> int:
    result = db.execute(
        update(WebSession)
        .where(WebSession.person_id == person_id, WebSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- API tokens -------------------------------------------------------------------------


def create_api_token(db: Session, *, person_id: int, name: str) -> tuple[ApiToken, str]:
    secret = API_TOKEN_PREFIX + new_secret()
    token = ApiToken(person_id=person_id, name=name[:100], prefix=secret[:10], token_hash=hash_secret(secret))
    db.add(token)
    db.flush()
    return token, secret


@dataclass(frozen=True)
class TokenUse:
    """A live API token as a request uses it (read without loading the whole row as an object)."""

    id: int
    person_id: int
    last_used_at: datetime | None


# Every API request runs these two: plain Core statements on the session's connection (the ORM's
# execution path costs more than the query). The use of a token is bookkeeping, not page data: it
# does not move the data generation (core/generation.py).
_TOKEN_TABLE = typing.cast(Table, ApiToken.__table__)
_TOKENS = _TOKEN_TABLE.c
_LIVE_TOKEN = select(_TOKENS.id, _TOKENS.person_id, _TOKENS.last_used_at).where(
    _TOKENS.token_hash == bindparam("token_hash"), _TOKENS.revoked_at.is_(None)
)


def resolve_api_token(db: Session, *, secret: str, touch: bool = True) -> TokenUse | None:
    """The live token for ``secret``; ``touch`` notes its use now, in this transaction (a read
    request leaves that to :func:`touch_api_token`, later, so it never waits for the write lock)."""
    row = db.connection().execute(_LIVE_TOKEN, {"token_hash": hash_secret(secret)}).first()
    if row is None:
        return None
    token = TokenUse(id=row[0], person_id=row[1], last_used_at=row[2])
    if touch and needs_touch(token.last_used_at):
        touch_api_token(db, token_id=token.id, at=utcnow())
    return token


def needs_touch(last_used_at: datetime | None, now: datetime | None = None) -> bool:
    """Whether a token's "last used" is old enough to be noted again (not on every request)."""
    return last_used_at is None or (now or utcnow()) - last_used_at > TOUCH_EVERY


_TOUCH_TOKEN = (
    update(_TOKEN_TABLE)
    .where(
        _TOKENS.id == bindparam("token_id"),
        (_TOKENS.last_used_at.is_(None)) | (_TOKENS.last_used_at < bindparam("at")),
    )
    .values(last_used_at=bindparam("at"))
)


def touch_api_token(db: Session, *, token_id: int, at: datetime) -> None:
    """Note that a token was used at ``at`` (never moving "last used" backwards)."""
    db.connection().execute(_TOUCH_TOKEN, {"token_id": token_id, "at": at})


def list_api_tokens(db: Session, *, person_id: int) -> list[ApiToken]:
    return list(
        db.scalars(
            select(ApiToken)
            .where(ApiToken.person_id == person_id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc())
        )
    )


def revoke_all_api_tokens(db: Session, *, person_id: int) -> int:
    result = db.execute(
        update(ApiToken)
        .where(ApiToken.person_id == person_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def revoke_api_token(db: Session, *, person_id: int, token_id: int) -> bool:
    token = db.get(ApiToken, token_id)
    if token is None or token.person_id != person_id or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    return True


# --- CSRF -------------------------------------------------------------------------------


def csrf_token(secret_key: str, binding: str, session_id: int | None = None) -> str:
    """A form token bound to the browser's CSRF cookie and to its login session (signed double
    submit): a cookie planted in someone's browser, with a token its planter got for their own
    session, is worth nothing in the victim's session."""
    message = f"csrf:{binding}:{session_id if session_id is not None else '-'}"
    return hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()


def csrf_valid(secret_key: str, binding: str, submitted: str, session_id: int | None = None) -> bool:
    return bool(binding and submitted) and hmac.compare_digest(
        csrf_token(secret_key, binding, session_id), submitted
    )
