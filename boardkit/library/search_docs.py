"""The board's documents in the search: one document per library document (its kind, title,
description, a contract's supplier and subject, and the text of its newest PDF), seen by the
board's members and the administration only. Archived documents leave the index."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from boardkit.core import search
from boardkit.core.search import Document
from boardkit.core.uploads import PDF
from boardkit.library.models import LibraryDocument
from boardkit.org import service as org_service

PROVIDER = "library"
KIND = "library_document"


def changed(db: Session, document_id: int) -> None:
    search.queue_index(db, PROVIDER, [document_id])


def documents(db: Session, ids: Sequence[int] | None) -> Iterator[Document]:
    query = (
        select(LibraryDocument)
        .options(selectinload(LibraryDocument.versions))
        .where(LibraryDocument.archived_at.is_(None))
    )
    if ids is not None:
        query = query.where(LibraryDocument.id.in_(list(ids)))
    for document in db.scalars(query):
        board = db.get(org_service.Board, document.board_id)
        if board is None:
            continue
        latest = document.latest
        text = "\n".join(p for p in (document.description, document.supplier, document.subject) if p)
        yield Document(
            kind=KIND,
            id=document.id,
            group=search.group(PROVIDER, document.id),
            title=document.title,
            text=text,
            scopes=frozenset(
                {
                    search.board_scope(board.id),
                    *search.staff_scopes(board.organisation_id, board.department_id),
                }
            ),
            route="library_document",
            params={"document_id": document.id},
            date=document.updated_at,
            file_sha256=latest.sha256 if latest and latest.content_type == PDF else "",
            file_type=latest.content_type if latest and latest.content_type == PDF else "",
        )
