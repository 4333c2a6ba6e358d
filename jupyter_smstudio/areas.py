"""Every area of SM Studio, listed once: its routes and its schema migrations.

Adding an area means one line in each list below (and its service in
``services.py``); nothing else in the core changes.
"""

from __future__ import annotations

from .api import handlers as server
from .api.routes import Route
from .aws import handlers as aws_handlers
from .aws import runtime as runtime_handlers
from .aws import schema as aws_schema
from .compute import handlers as compute_handlers
from .experiments import handlers as experiments_handlers
from .hosting import handlers as hosting_handlers
from .hosting import schema as hosting_schema
from .idle import handlers as idle_handlers
from .jobs import schema as jobs_schema
from .lifecycle import handlers as lifecycle_handlers
from .lifecycle import schema as lifecycle_schema
from .processing import handlers as processing_handlers
from .s3 import gateway as s3_gateway
from .s3 import handlers as s3_handlers
from .s3 import schema as s3_schema
from .spaces import handlers as spaces_handlers
from .spaces import schema as spaces_schema
from .store.migrations import Migration
from .training import handlers as training_handlers
from .tuning import handlers as tuning_handlers
from .tuning import schema as tuning_schema
from .wrangler import handlers as wrangler_handlers
from .wrangler import schema as wrangler_schema


def all_routes() -> list[Route]:
    return [
        *server.ROUTES,
        *compute_handlers.ROUTES,
        *lifecycle_handlers.ROUTES,
        *spaces_handlers.ROUTES,
        *training_handlers.ROUTES,
        *processing_handlers.ROUTES,
        *tuning_handlers.ROUTES,
        *hosting_handlers.ROUTES,
        *runtime_handlers.ROUTES,
        *aws_handlers.ROUTES,
        *wrangler_handlers.ROUTES,
        *idle_handlers.ROUTES,
        *s3_handlers.ROUTES,
        *s3_gateway.ROUTES,
        *experiments_handlers.ROUTES,
    ]


def all_migrations() -> list[Migration]:
    return [
        *lifecycle_schema.MIGRATIONS,
        *spaces_schema.MIGRATIONS,
        *jobs_schema.MIGRATIONS,
        *tuning_schema.MIGRATIONS,
        *hosting_schema.MIGRATIONS,
        *wrangler_schema.MIGRATIONS,
        *s3_schema.MIGRATIONS,
        *aws_schema.MIGRATIONS,
    ]
