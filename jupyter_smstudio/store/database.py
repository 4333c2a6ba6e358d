"""The async database handle every service shares.

SQLAlchemy's async engine runs the driver off the event loop (aiosqlite uses a
thread per connection), so no handler ever blocks on disk. SQLite is opened in
WAL mode so readers never wait for a writer; any other SQLAlchemy async URL
(e.g. ``postgresql+asyncpg://``) works the same way for bigger deployments.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from ..runtime.files import PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, private_file, restrict
from .migrations import Migration, SchemaTooNew, migrate

__all__ = ["Database", "SchemaTooNew"]

log = logging.getLogger(__name__)


def sqlite_url(path: Path) -> str:
    """The default database: one SQLite file, driven asynchronously."""
    return f"sqlite+aiosqlite:///{path}"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL: concurrent readers during writes; NORMAL sync is durable in WAL mode
    # against application crashes, which is what a restart-safe store needs.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _private_sqlite_file(path: Path) -> None:
    """The database holds every user's jobs and settings: owner-only, created so.

    SQLite gives the ``-wal`` and ``-shm`` files it creates the database file's mode;
    ones left by an older version are restricted too.
    """
    path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    private_file(path)
    for suffix in ("-wal", "-shm"):
        journal = path.with_name(path.name + suffix)
        if journal.exists():
            restrict(journal, PRIVATE_FILE_MODE)


class Database:
    """Owns the engine; opens (and migrates) lazily on first use, exactly once."""

    def __init__(self, url: str, migrations: Iterable[Migration] = ()) -> None:
        self.url = url
        self.migrations = tuple(migrations)
        self._engine: AsyncEngine | None = None
        self._lock = asyncio.Lock()
        self.schema_versions: dict[str, int] = {}

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.url).get_backend_name() == "sqlite"

    async def open(self) -> AsyncEngine:
        """Create the engine and bring the schema up to date (idempotent)."""
        if self._engine is not None:
            return self._engine
        async with self._lock:
            if self._engine is None:
                engine = self._create_engine()
                try:
                    async with engine.begin() as conn:
                        self.schema_versions = await migrate(conn, self.migrations)
                except BaseException:
                    await engine.dispose()
                    raise
                log.info(
                    "SM Studio database %s at schema versions %s",
                    make_url(self.url).render_as_string(hide_password=True),
                    self.schema_versions,
                )
                self._engine = engine
        return self._engine

    def _create_engine(self) -> AsyncEngine:
        url = make_url(self.url)
        if self.is_sqlite and url.database not in (None, "", ":memory:"):
            _private_sqlite_file(Path(url.database))
        engine = create_async_engine(url)
        if self.is_sqlite:
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside one transaction: committed on success, rolled back on error."""
        engine = await self.open()
        async with engine.begin() as conn:
            yield conn

    async def close(self) -> None:
        async with self._lock:
            if self._engine is not None:
                await self._engine.dispose()
                self._engine = None
