"""The services one server process runs, built once by the app at start."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .areas import all_migrations
from .compute import ComputeCatalog
from .hosting.artifacts import Workspace
from .hosting.config import Hosting
from .hosting.keys import AccessKeyService, SecretBox
from .hosting.service import HostingService
from .identity import OwnerResolver, UserMode
from .idle.monitor import IdleMonitor
from .idle.policy import IdlePolicy
from .jobs.config import TrainingJobs
from .jobs.repository import TrainingJobRepository
from .jobs.runner import TrainingService
from .lifecycle.repository import LifecycleConfigRepository
from .lifecycle.service import LifecycleConfigService
from .processing.service import ProcessingService
from .spaces.repository import SpaceRepository
from .spaces.service import SpaceService
from .store import Database
from .wrangler.service import WranglerService

if TYPE_CHECKING:
    from .app import SMStudioApp

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything handlers reach through ``self.services``; owns background tasks."""

    db: Database
    owners: OwnerResolver
    compute: ComputeCatalog
    lifecycle_configs: LifecycleConfigService
    spaces: SpaceService
    training: TrainingService
    processing: ProcessingService
    hosting: HostingService = field(init=False)
    access_keys: AccessKeyService = field(init=False)
    wrangler: WranglerService = field(default_factory=WranglerService)
    idle: IdleMonitor | None = None
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    @classmethod
    def build(cls, app: SMStudioApp) -> Services:
        """Build every service from the app's configuration."""
        db = Database(app.resolved_database_url, all_migrations())
        compute = ComputeCatalog(parent=app)
        compute.check()
        lifecycle_configs = LifecycleConfigService(LifecycleConfigRepository(db))
        training = TrainingService(
            TrainingJobs(parent=app),
            TrainingJobRepository(db),
            compute,
            data_dir=Path(app.data_dir),
            root_dir=Path(app.server.root_dir),
        )
        services = cls(
            db=db,
            owners=OwnerResolver(cast(UserMode, app.user_mode), app.owner_name),
            compute=compute,
            lifecycle_configs=lifecycle_configs,
            spaces=SpaceService(
                SpaceRepository(db),
                compute,
                lifecycle_configs,
                Path(app.data_dir),
                app.server.kernel_manager,
                parent=app,
            ),
            training=training,
            processing=ProcessingService(training),
        )
        services.spaces.spawn = lambda coro: services.spawn(coro, "space lifecycle run")
        training.spawn = services.spawn
        data_dir = Path(app.data_dir)
        workspace = Workspace(Path(app.server.root_dir), [data_dir])
        services.hosting = HostingService(
            db, compute, Hosting(parent=app), workspace, data_dir, services.spawn
        )
        services.access_keys = AccessKeyService(
            db, SecretBox(data_dir / "hosting" / "access-keys.key")
        )
        idle_policy = IdlePolicy(parent=app)
        idle_policy.check()
        services.spaces.check_idle_timeout = idle_policy.check_space_timeout
        services.idle = IdleMonitor(
            idle_policy, app.server, services, data_dir / "idle" / "keep-alive.json"
        )
        services.idle.configure_culling()
        return services

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
        await self.spaces.recover()
        await self.training.start()
        await self.hosting.resume()
        self.start_idle_monitor()

    def start_idle_monitor(self) -> None:
        """Start the idle monitor's loop (once)."""
        if self.idle is not None and not self.idle.running:
            self.idle.running = True
            self.spawn(self.idle.run(), "idle monitor")

    async def stop(self) -> None:
        await self.spaces.close()
        for task in list(self._tasks):
            task.cancel()
        self.wrangler.close()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self.hosting.close()
        await self.db.close()
