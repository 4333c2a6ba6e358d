"""Tables of the hosting area (models, endpoint configs, endpoints, transform jobs, keys).

Resources are stored as JSON documents beside the columns lists filter and sort on:
their shapes change often and are always read whole.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table, Text

from ..store.metadata import metadata
from ..store.migrations import Migration


def _document_table(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("owner", String(255), primary_key=True),
        Column("name", String(63), primary_key=True),
        Column("status", String(32), nullable=False),
        Column("doc", Text, nullable=False),
        Column("created_ms", BigInteger, nullable=False),
        Column("modified_ms", BigInteger, nullable=False),
    )


models = _document_table("hosting_models")
endpoint_configs = _document_table("hosting_endpoint_configs")
endpoints = _document_table("hosting_endpoints")
transform_jobs = _document_table("hosting_transform_jobs")

access_keys = Table(
    "hosting_access_keys",
    metadata,
    Column("access_key_id", String(32), primary_key=True),
    Column("owner", String(255), nullable=False),
    Column("secret", Text, nullable=False),  # AES-GCM ciphertext, see keys.py
    Column("description", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("last_used_ms", BigInteger),
)


def _document_ddl(name: str) -> tuple[str, str]:
    return (
        f"""
        CREATE TABLE {name} (
            owner VARCHAR(255) NOT NULL,
            name VARCHAR(63) NOT NULL,
            status VARCHAR(32) NOT NULL,
            doc TEXT NOT NULL,
            created_ms BIGINT NOT NULL,
            modified_ms BIGINT NOT NULL,
            PRIMARY KEY (owner, name)
        )
        """,
        f"CREATE INDEX ix_{name}_created ON {name} (created_ms)",
    )


MIGRATIONS = (
    Migration(
        "hosting",
        1,
        "models, endpoint configs, endpoints, transform jobs, access keys",
        (
            *_document_ddl("hosting_models"),
            *_document_ddl("hosting_endpoint_configs"),
            *_document_ddl("hosting_endpoints"),
            *_document_ddl("hosting_transform_jobs"),
            """
            CREATE TABLE hosting_access_keys (
                access_key_id VARCHAR(32) NOT NULL PRIMARY KEY,
                owner VARCHAR(255) NOT NULL,
                secret TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                created_ms BIGINT NOT NULL,
                last_used_ms BIGINT
            )
            """,
            "CREATE INDEX ix_hosting_access_keys_owner ON hosting_access_keys (owner)",
        ),
    ),
    Migration(
        "hosting",
        2,
        "lists sorted by modified (sort_by=modified) read an index, not every document",
        tuple(
            f"CREATE INDEX ix_{name}_owner_modified ON {name} (owner, modified_ms, name)"
            for name in ("hosting_models", "hosting_endpoint_configs", "hosting_endpoints")
        ),
    ),
)
