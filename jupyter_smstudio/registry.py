"""Every area of SM Studio, listed once: its routes and its schema migrations.

Adding an area means one line in each list below (and its service in
``services.py``); nothing else in the core changes.
"""

from __future__ import annotations

from .api import handlers as server
from .api.routes import Route
from .lifecycle import handlers as lifecycle_handlers
from .lifecycle import schema as lifecycle_schema
from .store.migrations import Migration
from .wrangler import handlers as wrangler_handlers


def all_routes() -> list[Route]:
    return [*server.ROUTES, *lifecycle_handlers.ROUTES, *wrangler_handlers.ROUTES]


def all_migrations() -> list[Migration]:
    return [*lifecycle_schema.MIGRATIONS]
