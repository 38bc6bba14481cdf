"""Settings: the only code that reads the environment (``BOARDKIT_*`` and ``.env``)."""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from boardkit.fileio import private_dir, write_atomic

PREFIX = "BOARDKIT_"
SEARCH_BACKENDS = ("whoosh", "postgres")


class ConfigError(ValueError):
    """A setting that cannot work (the message names it and says what to do)."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("./var")
    database_url: str = ""
    smtp_url: str = ""
    base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = ""
    mail_from: str = "boardkit <noreply@boardkit.local>"
    inprocess_worker: bool = True
    # One log line per request (paths redacted). Off by default: the reverse proxy in front keeps
    # the access log, and writing it here costs a cached page about a sixth of its CPU.
    access_log: bool = False
    # /metrics answers a request with "Authorization: Bearer <this>"; unset, only from this machine.
    metrics_token: str = ""
    max_body_bytes: int = 25 * 1024 * 1024
    # Onboarding videos are uploaded to one route only, which takes bodies up to this size.
    max_video_bytes: int = 1024 * 1024 * 1024
    login_link_minutes: int = 15
    session_days: int = 30
    retry_base_seconds: float = 30.0
    max_attempts: int = 12
    worker_poll_seconds: float = 2.0
    # How long a claimed job stays its worker's without a renewal (renewed every third of it
    # while the job runs): a worker killed mid-job leaves the job to another after at most this.
    job_lease_seconds: float = 60.0
    # How long a write waits for the database's write lock (or a row lock) before answering 503.
    db_busy_timeout_seconds: float = 5.0
    # PostgreSQL connections a process keeps (0: core.db.PG_POOL_SIZE, one per worker thread).
    db_pool_size: int = 0
    # Rate limits for login attempts in a 15-minute window (per account: password attempts).
    login_limit_per_account: int = 10
    login_limit_per_ip: int = 50
    # At most this many unused, unexpired login links per person: asking for more sends nothing
    # (the links already in their inbox still work), so nobody can lock a person out or flood them.
    login_links_unused_max: int = 3
    # argon2 parameters; tests make them cheap.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    secure_cookies: bool = False
    # Notices by SMS and Digital Post: HTTP endpoints of the gateway and the provider (unset: not used).
    sms_url: str = ""
    sms_key: str = ""
    digital_post_url: str = ""
    digital_post_key: str = ""
    http_timeout_seconds: float = 10.0
    # The search index: "whoosh" (files under data_dir) or "postgres" (full-text search in the
    # database); "" chooses by the database: PostgreSQL's own on PostgreSQL, whoosh on SQLite.
    search: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "boardkit.sqlite3"

    @property
    def search_backend(self) -> str:
        """``whoosh`` or ``postgres``: the one chosen, or the database's natural one."""
        if self.search:
            return self.search
        return "postgres" if self.database_url.startswith("postgresql") else "whoosh"

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_settings(env: dict[str, str] | None = None, env_file: str | os.PathLike[str] = ".env") -> Settings:
    """Build settings from ``.env`` overlaid by the process environment (or ``env``)."""
    values: dict[str, str] = {}
    if env is None:
        if Path(env_file).is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ)
    else:
        values.update(env)
    raw = {k[len(PREFIX) :].lower(): v for k, v in values.items() if k.startswith(PREFIX)}

    data_dir = Path(raw.get("data_dir", "./var")).expanduser().resolve()
    port = int(raw.get("port", "8000"))
    base_url = raw.get("base_url", f"http://127.0.0.1:{port}").rstrip("/")
    secret_key = raw.get("secret_key") or _persistent_secret(data_dir)
    database_url = raw.get("database_url") or f"sqlite:///{data_dir / 'boardkit.sqlite3'}"
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        smtp_url=raw.get("smtp_url", ""),
        base_url=base_url,
        host=raw.get("host", "127.0.0.1"),
        port=port,
        secret_key=secret_key,
        mail_from=raw.get("mail_from", Settings.mail_from),
        inprocess_worker=_bool(raw.get("inprocess_worker", "1")),
        access_log=_bool(raw.get("access_log", "0")),
        metrics_token=raw.get("metrics_token", ""),
        max_body_bytes=int(raw.get("max_body_bytes", str(Settings.max_body_bytes))),
        max_video_bytes=int(raw.get("max_video_bytes", str(Settings.max_video_bytes))),
        retry_base_seconds=float(raw.get("retry_base_seconds", "30")),
        job_lease_seconds=float(raw.get("job_lease_seconds", str(Settings.job_lease_seconds))),
        secure_cookies=_bool(raw.get("secure_cookies", "1" if base_url.startswith("https://") else "0")),
        sms_url=raw.get("sms_url", ""),
        sms_key=raw.get("sms_key", ""),
        digital_post_url=raw.get("digital_post_url", ""),
        digital_post_key=raw.get("digital_post_key", ""),
        http_timeout_seconds=float(raw.get("http_timeout_seconds", "10")),
        db_busy_timeout_seconds=float(
            raw.get("db_busy_timeout_seconds", str(Settings.db_busy_timeout_seconds))
        ),
        db_pool_size=int(raw.get("db_pool_size", "0") or 0),
        search=search_choice(raw.get("search", ""), database_url),
    )


def search_choice(value: str, database_url: str) -> str:
    """``BOARDKIT_SEARCH`` checked against the database (ConfigError when it cannot work)."""
    choice = value.strip().lower()
    if choice and choice not in SEARCH_BACKENDS:
        raise ConfigError(
            f"BOARDKIT_SEARCH={value!r}: use one of {', '.join(SEARCH_BACKENDS)} (or leave it unset)"
        )
    if choice == "postgres" and not database_url.startswith("postgresql"):
        raise ConfigError(
            "BOARDKIT_SEARCH=postgres needs a PostgreSQL database (BOARDKIT_DATABASE_URL=postgresql+psycopg://…);"
            " on SQLite search uses whoosh"
        )
    return choice


def _persistent_secret(data_dir: Path) -> str:
    """Without BOARDKIT_SECRET_KEY, keep a random key in the data directory so restarts keep sessions
    (and the bank accounts it encrypts stay readable): made whole or not at all, the first process
    to start wins and the others read its key."""
    path = data_dir / "secret_key"
    if path.is_file():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    try:
        private_dir(data_dir)
        write_atomic(path, key.encode(), exclusive=True)
    except FileExistsError:  # another process made it a moment ago
        return path.read_text().strip()
    except OSError as exc:  # a read-only or full data directory: start anyway (and say why)
        logging.getLogger("boardkit").error(
            "cannot keep a secret key in %s (%s): using one for this process only "
            "(logins end when it stops); set BOARDKIT_SECRET_KEY",
            data_dir,
            exc,
        )
    return key
