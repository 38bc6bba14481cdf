"""Routing by the path's first segment.

Starlette's router tries every route in turn (about 290 here): ~0.5 ms of CPU per request before
the view runs, a tenth of a vote's cost. ``IndexedRouter`` tries only the routes that can match:
those whose path starts with the request's first segment, and those whose first segment is not
fixed (a parameter, a mount at "/", a host), in their original order. A route whose fixed first
segment differs can never match the path, fully or partly, so the answer is exactly Starlette's:
the same route, the same 405 for a partial match, the same trailing-slash redirect.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.datastructures import URL
from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Match, Mount, Route, Router, WebSocketRoute, get_route_path
from starlette.types import Receive, Scope, Send


def first_segment(route: BaseRoute) -> str | None:
    """The fixed first segment of the route's path ("" for "/"), or None when it is not fixed."""
    if not isinstance(route, Route | WebSocketRoute | Mount):
        return None
    path = route.path
    if isinstance(route, Mount) and path == "":
        return None
    segment = path.lstrip("/").split("/", 1)[0]
    return None if "{" in segment else segment


def _segment_of(path: str) -> str:
    return path.lstrip("/").split("/", 1)[0]


class IndexedRouter(Router):
    _index: dict[str, list[BaseRoute]]
    _loose: list[BaseRoute]
    _indexed_count: int = -1

    def _candidates(self, path: str) -> list[BaseRoute]:
        if self._indexed_count != len(self.routes):  # built once (and again if routes were added)
            segments = [(route, first_segment(route)) for route in self.routes]
            self._index = {}
            for key in {s for _r, s in segments if s is not None}:
                self._index[key] = [r for r, s in segments if s is None or s == key]
            self._loose = [r for r, s in segments if s is None]
            self._indexed_count = len(self.routes)
        return self._index.get(_segment_of(path), self._loose)

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await super().app(scope, receive, send)
            return
        if "router" not in scope:
            scope["router"] = self
        route_path = get_route_path(scope)
        partial = None
        partial_scope: Scope = {}
        for route in self._candidates(route_path):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial, partial_scope = route, child_scope
        if partial is not None:
            scope["route"] = partial
            scope.update(partial_scope)
            await partial.handle(scope, receive, send)
            return
        if scope["type"] == "http" and self.redirect_slashes and route_path != "/":
            redirect_scope = dict(scope)
            if route_path.endswith("/"):
                redirect_scope["path"] = redirect_scope["path"].rstrip("/")
            else:
                redirect_scope["path"] = redirect_scope["path"] + "/"
            for route in self._candidates(get_route_path(redirect_scope)):
                match, _child = route.matches(redirect_scope)
                if match is not Match.NONE:
                    await RedirectResponse(url=str(URL(scope=redirect_scope)))(scope, receive, send)
                    return
        await self.default(scope, receive, send)


def index_routes(app: Starlette) -> None:
    """Let ``app`` route by the first segment (its routes, names and middleware stay as they are),
    and so the routers of its mounts (the API's ``/api/v1``), whose paths are seen without the
    mount's prefix."""
    _index(app.router)


def _index(router: Router) -> None:
    # The router calls its (middleware-free) ``app`` through ``middleware_stack``, bound when it was made.
    assert getattr(router.middleware_stack, "__func__", None) is Router.app, "router has middleware"
    router.__class__ = IndexedRouter
    router.middleware_stack = router.app
    for route in router.routes:
        inner = getattr(route, "app", None) if isinstance(route, Mount) else None
        if type(inner) is Router and getattr(inner.middleware_stack, "__func__", None) is Router.app:
            _index(inner)
