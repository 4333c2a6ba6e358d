"""The ``wrangler_flows`` table (who owns each flow file) and its migrations."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table, Text

from ..store.metadata import metadata
from ..store.migrations import Migration

flows = Table(
    "wrangler_flows",
    metadata,
    # sha256 of ``name``: a path may be longer than an index entry may hold.
    Column("id", String(64), primary_key=True),
    Column("name", Text, nullable=False),  # path relative to the root, symlinks resolved
    Column("owner", String(255), nullable=False),
    Column("sharing", String(16), nullable=False),
    Column("members", Text, nullable=False),  # JSON list
    Column("recorded_ms", BigInteger, nullable=False),  # when this record was written
)

MIGRATIONS = (
    Migration(
        "wrangler",
        1,
        "owners of flow files",
        (
            """
            CREATE TABLE wrangler_flows (
                id VARCHAR(64) PRIMARY KEY,
                name TEXT NOT NULL,
                owner VARCHAR(255) NOT NULL,
                sharing VARCHAR(16) NOT NULL,
                members TEXT NOT NULL,
                recorded_ms BIGINT NOT NULL
            )
            """,
        ),
    ),
)
