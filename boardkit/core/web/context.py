"""What a view gets: :class:`Ctx` (the request, its transaction, who asks, what they sent), the
signed-in :class:`Identity`, uploads, the cookie names and the ``id`` path convertor.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request

from boardkit.config import Settings
from boardkit.core.errors import (
    NotAuthenticated,
    NotFound,
    settled,
)
from boardkit.core.i18n import _
from boardkit.core.permissions import ANONYMOUS, Principal
from boardkit.core.storage import FileStore
from boardkit.core.web.urlmap import url_map

SESSION_COOKIE = "bk_session"
CSRF_COOKIE = "bk_csrf"
LANG_COOKIE = "bk_lang"
FLASH_COOKIE = "bk_flash"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_ID = 2**63 - 1


class IdConvertor(Convertor[int]):
    """Path ids: digits that fit a database integer (larger ones simply do not match: 404)."""

    regex = "[0-9]{1,18}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(int(value))


register_url_convertor("id", IdConvertor())


@dataclass(frozen=True)
class Identity:
    person_id: int
    name: str
    email: str | None
    language: str
    principal: Principal

    @property
    def is_staff(self) -> bool:
        return self.principal.is_staff


IdentityLoader = Callable[[Session, int], Identity | None]


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes
    # A large file (over ``SPOOL_BYTES``) stays on disk here and ``data`` is empty: only the
    # route that takes large bodies (the video upload) gets one, and it reads the file from disk.
    path: Path | None = None

    @property
    def size(self) -> int:
        return self.path.stat().st_size if self.path is not None else len(self.data)


@dataclass
class Ctx:
    """Everything a view needs: the request, its transaction, who is asking and what they sent."""

    request: Request
    db: Session
    settings: Settings
    identity: Identity | None = None
    session_id: int | None = None
    form: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, list[Upload]] = field(default_factory=dict)
    body: Any = None
    csrf: str = ""
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    cookies: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    rollback_only: bool = False  # set by ``form_errors``: the form again, nothing saved
    prepared: Any = None  # what the view's :func:`prepare` step made before the transaction
    bookkeeping: list[tuple[Hashable, Callable[[Session], Any]]] = field(default_factory=list)

    @property
    def principal(self) -> Principal:
        return self.identity.principal if self.identity else ANONYMOUS

    @property
    def store(self) -> FileStore:
        """The stored files (attachments, receipts, packs) under the data directory."""
        return FileStore(self.settings.files_dir)

    @property
    def person_id(self) -> int:
        if self.identity is None:
            raise NotAuthenticated(_("Log ind for at fortsætte."))
        return self.identity.person_id

    def require_login(self) -> Identity:
        if self.identity is None:
            raise NotAuthenticated(_("Log ind for at fortsætte."))
        return self.identity

    def value(self, name: str, default: str = "") -> str:
        values = self.form.get(name)
        return values[0].strip() if values else default

    def values(self, name: str) -> list[str]:
        return [v.strip() for v in self.form.get(name, [])]

    def param(self, name: str, default: str = "") -> str:
        return self.request.path_params.get(name) or self.request.query_params.get(name) or default

    def int_param(self, name: str) -> int:
        value = (
            self.query_int(name) if name not in self.request.path_params else self.request.path_params[name]
        )
        if not isinstance(value, int) or not 0 < value <= MAX_ID:
            raise NotFound()
        return value

    def query_int(self, name: str, default: int | None = None) -> int | None:
        """A whole number from the query string, or ``default`` when absent or not a sane number."""
        raw = self.request.query_params.get(name, "")
        return int(raw) if raw.isdigit() and len(raw) <= 18 else default

    def url(self, name: str, **params: Any) -> str:
        query = params.pop("_query", None)
        url = url_map(self.request.app).path(name, params) or str(self.request.url_for(name, **params).path)
        return f"{url}?{urlencode(query)}" if query else url

    def absolute_url(self, name: str, **params: Any) -> str:
        return self.settings.base_url + self.url(name, **params)

    def flash(self, message: str, kind: str = "success") -> None:
        self.cookies.append((FLASH_COOKIE, json.dumps({"m": message, "k": kind}), {"max_age": 60}))

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A step that may fail on its own: a domain error raised in it undoes only the step's
        writes, and the rest of the request is still committed (a receipt's photo is kept when a
        typed amount is wrong). Any other caught domain error rolls back the whole request."""
        with settled(), self.db.begin_nested():
            yield

    def set_cookie(self, name: str, value: str, **options: Any) -> None:
        self.cookies.append((name, value, options))

    def bookkeep(self, key: Hashable, write: Callable[[Session], Any]) -> None:
        """Note something after the response without making this request wait for the write lock
        (``core.bookkeeping``): ``write`` must be idempotent and take ids, not loaded objects."""
        self.bookkeeping.append((key, write))

    @property
    def client_ip(self) -> str:
        return self.request.client.host if self.request.client else ""
