"""What a domain adds to the application, in one place: its routes, jobs and periodic tasks.

Each domain has a ``registration.py`` with ``register(reg: Registry)``; ``app.compose`` calls them
in order (the web app, the worker, the CLI and the tests all start there). A domain also hands core
the callbacks core cannot import (a notice link view, audit names, a search provider) in its
``register`` — those registries are process-wide and registering again replaces, so calling
``register`` twice is harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session
from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp

from boardkit.config import Settings
from boardkit.core import jobs
from boardkit.core.models import Job


@dataclass
class Registry:
    settings: Settings
    runner: jobs.JobRunner
    _routes: list[BaseRoute] = field(default_factory=list)

    def routes(self, routes: Sequence[BaseRoute]) -> None:
        """Add routes at the root; the first that matches answers, so they keep their order."""
        self._routes.extend(routes)

    def mount(
        self,
        path: str,
        routes: Sequence[BaseRoute] | None = None,
        *,
        app: ASGIApp | None = None,
        name: str | None = None,
    ) -> None:
        """Mount routes (or an ASGI app) under ``path``; a mount at "/" is tried after all others."""
        self._routes.append(Mount(path, routes=routes, app=app, name=name))

    def job(
        self,
        kind: str,
        handler: jobs.Handler | jobs.OwnHandler,
        *,
        own_transactions: bool = False,
        on_failure: Callable[[Session, Job], None] | None = None,
    ) -> None:
        """A job handler; ``on_failure(db, job)`` runs once the job has failed for good."""
        self.runner.register(kind, handler, own_transactions=own_transactions)
        if on_failure is not None:
            self.on_failure(kind, on_failure)

    def every(
        self,
        kind: str,
        handler: jobs.Handler | jobs.OwnHandler,
        *,
        seconds: float,
        own_transactions: bool = False,
    ) -> None:
        """A periodic task, queued about every ``seconds`` by whichever worker looks first."""
        self.runner.every(kind, handler, seconds=seconds, own_transactions=own_transactions)

    def on_failure(self, kind: str, hook: Callable[[Session, Job], None]) -> None:
        """Also run ``hook`` (in one transaction with the others) when a ``kind`` job gives up."""
        self.runner.failure_hooks.setdefault(kind, []).append(hook)

    def on_idle(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` whenever the job queue runs dry (e.g. close a kept SMTP connection)."""
        self.runner.idle_hooks.append(hook)

    def app_routes(self) -> list[BaseRoute]:
        """Every route in order, with a mount at "/" last (it would shadow every mount after it)."""
        return sorted(self._routes, key=lambda r: isinstance(r, Mount) and r.path == "")
