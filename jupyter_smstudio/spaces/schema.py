"""The ``spaces`` and ``space_events`` tables and their migrations."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table, Text

from ..store.metadata import metadata
from ..store.migrations import Migration

spaces = Table(
    "spaces",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("owner", String(255), nullable=False),
    Column("sharing", String(16), nullable=False),
    Column("members", Text, nullable=False),  # JSON list
    Column("storage_gb", Integer, nullable=False),
    Column("profile", String(64), nullable=False),
    Column("image", String(255)),
    Column("lifecycle_configs", Text, nullable=False),  # JSON list
    Column("idle_timeout_minutes", Integer),
    Column("backend", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("failure_reason", Text),
    Column("created_ms", BigInteger, nullable=False),
    Column("modified_ms", BigInteger, nullable=False),
    Column("started_ms", BigInteger),
    Column("initialized_ms", BigInteger),
    Column("run_pid", Integer),  # supervisor of a running lifecycle run, for re-attach
)

space_events = Table(
    "space_events",
    metadata,
    Column("id", String(32), primary_key=True),  # uuid hex: portable, no sequences
    Column("space", String(63), nullable=False),
    Column("time_ms", BigInteger, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("message", Text, nullable=False),
)

MIGRATIONS = (
    Migration(
        "spaces",
        1,
        "spaces and their event history",
        (
            """
            CREATE TABLE spaces (
                name VARCHAR(63) PRIMARY KEY,
                owner VARCHAR(255) NOT NULL,
                sharing VARCHAR(16) NOT NULL,
                members TEXT NOT NULL,
                storage_gb INTEGER NOT NULL,
                profile VARCHAR(64) NOT NULL,
                image VARCHAR(255),
                lifecycle_configs TEXT NOT NULL,
                idle_timeout_minutes INTEGER,
                backend VARCHAR(32) NOT NULL,
                status VARCHAR(16) NOT NULL,
                failure_reason TEXT,
                created_ms BIGINT NOT NULL,
                modified_ms BIGINT NOT NULL,
                started_ms BIGINT,
                initialized_ms BIGINT,
                run_pid INTEGER
            )
            """,
            "CREATE INDEX ix_spaces_owner ON spaces (owner)",
            """
            CREATE TABLE space_events (
                id VARCHAR(32) PRIMARY KEY,
                space VARCHAR(63) NOT NULL,
                time_ms BIGINT NOT NULL,
                kind VARCHAR(32) NOT NULL,
                message TEXT NOT NULL
            )
            """,
            "CREATE INDEX ix_space_events_space ON space_events (space, time_ms)",
        ),
    ),
    Migration(
        "spaces",
        2,
        "lists sorted by modified (sort_by=modified) read an index, not every space",
        # Not by owner: a user's list has the spaces shared with them too.
        ("CREATE INDEX ix_spaces_modified ON spaces (modified_ms, name)",),
    ),
)
