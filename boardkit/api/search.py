"""REST API: one search over everything the caller may see, with highlights."""

from __future__ import annotations

from typing import Any

from starlette.routing import NoMatchFound, Route

from boardkit.api.models import misc as m
from boardkit.api.models.common import out
from boardkit.api.openapi import Query, doc
from boardkit.core import search
from boardkit.core.errors import AppError
from boardkit.core.i18n import _
from boardkit.core.search.indexing import backend_for
from boardkit.core.web import Ctx, api


@doc(
    "Search meetings, agenda items, proposals, minutes, decisions and files I may see",
    ok=m.SearchResults,
    errors=(400,),
    op_id="search",
    description='Words are matched with Danish stemming ("vaskeri" finds "vaskeriet"); every '
    "word must occur. Closed material only for those allowed to see it.",
    query=(
        Query("q", {"type": "string", "maxLength": search.MAX_QUERY_CHARS}, required=True),
        Query("kind", {"type": "string", "enum": list(search.KINDS)}),
    ),
)
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
        link = f"{url}#{hit.anchor}" if hit.anchor else url
        items.append(m.Hit.model_validate({**search.describe(hit), "url": link}))
    return out(m.SearchResults(items=items, more=results.more, next=None))


routes = [Route("/search", search_api, name="search")]
