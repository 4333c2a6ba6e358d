"""The state store: migrations, SQLite settings, and async use."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from jupyter_smstudio.store import Database, SchemaTooNew
from jupyter_smstudio.store.database import sqlite_url
from jupyter_smstudio.store.migrations import MIGRATIONS
from jupyter_smstudio.store.schema import metadata


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_fresh_database_is_migrated_to_latest_and_reopening_is_idempotent(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "db" / "s.db")

    async def scenario() -> list[int]:
        versions = []
        for _ in range(2):
            db = Database(url)
            await db.open()
            versions.append(db.schema_version)
            await db.close()
        return versions

    assert run(scenario()) == [MIGRATIONS[-1].version] * 2
    rows = (
        sqlite3.connect(tmp_path / "db" / "s.db")
        .execute("SELECT version FROM schema_version ORDER BY version")
        .fetchall()
    )
    assert [r[0] for r in rows] == [m.version for m in MIGRATIONS]


def test_migrated_tables_match_the_query_schema(tmp_path: Path) -> None:
    """schema.py (used by queries) and migrations.py (the DDL) must not drift apart."""

    async def columns() -> dict[str, set[str]]:
        db = Database(sqlite_url(tmp_path / "s.db"))
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
        db = Database(sqlite_url(path))
        async with db.transaction() as conn:
            await conn.execute(
                text("INSERT INTO schema_version VALUES (999, 'from the future', 0)")
            )
        await db.close()
        with pytest.raises(SchemaTooNew, match="999"):
            await Database(sqlite_url(path)).open()

    run(scenario())
    assert sqlite3.connect(path).execute("SELECT MAX(version) FROM schema_version").fetchone() == (
        999,
    )


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    async def pragmas() -> tuple[str, int]:
        db = Database(sqlite_url(tmp_path / "s.db"))
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
        db = Database(sqlite_url(tmp_path / "s.db"))
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
        db = Database(sqlite_url(tmp_path / "s.db"))
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
