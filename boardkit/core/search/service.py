"""One search over every domain's material, filtered by what the reader may see.

Domains describe their material as :class:`Document`\\ s through a *provider* they register here
(``core`` imports no domain): ``register_provider("meeting", documents)`` where
``documents(db, ids)`` yields the documents of the given groups (``ids=None``: all of them).
A provider's documents for id ``n`` form the group ``"<provider>:<n>"``; re-indexing a group
replaces all its documents, so a deleted agenda item or a closed flag that changed is simply
gone from, or changed in, the index.

Indexing runs after commit: services call :func:`queue_index` in their transaction, and a job
(``search.index``) asks the provider again and writes the index. ``boardkit reindex`` rebuilds
everything from the database.

Permissions are *scopes*: each document names the tokens that may see it (``board:12`` open
material of board 12, ``board:12:closed`` its closed material, ``dept:3:public`` what the
residents of department 3 see, ``org:1:staff`` / ``dept:3:staff`` the administration), and a
reader's tokens come from their :class:`Principal` by the same rules as ``permissions.can``.
The index only ever answers with documents carrying one of the reader's tokens.

The index sits behind :class:`SearchBackend`: the local whoosh index (``whoosh.py``) on SQLite,
PostgreSQL's full-text search (``postgres.py``) when the database is PostgreSQL, so several
processes and machines share it (``indexing.backend_for`` chooses; ``BOARDKIT_SEARCH`` overrides).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session

from boardkit.core import jobs
from boardkit.core.metrics import timed_search
from boardkit.core.models import Job
from boardkit.core.permissions import Principal

INDEX = "search.index"
KINDS = (
    "meeting",
    "agenda_item",
    "proposal",
    "attachment",
    "minutes",
    "decision",
    "forum_thread",
    "library_document",
)
MAX_QUERY_CHARS = 500
MAX_TERMS = 12
PAGE_SIZE = 20


@dataclass(frozen=True)
class Document:
    """One searchable thing, as its domain describes it.

    ``route``/``params``/``anchor`` name the page that shows it (resolved with ``url_for`` when
    a result is shown). ``file_sha256``/``file_type``: a stored file whose text (PDFs) the
    indexer reads and adds to ``text`` — off the event loop, bounded, never failing the job.
    """

    kind: str  # one of KINDS (or a new domain's own)
    id: int
    group: str  # "<provider>:<id the provider was asked for>"
    title: str
    text: str
    scopes: frozenset[str]
    route: str
    params: dict[str, int] = field(default_factory=dict)
    anchor: str = ""
    date: datetime | None = None
    file_sha256: str = ""
    file_type: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


Provider = Callable[[Session, Sequence[int] | None], Iterable[Document]]
PROVIDERS: dict[str, Provider] = {}


def register_provider(name: str, documents: Provider) -> None:
    """Register a domain's documents under ``name`` (the ``kind`` of its index jobs)."""
    PROVIDERS[name] = documents


def group(provider: str, id: int) -> str:
    return f"{provider}:{id}"


def queue_index(db: Session, provider: str, ids: Iterable[int]) -> None:
    """Re-index these groups after the caller's transaction commits; one job per transaction."""
    wanted = {int(i) for i in ids}
    if not wanted:
        return
    pending: dict[str, Job] = db.info.setdefault("search_jobs", {})
    job = pending.get(provider)
    if job is None:
        pending[provider] = jobs.enqueue(db, INDEX, {"kind": provider, "ids": sorted(wanted)})
    else:  # a new dict, so the JSON column sees the change
        job.payload = {"kind": provider, "ids": sorted(wanted | set(job.payload["ids"]))}


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop("search_jobs", None)


# --- scopes -------------------------------------------------------------------------------


def board_scope(board_id: int) -> str:
    return f"board:{board_id}"


def closed_scope(board_id: int) -> str:
    return f"board:{board_id}:closed"


def public_scope(department_id: int) -> str:
    return f"dept:{department_id}:public"


