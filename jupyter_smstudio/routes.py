"""The full route table: every area's routes, in one list."""

from __future__ import annotations

from .api import handlers as server
from .api.routes import Route
from .lifecycle import handlers as lifecycle


def all_routes() -> list[Route]:
    return [*server.ROUTES, *lifecycle.ROUTES]
