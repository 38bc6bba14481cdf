"""Search over every domain's material, filtered by what the reader may see.

``service`` is the public face (documents, providers, scopes, ``queue_index``, the backend
protocol) and is re-exported here, so domains write ``from boardkit.core import search;
search.queue_index(...)``. ``indexing`` runs the ``search.index`` job and the full rebuild,
``whoosh`` is the local index (SQLite's default), ``postgres`` the index in PostgreSQL (its
default; ``BOARDKIT_SEARCH`` chooses), ``views`` the search page. Modules inside the package import
their siblings directly, never this ``__init__``.
"""

from boardkit.core.search.service import (
    INDEX,
    KINDS,
    MAX_QUERY_CHARS,
    MAX_TERMS,
    PAGE_SIZE,
    PROVIDERS,
    Document,
    Hit,
    Provider,
    QueryTooLong,
    Results,
    SearchBackend,
    all_documents,
    board_scope,
    clean_query,
    closed_scope,
    describe,
    documents_for,
    group,
    material_scopes,
    public_scope,
    queue_index,
    reader_scopes,
    register_provider,
    search_for,
    staff_scopes,
)

__all__ = [
    "INDEX",
    "KINDS",
    "MAX_QUERY_CHARS",
    "MAX_TERMS",
    "PAGE_SIZE",
    "PROVIDERS",
    "Document",
    "Hit",
    "Provider",
    "QueryTooLong",
    "Results",
    "SearchBackend",
    "all_documents",
    "board_scope",
    "clean_query",
    "closed_scope",
    "describe",
    "documents_for",
    "group",
    "material_scopes",
    "public_scope",
    "queue_index",
    "reader_scopes",
    "register_provider",
    "search_for",
    "staff_scopes",
]
