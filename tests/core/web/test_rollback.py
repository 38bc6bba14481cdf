"""A caught domain error rolls back the request without anyone setting a flag; a step in
``ctx.savepoint()`` fails on its own; an error only built (not raised) changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from boardkit.core import jobs
from boardkit.core.db import Database
from boardkit.core.errors import Conflict, ValidationFailed
from boardkit.core.models import Job
from boardkit.core.web import Ctx, api
from tests.helpers import api_token

pytestmark = pytest.mark.postgres  # savepoints and rollbacks: both databases


@api
def caught(ctx: Ctx) -> Response:
    jobs.enqueue(ctx.db, "probe", {"step": "before"})
    try:
        raise Conflict("taken")
    except Conflict as exc:
        return JSONResponse({"message": exc.message}, status_code=409)


@api
def partly(ctx: Ctx) -> Response:
    jobs.enqueue(ctx.db, "probe", {"step": "kept"})
    try:
        with ctx.savepoint():
            jobs.enqueue(ctx.db, "probe", {"step": "undone"})
            raise ValidationFailed("wrong", fields={"amount": "invalid"})
    except ValidationFailed:
        pass
    return JSONResponse({}, status_code=201)


@api
def built_only(ctx: Ctx) -> Response:
    later = Conflict("not now")  # made, never raised
    jobs.enqueue(ctx.db, "probe", {"step": later.code})
    return JSONResponse({}, status_code=201)


def steps(db: Database) -> list[str]:
    with db.transaction() as s:
        return [p["step"] for p in s.scalars(select(Job.payload).where(Job.kind == "probe").order_by(Job.id))]


@pytest.fixture
def probe(app, client: TestClient, demo: Database) -> TestClient:  # type: ignore[no-untyped-def]
    for path, view in (("/_caught", caught), ("/_partly", partly), ("/_built", built_only)):
        app.router.routes.insert(0, Route(path, view, methods=["POST"]))
    client.headers.update(api_token(demo, "formand@demo.boardkit.dk"))
    return client


def test_a_caught_domain_error_rolls_back_the_request(probe: TestClient, db: Database) -> None:
    assert probe.post("/_caught").status_code == 409
    assert steps(db) == []


def test_a_step_in_a_savepoint_fails_alone(probe: TestClient, db: Database) -> None:
    assert probe.post("/_partly").status_code == 201
    assert steps(db) == ["kept"]


def test_an_error_that_is_only_built_changes_nothing(probe: TestClient, db: Database) -> None:
    assert probe.post("/_built").status_code == 201
    assert steps(db) == ["conflict"]
