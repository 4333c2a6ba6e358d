"""The services one server process runs, built once by the app at start."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from .identity import OwnerResolver
from .lifecycle.repository import LifecycleConfigRepository
from .lifecycle.service import LifecycleConfigService
from .registry import all_migrations
from .store import Database
from .wrangler.service import WranglerService

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything handlers reach through ``self.services``; owns background tasks."""

    db: Database
    owners: OwnerResolver
    lifecycle_configs: LifecycleConfigService
    wrangler: WranglerService = field(default_factory=WranglerService)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    @classmethod
    def build(cls, database_url: str, owners: OwnerResolver) -> Services:
        db = Database(database_url, all_migrations())
        return cls(
            db=db,
            owners=owners,
            lifecycle_configs=LifecycleConfigService(LifecycleConfigRepository(db)),
        )

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run a background task that ``stop`` cancels; failures are logged, not lost."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)

        def _done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("SM Studio background task %s failed", name, exc_info=t.exception())

        task.add_done_callback(_done)
        return task

    async def start(self) -> None:
        await self.db.open()

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self.wrangler.close()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.db.close()
