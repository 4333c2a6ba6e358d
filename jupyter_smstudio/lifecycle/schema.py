"""The ``lifecycle_configs`` table and its migrations."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table, Text

from ..store.metadata import metadata
from ..store.migrations import Migration

lifecycle_configs = Table(
    "lifecycle_configs",
    metadata,
    Column("owner", String(255), primary_key=True),
    Column("name", String(63), primary_key=True),
    Column("type", String(16), nullable=False),
    Column("content", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("modified_ms", BigInteger, nullable=False),
)

MIGRATIONS = (
    Migration(
        "lifecycle",
        1,
        "lifecycle configurations",
        (
            """
            CREATE TABLE lifecycle_configs (
                owner VARCHAR(255) NOT NULL,
                name VARCHAR(63) NOT NULL,
                type VARCHAR(16) NOT NULL,
                content TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                created_ms BIGINT NOT NULL,
                modified_ms BIGINT NOT NULL,
                PRIMARY KEY (owner, name)
            )
            """,
            "CREATE INDEX ix_lifecycle_configs_created ON lifecycle_configs (created_ms)",
        ),
    ),
    Migration(
        "lifecycle",
        2,
        "lists sorted by modified (sort_by=modified) read an index, not every config",
        (
            "CREATE INDEX ix_lifecycle_configs_owner_modified ON lifecycle_configs "
            "(owner, modified_ms, name)",
        ),
    ),
)