def staff_scopes(organisation_id: int, department_id: int | None) -> set[str]:
    scopes = {f"org:{organisation_id}:staff"}
    if department_id is not None:
        scopes.add(f"dept:{department_id}:staff")
    return scopes


def material_scopes(
    *,
    organisation_id: int,
    board_id: int,
    department_id: int | None,
    residents: bool,
    closed: bool,
) -> frozenset[str]:
    """Who may see a board's material, mirroring ``permissions.can(VIEW)``.

    Closed material: the sitting board (not substitutes) and the administration. Open material:
    the whole board and the administration, and — when it is the residents' (a department
    meeting) — the department's residents and anyone on one of its boards.
    """
    scopes = staff_scopes(organisation_id, department_id)
    if closed:
        scopes.add(closed_scope(board_id))
    else:
        scopes.add(board_scope(board_id))
        if residents and department_id is not None:
            scopes.add(public_scope(department_id))
    return frozenset(scopes)


def reader_scopes(p: Principal) -> frozenset[str]:
    """The tokens of what ``p`` may see (empty for an anonymous reader)."""
    if not p.is_authenticated:
        return frozenset()
    scopes: set[str] = set()
    for board_id, role in p.board_roles.items():
        scopes.add(board_scope(board_id))
        if role != "substitute" and board_id not in p.closed_locked_boards:
            scopes.add(closed_scope(board_id))
    for department_id in p.resident_department_ids:
        scopes.add(public_scope(department_id))
    for board_department in p.board_departments.values():
        if board_department is not None:
            scopes.add(public_scope(board_department))
    scopes.update(f"org:{o}:staff" for o in p.staff_organisation_ids)
    scopes.update(f"dept:{d}:staff" for d in p.staff_department_ids)
    return frozenset(scopes)


# --- searching ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    kind: str
    id: int
    title: str
    route: str
    params: dict[str, int]
    anchor: str
    date: datetime | None
    highlights: list[str]  # HTML: escaped text with <mark> around the matched words
    score: float


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    total: int  # hits shown
    terms: list[str]  # the words searched for, as the analyzer made them
    more: bool = False  # there are more than a page of matches (not counted: that costs a search)


class SearchBackend(Protocol):
    """What an index must do (the local whoosh index, PostgreSQL's full-text search)."""

    def replace_groups(self, groups: Sequence[str], documents: Iterable[Document]) -> int: ...

    def rebuild(self, documents: Iterable[Document]) -> int: ...

    def search(
        self, query: str, *, scopes: frozenset[str], kind: str | None = None, limit: int = PAGE_SIZE
    ) -> Results: ...

    def count(self) -> int: ...


class QueryTooLong(ValueError):
    pass


def clean_query(raw: str) -> str:
    """The words to search for: control characters out, whitespace folded; refuse novels."""
    text = "".join(c if c.isprintable() else " " for c in raw)
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooLong(text[:40])
    return text


def documents_for(db: Session, provider: str, ids: Sequence[int] | None) -> Iterable[Document]:
    """Ask a registered provider for documents (LookupError for an unknown provider)."""
    try:
        documents = PROVIDERS[provider]
    except KeyError:
        raise LookupError(f"no search provider {provider!r}") from None
    return documents(db, ids)


def all_documents(db: Session) -> Iterable[Document]:
    for name in sorted(PROVIDERS):
        yield from documents_for(db, name, None)


def describe(hit: Hit) -> dict[str, Any]:
    """A hit as the API shows it (without its URL, which needs the request to build)."""
    return {
        "kind": hit.kind,
        "id": hit.id,
        "title": hit.title,
        "highlights": hit.highlights,
        "date": hit.date.isoformat() if hit.date else None,
    }


def search_for(
    backend: SearchBackend,
    principal: Principal,
    text: str,
    *,
    kind: str | None = None,
    limit: int = PAGE_SIZE,
) -> Results:
    """What ``principal`` may see that matches ``text`` (QueryTooLong for a novel)."""
    query, scopes = clean_query(text), reader_scopes(principal)
    with timed_search():
        return backend.search(query, scopes=scopes, kind=kind, limit=limit)
