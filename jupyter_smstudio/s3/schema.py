"""The ``s3_buckets`` table: who owns each bucket name (names are global, as in S3)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table

from ..store.metadata import metadata
from ..store.migrations import Migration

s3_buckets = Table(
    "s3_buckets",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("owner", String(255), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
)

MIGRATIONS = (
    Migration(
        "s3",
        1,
        "bucket owners",
        (
            """
            CREATE TABLE s3_buckets (
                name VARCHAR(63) NOT NULL PRIMARY KEY,
                owner VARCHAR(255) NOT NULL,
                created_ms BIGINT NOT NULL
            )
            """,
            "CREATE INDEX ix_s3_buckets_owner ON s3_buckets (owner)",
        ),
    ),
)
