"""Schema versions and forward migrations.

Each migration is plain DDL in the SQL subset SQLite and PostgreSQL share, applied
once, in order, inside one transaction that also records it in ``schema_version``.
Never edit a released migration: append a new one. ``schema.py`` describes the
resulting tables for queries; a test checks the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..timeutil import now_ms


class SchemaTooNew(RuntimeError):
    """The database was written by a newer jupyter_smstudio; refuse rather than corrupt it."""


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
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
)


async def current_version(conn: AsyncConnection) -> int:
    await conn.execute(
        text(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY,"
            " description TEXT NOT NULL,"
            " applied_ms BIGINT NOT NULL)"
        )
    )
    row = (await conn.execute(text("SELECT MAX(version) FROM schema_version"))).first()
    return int(row[0]) if row and row[0] is not None else 0


async def migrate(conn: AsyncConnection, migrations: tuple[Migration, ...] = MIGRATIONS) -> int:
    """Apply every migration newer than the database; return the resulting version."""
    version = await current_version(conn)
    latest = migrations[-1].version if migrations else 0
    if version > latest:
        raise SchemaTooNew(
            f"The database is at schema version {version}, but this jupyter_smstudio "
            f"knows only up to {latest}. Upgrade jupyter_smstudio or point "
            "SMStudioApp.database_url at another database."
        )
    for migration in migrations:
        if migration.version <= version:
            continue
        for statement in migration.statements:
            await conn.execute(text(statement))
        await conn.execute(
            text(
                "INSERT INTO schema_version (version, description, applied_ms) VALUES (:v, :d, :t)"
            ),
            {"v": migration.version, "d": migration.description, "t": now_ms()},
        )
        version = migration.version
    return version
