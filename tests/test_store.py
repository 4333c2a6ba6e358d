"""The state store: migrations, SQLite settings, and async use."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from jupyter_smstudio.areas import all_migrations
from jupyter_smstudio.store import Database, SchemaTooNew
from jupyter_smstudio.store.database import sqlite_url
from jupyter_smstudio.store.metadata import metadata
from jupyter_smstudio.store.migrations import Migration, migrate

MIGRATIONS = all_migrations()


def database(path: Path) -> Database:
    return Database(sqlite_url(path), MIGRATIONS)


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_fresh_database_is_migrated_to_latest_and_reopening_is_idempotent(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "db" / "s.db")

    async def scenario() -> list[dict[str, int]]:
        versions = []
        for _ in range(2):
            db = Database(url, MIGRATIONS)
            await db.open()
            versions.append(db.schema_versions)
            await db.close()
        return versions

    latest = {m.component: m.version for m in MIGRATIONS}
    assert run(scenario()) == [latest, latest]
    rows = sqlite3.connect(tmp_path / "db" / "s.db").execute(
        "SELECT component, version FROM schema_version"
    )
    assert sorted(rows) == sorted((m.component, m.version) for m in MIGRATIONS)


def test_components_migrate_independently(tmp_path: Path) -> None:
    """A component added later is migrated without touching the others."""
    extra = [
        Migration("extra", 1, "t", ("CREATE TABLE extra_t (a INTEGER)",)),
        Migration("extra", 2, "col", ("ALTER TABLE extra_t ADD COLUMN b INTEGER",)),
    ]

    async def scenario() -> dict[str, int]:
        db = database(tmp_path / "s.db")
        await db.open()
        await db.close()
        db = Database(sqlite_url(tmp_path / "s.db"), [*MIGRATIONS, *extra])
        await db.open()
        await db.close()
        return db.schema_versions

    assert run(scenario())["extra"] == 2


def test_gaps_in_a_migration_chain_are_a_programming_error(tmp_path: Path) -> None:
    async def scenario() -> None:
        db = database(tmp_path / "s.db")
        async with db.transaction() as conn:
            await migrate(conn, [Migration("gap", 2, "x", ())])

    with pytest.raises(ValueError, match="numbered"):
        run(scenario())


def test_migrated_tables_match_the_query_schema(tmp_path: Path) -> None:
    """schema.py (used by queries) and migrations.py (the DDL) must not drift apart."""

    async def columns() -> dict[str, set[str]]:
        db = database(tmp_path / "s.db")
        async with db.transaction() as conn:
            found = await conn.run_sync(
                lambda sync: {
                    t: {c["name"] for c in inspect(sync).get_columns(t)}
                    for t in inspect(sync).get_table_names()
                }
            )
        await db.close()
        return found

    found = run(columns())
    for table in metadata.sorted_tables:
        assert table.name in found, f"no migration creates {table.name}"
        assert {c.name for c in table.columns} == found[table.name], table.name


def test_newer_database_is_refused_not_damaged(tmp_path: Path) -> None:
    path = tmp_path / "s.db"

    async def scenario() -> None:
        db = database(path)
        async with db.transaction() as conn:
            await conn.execute(
                text("INSERT INTO schema_version VALUES ('lifecycle', 999, 'future', 0)")
            )
        await db.close()
        with pytest.raises(SchemaTooNew, match="999"):
            await database(path).open()

    run(scenario())
    row = sqlite3.connect(path).execute("SELECT MAX(version) FROM schema_version").fetchone()
    assert row == (999,)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    async def pragmas() -> tuple[str, int]:
        db = database(tmp_path / "s.db")
        async with db.transaction() as conn:
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
            fk = (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one()
        await db.close()
        return str(mode), int(fk)

    assert run(pragmas()) == ("wal", 1)


def test_a_failed_transaction_leaves_nothing_behind(tmp_path: Path) -> None:
    async def write_then_crash(db: Database) -> None:
        async with db.transaction() as conn:
            await conn.execute(
                text(
                    "INSERT INTO lifecycle_configs VALUES ('o', 'n', 'on-start', 'true', '', 1, 1)"
                )
            )
            raise RuntimeError("crash mid-transaction")

    async def scenario() -> int:
        db = database(tmp_path / "s.db")
        with pytest.raises(RuntimeError):
            await write_then_crash(db)
        async with db.transaction() as conn:
            count = (
                await conn.execute(text("SELECT COUNT(*) FROM lifecycle_configs"))
            ).scalar_one()
        await db.close()
        return int(count)

    assert run(scenario()) == 0


def test_database_work_does_not_block_the_event_loop(tmp_path: Path) -> None:
    """While a slow query runs in the driver's thread, the loop keeps ticking."""

    async def scenario() -> int:
        db = database(tmp_path / "s.db")
        await db.open()
        ticks = 0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.001)

        async def slow_query() -> None:
            async with db.transaction() as conn:
                # A recursive CTE that takes a noticeable time inside SQLite.
                await conn.execute(
                    text(
                        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c"
                        " WHERE x < 3000000) SELECT SUM(x) FROM c"
                    )
                )
            done.set()

        await asyncio.gather(ticker(), slow_query())
        await db.close()
        return ticks

    assert run(scenario()) > 10


#: The new migrations (one per area's chain) and the index each gives lists by modified.
MODIFIED_INDEXES = {
    ("training", 4): ("training_jobs", "owner = 'a' AND kind = 'training'"),
    ("hosting", 2): ("hosting_endpoints", "owner = 'a'"),
    ("spaces", 2): ("spaces", "owner = 'a' OR members LIKE '%a%'"),
    ("lifecycle", 2): ("lifecycle_configs", "owner = 'a'"),
}


def test_lists_sorted_by_modified_read_an_index_after_an_upgrade(tmp_path: Path) -> None:
    """A database from before the indexes gets them on upgrade; the list query a
    ``sort_by=modified`` page runs (fetch_page's order: modified, then name) no longer
    sorts every row of the owner (no temporary B-tree)."""
    path = tmp_path / "s.db"
    older = [m for m in MIGRATIONS if (m.component, m.version) not in MODIFIED_INDEXES]
    assert len(older) == len(MIGRATIONS) - len(MODIFIED_INDEXES)

    async def upgrade() -> None:
        await database_at(path, older).open()
        db = database(path)
        await db.open()
        await db.close()

    def database_at(p: Path, migrations: list[Migration]) -> Database:
        return Database(sqlite_url(p), migrations)

    run(upgrade())
    conn = sqlite3.connect(path)
    versions = dict(conn.execute("SELECT component, MAX(version) FROM schema_version "
                                 "GROUP BY component"))  # fmt: skip
    for (component, version), (table, where) in MODIFIED_INDEXES.items():
        assert versions[component] == version
        sql = f"SELECT * FROM {table} WHERE {where} ORDER BY modified_ms DESC, name DESC LIMIT 11"
        plan = " | ".join(row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "TEMP B-TREE" not in plan, (table, plan)
        assert "modified" in plan, (table, plan)
