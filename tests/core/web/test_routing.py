"""Routing by the first segment never loses a route that Starlette's walk would have matched."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.routing import Match, Mount, Route

from boardkit.app import create_app
from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.core.web.routing import IndexedRouter


def _scope(path: str, method: str) -> dict[str, object]:
    return {
        "type": "http",
        "path": path,
        "root_path": "",
        "method": method,
        "headers": [],
        "query_string": b"",
    }


def _samples(routes: list) -> list[str]:  # type: ignore[type-arg]
    paths = ["/", "//", "/nope", "/api", "/api/v1", "/api/v1/nope", "/static/app.css", "/x/y/z"]
    for route in routes:
        if isinstance(route, Route | Mount):
            fmt = route.path_format if isinstance(route, Route) else route.path + "/x"
            for value in ("1", "abc"):
                path = re.sub(r"\{[^}]+\}", value, fmt) or "/"
                paths += [path, path.rstrip("/") + "/", path + "x", "/" + path.lstrip("/")]
    return paths


def test_every_route_that_could_match_is_a_candidate(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path), db=Database("sqlite://"), start_worker=False)
    router = app.router
    assert isinstance(router, IndexedRouter)
    routes = list(router.routes)
    assert len(routes) > 100
    checked = 0
    for path in _samples(routes):
        for method in ("GET", "POST"):
            scope = _scope(path, method)
            wanted = [r for r in routes if r.matches(scope)[0] is not Match.NONE]
            candidates = router._candidates(path)
            assert [r for r in candidates if r in wanted] == wanted, path  # none lost, same order
            checked += 1
    assert checked > 1000
    # The index really narrows the walk for an API path.
    assert len(router._candidates("/api/v1/ballots")) < len(routes) / 2


def test_not_found_method_not_allowed_and_slash_redirect(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    app = create_app(Settings(data_dir=tmp_path), db=Database("sqlite://"), start_worker=False)
    with TestClient(app) as client:
        assert client.get("/no/such/page").status_code == 404
        assert client.get("/api/v1/no-such-thing").status_code == 404
        assert client.get("/api/v1/ballots").status_code == 405  # POST only: a partial match
        redirected = client.get("/login/", follow_redirects=False)
        assert redirected.status_code in (307, 308) and redirected.headers["location"].endswith("/login")
