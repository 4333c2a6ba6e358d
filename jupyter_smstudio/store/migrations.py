"""Schema versions and forward migrations, one chain per component.

Each area (lifecycle, spaces, training, ...) owns its tables and its own numbered
chain of migrations, declared in ``<area>/schema.py`` beside the table
descriptions its queries use. Areas therefore evolve independently. A migration is
plain DDL in the SQL subset SQLite and PostgreSQL share, applied once, in order,
inside the transaction that records it in ``schema_version``. Never edit a
released migration: append a new one. A test checks tables and migrations agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..timeutil import now_ms


class SchemaTooNew(RuntimeError):
    """The database was written by a newer jupyter_smstudio; refuse rather than corrupt it."""


@dataclass(frozen=True)
class Migration:
    component: str
    version: int
    description: str
    statements: tuple[str, ...]


async def current_versions(conn: AsyncConnection) -> dict[str, int]:
    await conn.execute(
        text(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " component VARCHAR(64) NOT NULL,"
            " version INTEGER NOT NULL,"
            " description TEXT NOT NULL,"
            " applied_ms BIGINT NOT NULL,"
            " PRIMARY KEY (component, version))"
        )
    )
    rows = await conn.execute(
        text("SELECT component, MAX(version) FROM schema_version GROUP BY component")
    )
    return {str(c): int(v) for c, v in rows}


def _chains(migrations: Iterable[Migration]) -> dict[str, list[Migration]]:
    ordered = sorted(migrations, key=lambda m: (m.component, m.version))
    chains = {c: list(ms) for c, ms in groupby(ordered, key=lambda m: m.component)}
    for component, chain in chains.items():
        if [m.version for m in chain] != list(range(1, len(chain) + 1)):
            raise ValueError(f"migrations of {component!r} must be numbered 1, 2, 3, ...")
    return chains


async def migrate(conn: AsyncConnection, migrations: Iterable[Migration]) -> dict[str, int]:
    """Apply every migration newer than the database; return each component's version."""
    chains = _chains(migrations)
    versions = await current_versions(conn)
    for component, version in versions.items():
        latest = chains[component][-1].version if component in chains else 0
        if version > latest:
            raise SchemaTooNew(
                f"The database has {component!r} at schema version {version}, but this "
                f"jupyter_smstudio knows only up to {latest}. Upgrade jupyter_smstudio "
                "or point SMStudioApp.database_url at another database."
            )
    for component, chain in chains.items():
        for migration in chain:
            if migration.version <= versions.get(component, 0):
                continue
            for statement in migration.statements:
                await conn.execute(text(statement))
            await conn.execute(
                text(
                    "INSERT INTO schema_version (component, version, description, applied_ms)"
                    " VALUES (:c, :v, :d, :t)"
                ),
                {"c": component, "v": migration.version, "d": migration.description, "t": now_ms()},
            )
            versions[component] = migration.version
    return versions
