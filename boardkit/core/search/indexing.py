"""Keeping the index in step with the database: the ``search.index`` job and the full rebuild.

Jobs run in the worker (never on the event loop). A document that names a stored PDF gets its
text read here — bounded in pages and characters, cached by the file's sha256 (files never
change), and a file that cannot be read adds no text rather than failing the job.
"""

from __future__ import annotations

import io
import logging
import threading
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from boardkit.config import Settings, search_choice
from boardkit.core import jobs, uploads
from boardkit.core.db import Database, make_engine
from boardkit.core.search import service as search
from boardkit.core.search.postgres import PostgresIndex
from boardkit.core.search.service import Document
from boardkit.core.search.whoosh import WhooshIndex
from boardkit.core.storage import FileStore
from boardkit.fileio import write_atomic

log = logging.getLogger("boardkit.search")

MAX_PDF_PAGES = 200
MAX_FILE_CHARS = 100_000
MAX_PDF_BYTES = 50 * uploads.MB

SEARCH_POOL_SIZE = 5  # PostgreSQL connections a process keeps for searching (more open when busy)
SEARCH_POOL_OVERFLOW = 15

_backends: dict[str, WhooshIndex | PostgresIndex] = {}
_backends_lock = threading.Lock()


def index_dir(settings: Settings) -> Path:
    return settings.data_dir / "search"


def backend_for(settings: Settings) -> WhooshIndex | PostgresIndex:
    """The process's index (opened once, shared by threads): whoosh's files in the data
    directory, or PostgreSQL's table in the database (``Settings.search_backend``)."""
    choice = search_choice(settings.search, settings.database_url) or settings.search_backend
    key = settings.database_url if choice == "postgres" else str(index_dir(settings))
    with _backends_lock:
        backend = _backends.get(key)
        if backend is None:
            if choice == "postgres":
                engine = make_engine(
                    settings.database_url,
                    busy_timeout=settings.db_busy_timeout_seconds,
                    pool_size=SEARCH_POOL_SIZE,
                    max_overflow=SEARCH_POOL_OVERFLOW,
                )
                backend = _backends[key] = PostgresIndex(engine)
            else:
                backend = _backends[key] = WhooshIndex(index_dir(settings) / "index")
        return backend


def close_all() -> None:
    """Close and forget every open index (tests; a process that stops)."""
    with _backends_lock:
        for backend in _backends.values():
            backend.close()
        _backends.clear()


# --- file text ----------------------------------------------------------------------------


def pdf_text(data: bytes, *, max_pages: int = MAX_PDF_PAGES, max_chars: int = MAX_FILE_CHARS) -> str:
    """The text of a PDF's first pages; "" for a file pypdf cannot read (locked, broken, not a PDF)."""
    from pypdf import PdfReader

    if len(data) > MAX_PDF_BYTES:
        return ""
    parts: list[str] = []
    size = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                return ""
            for n, page in enumerate(reader.pages):
                if n >= max_pages or size >= max_chars:
                    break
                text = page.extract_text() or ""
                parts.append(text)
                size += len(text)
    except Exception as exc:  # pypdf raises many kinds on broken files; the text is a nicety
        log.info("no text from a PDF: %s", exc)
    return " ".join(parts)[:max_chars]


class FileText:
    """File text by sha256, read once and kept beside the index."""

    def __init__(self, store: FileStore, cache_dir: Path) -> None:
        self.store = store
        self.cache_dir = cache_dir

    def get(self, sha256: str, content_type: str) -> str:
        if content_type != uploads.PDF:
            return ""
        try:
            cached = self.cache_dir / sha256[:2] / f"{sha256}.txt"
            if cached.is_file():
                return cached.read_text("utf-8")
            data = self.store.get(sha256)
        except (OSError, ValueError) as exc:
            log.warning("file %s for the search index: %s", sha256, exc)
            return ""
        text = pdf_text(data)
        try:  # derived (made again when missing): atomic, no need to wait for the disk
            write_atomic(cached, text.encode("utf-8"), durable=False)
        except OSError as exc:  # a full disk: the index gets its text anyway, the cache waits
            log.warning("cannot keep the text of file %s for the search index: %s", sha256, exc)
        return text


def with_file_text(documents: Iterable[Document], files: FileText) -> Iterator[Document]:
    for doc in documents:
        if doc.file_sha256:
            extra = files.get(doc.file_sha256, doc.file_type)
            if extra:
                doc = replace(doc, text=f"{doc.text}\n{extra}" if doc.text else extra)
        yield doc


# --- the job and the rebuild ----------------------------------------------------------------


def make_handler(settings: Settings) -> jobs.OwnHandler:
    """The ``search.index`` job (registered with ``own_transactions``): the documents are read in
    a read transaction, and the index is written after it, holding no database lock."""
    files = FileText(FileStore(settings.files_dir), index_dir(settings) / "text")

    def handle(database: Database, payload: dict[str, Any]) -> None:
        provider = str(payload.get("kind", ""))
        ids = [int(i) for i in payload.get("ids", [])]
        with database.transaction(readonly=True) as db:
            documents = list(with_file_text(search.documents_for(db, provider, ids), files))
        groups = [search.group(provider, i) for i in ids]
        backend_for(settings).replace_groups(groups, documents)

    return handle


def rebuild(db: Session, settings: Settings) -> int:
    """Index everything from the database afresh (``boardkit reindex``); returns the count."""
    files = FileText(FileStore(settings.files_dir), index_dir(settings) / "text")
    return backend_for(settings).rebuild(with_file_text(search.all_documents(db), files))
