"""What the AWS API keeps beside the areas' own rows: each AWS request as it was sent.

A resource created through the AWS API is stored by its area (a training job is a
row of the job runner, the same one the REST API and the Lab read); its original
request is kept here so Describe answers it back member for member.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table, Text

from ..store.metadata import metadata
from ..store.migrations import Migration

requests = Table(
    "aws_requests",
    metadata,
    Column("owner", String(255), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("name", String(63), primary_key=True),
    Column("request", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
)

MIGRATIONS = (
    Migration(
        "aws",
        1,
        "original requests of resources created through the AWS API",
        (
            """
            CREATE TABLE aws_requests (
                owner VARCHAR(255) NOT NULL,
                kind VARCHAR(32) NOT NULL,
                name VARCHAR(63) NOT NULL,
                request TEXT NOT NULL,
                created_ms BIGINT NOT NULL,
                PRIMARY KEY (owner, kind, name)
            )
            """,
        ),
    ),
)
