"""REST API: one search over everything the caller may see, with highlights."""

from __future__ import annotations

from typing import Any

from starlette.routing import NoMatchFound, Route

from boardkit.core import search
from boardkit.core.errors import AppError
from boardkit.core.i18n import _
from boardkit.core.search.indexing import backend_for
from boardkit.core.web import Ctx, api


@api
def search_api(ctx: Ctx) -> dict[str, Any]:
    """``?q=&kind=``: the best 20 results I may see; 400 for an unknown kind or a query too long."""
    raw = ctx.request.query_params.get("q", "")
    kind = ctx.request.query_params.get("kind", "") or None
    if kind is not None and kind not in search.KINDS:
        raise AppError(
            _("Ukendt type. Brug en af: %(kinds)s.", kinds=", ".join(search.KINDS)),
            code="invalid_kind",
            fields={"kind": "invalid"},
        )
    try:
        results = search.search_for(backend_for(ctx.settings), ctx.principal, raw, kind=kind)
    except search.QueryTooLong:
        raise AppError(
            _("Søgningen er for lang. Skriv højst %(n)s tegn.", n=search.MAX_QUERY_CHARS),
            code="query_too_long",
            fields={"q": "too_long"},
        ) from None
    items = []
    for hit in results.hits:
        try:
            url = ctx.absolute_url(hit.route, **hit.params)
        except NoMatchFound:
            continue
        items.append({**search.describe(hit), "url": f"{url}#{hit.anchor}" if hit.anchor else url})
    return {"items": items, "more": results.more, "next": None}


HIT = {
    "type": "object",
    "required": ["kind", "id", "title", "url", "highlights", "date"],
    "properties": {
        "kind": {"type": "string", "enum": list(search.KINDS)},
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "url": {"type": "string", "description": "The page that shows it"},
        "highlights": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Fragments of the text as HTML: escaped, with <mark> around the matched words",
        },
        "date": {"type": ["string", "null"], "format": "date-time"},
    },
}
_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}

PATHS: dict[str, Any] = {
    "/search": {
        "get": {
            "summary": "Search meetings, agenda items, proposals, minutes, decisions and files I may see",
            "description": 'Words are matched with Danish stemming ("vaskeri" finds "vaskeriet"); every '
            "word must occur. Closed material only for those allowed to see it.",
            "operationId": "search",
            "parameters": [
                {
                    "name": "q",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "maxLength": search.MAX_QUERY_CHARS},
                },
                {
                    "name": "kind",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "enum": list(search.KINDS)},
                },
            ],
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["items", "next"],
                                "properties": {
                                    "items": {"type": "array", "items": HIT},
                                    "more": {
                                        "type": "boolean",
                                        "description": "More matched than shown: add words to narrow",
                                    },
                                    "next": {"type": ["string", "null"]},
                                },
                            }
                        }
                    },
                },
                "400": {"description": "Unknown kind or query too long", "content": _ERROR},
                "401": {"description": "No or invalid token", "content": _ERROR},
            },
        }
    }
}

routes = [Route("/search", search_api, name="search")]
