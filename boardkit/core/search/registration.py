"""Search's part of the application: the search page and the indexing job (the domains register
their material as providers in their own ``register``)."""

from __future__ import annotations

from boardkit.core.registry import Registry
from boardkit.core.search.indexing import make_handler
from boardkit.core.search.service import INDEX
from boardkit.core.search.views import routes


def register(reg: Registry) -> None:
    reg.routes(routes)
    reg.job(INDEX, make_handler(reg.settings), own_transactions=True)
