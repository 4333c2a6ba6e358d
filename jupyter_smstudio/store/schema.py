"""Table descriptions for queries (the DDL itself lives in ``migrations``)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, MetaData, String, Table, Text

metadata = MetaData()

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
