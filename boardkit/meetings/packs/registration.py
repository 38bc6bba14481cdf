"""Meeting packs' part of the application: the pack and reader pages, and the jobs that build,
render and prepare packs (each opens its own transactions: PDFs are made outside any write)."""

from __future__ import annotations

from boardkit.core.registry import Registry
from boardkit.meetings.packs.build import make_handlers
from boardkit.meetings.packs.views import routes


def register(reg: Registry) -> None:
    reg.routes(routes)
    for kind, handler in make_handlers(reg.settings).items():
        reg.job(kind, handler, own_transactions=True)
