"""The REST API's part of the application: every /api/v1 route (thin routes over the domains'
services, documented by the generated OpenAPI document)."""

from __future__ import annotations

from boardkit.api.views import routes
from boardkit.core.registry import Registry


def register(reg: Registry) -> None:
    reg.mount("/api/v1", routes, name="api")
