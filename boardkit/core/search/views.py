"""The search page: one box over everything the reader may see (the header has the same box)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import Response
from starlette.routing import NoMatchFound, Route

from boardkit.core.i18n import _
from boardkit.core.search import service as search
from boardkit.core.search.indexing import backend_for
from boardkit.core.search.service import Hit
from boardkit.core.web import Ctx, page, render


def kind_labels() -> dict[str, str]:
    return {
        "meeting": _("Møder"),
        "agenda_item": _("Dagsordenspunkter"),
        "proposal": _("Forslag"),
        "minutes": _("Referater"),
        "decision": _("Beslutninger"),
        "attachment": _("Bilag"),
        "forum_thread": _("Forumtråde"),
        "library_document": _("Bibliotekets dokumenter"),
    }


def kind_names() -> dict[str, str]:
    """What one result is (the filter above uses the plural)."""
    return {
        "meeting": _("Møde"),
        "agenda_item": _("Dagsordenspunkt"),
        "proposal": _("Forslag"),
        "minutes": _("Referat"),
        "decision": _("Beslutning"),
        "attachment": _("Bilag"),
        "forum_thread": _("Forumtråd"),
        "library_document": _("Dokument i biblioteket"),
    }


@dataclass(frozen=True)
class Shown:
    hit: Hit
    url: str


def hit_url(ctx: Ctx, hit: Hit) -> str | None:
    """The page that shows a hit (None when its route is gone: the hit is left out)."""
    try:
        url = ctx.url(hit.route, **hit.params)
    except NoMatchFound:
        return None
    return f"{url}#{hit.anchor}" if hit.anchor else url


@page
def search_page(ctx: Ctx) -> Response:
    """Search results with highlights, filtered by kind; a query too long is a clear 400."""
    ctx.require_login()
    raw = ctx.request.query_params.get("q", "")
    kind = ctx.request.query_params.get("kind", "")
    if kind not in search.KINDS:
        kind = ""
    try:
        q = search.clean_query(raw)
    except search.QueryTooLong:
        error = _("Søgningen er for lang. Skriv højst %(n)s tegn.", n=search.MAX_QUERY_CHARS)
        context = {"q": raw[: search.MAX_QUERY_CHARS], "kind": kind, "kinds": kind_labels(), "names": {}}
        return render(ctx, "search/search.html", 400, results=None, items=[], error=error, **context)
    results = None
    items: list[Shown] = []
    if q:
        results = search.search_for(backend_for(ctx.settings), ctx.principal, q, kind=kind or None)
        items = [Shown(h, url) for h in results.hits if (url := hit_url(ctx, h)) is not None]
    return render(
        ctx,
        "search/search.html",
        q=q,
        search_q=q,
        kind=kind,
        kinds=kind_labels(),
        names=kind_names(),
        results=results,
        items=items,
        error="",
    )


routes = [Route("/search", search_page, name="search")]
