"""The services one server process runs, built once by the app at start."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .areas import all_migrations
from .aws.area import AwsArea
from .aws.config import AwsApi
from .aws.keys import AccessKeyService, SecretBox
from .aws.requests import RequestStore
from .compute import ComputeCatalog
from .experiments.area import ExperimentsArea
from .experiments.config import Experiments
from .hosting.artifacts import Workspace
from .hosting.config import Hosting
from .hosting.service import HostingService
from .hosting.transform.service import TransformService
from .identity import OwnerResolver, UserMode
from .idle.monitor import IdleMonitor
from .idle.policy import IdlePolicy
from .jobs.config import TrainingJobs
from .jobs.repository import JobRepository
from .jobs.runner import JobRunner
from .lifecycle.repository import LifecycleConfigRepository
from .lifecycle.service import LifecycleConfigService
from .processing.service import ProcessingService
from .runtime import set_default_policy
from .runtime.config import RunLimits
from .s3.config import S3Storage
from .s3.engine import build_engine
from .s3.jobdata import JobData
from .s3.repository import BucketRepository
from .s3.service import S3Service
from .spaces.repository import SpaceRepository
from .spaces.service import SpaceService
from .store import Database
from .training.trainingjobs import TrainingService
from .tuning.repository import TuningRepository
from .tuning.service import TuningService
from .wrangler.area import WranglerArea
from .wrangler.config import DataWrangler
from .wrangler.locations import config_problems

if TYPE_CHECKING:
    from .app import SMStudioApp

log = logging.getLogger(__name__)


def wrangler_settings(app: SMStudioApp) -> DataWrangler:
    """The admin's Data Wrangler settings, with their problems logged once at start."""
    settings = DataWrangler(parent=app)
    for problem in config_problems(settings):
        log.warning("SM Studio Data Wrangler: %s", problem)
    return settings


class BackgroundTasks:
    """The server's background tasks: ``close`` cancels them; failures are logged, not lost."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)

        def _done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("SM Studio background task %s failed", name, exc_info=t.exception())

        task.add_done_callback(_done)
        return task

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


@dataclass
class Services:
    """Everything handlers reach through ``self.services``; owns background tasks.

    ``build`` makes each service once, in dependency order, with everything it needs
    passed to its constructor: nothing is patched in afterwards.
    """

    db: Database
    owners: OwnerResolver
    compute: ComputeCatalog
    lifecycle_configs: LifecycleConfigService
    spaces: SpaceService
    jobs: JobRunner
    training: TrainingService
    tuning: TuningService
    processing: ProcessingService
    hosting: HostingService
    transforms: TransformService
    access_keys: AccessKeyService
    s3: S3Service
    aws: AwsArea
    wrangler: WranglerArea
    experiments: ExperimentsArea
    idle: IdleMonitor | None
    tasks: BackgroundTasks

    @classmethod
    def build(cls, app: SMStudioApp) -> Services:
        """Build every service from the app's configuration."""
        tasks = BackgroundTasks()
        spawn = tasks.spawn
        data_dir = Path(app.data_dir)
        root_dir = Path(app.server.root_dir)
        db = Database(app.resolved_database_url, all_migrations())
        set_default_policy(RunLimits(parent=app).policy())  # what every detached run gets
        compute = ComputeCatalog(parent=app)
        compute.check()
        idle_policy = IdlePolicy(parent=app)
        idle_policy.check()
        lifecycle_configs = LifecycleConfigService(LifecycleConfigRepository(db))
        spaces = SpaceService(
            SpaceRepository(db),
            compute,
            lifecycle_configs,
            data_dir,
            app.server.kernel_manager,
            spawn=lambda coro: spawn(coro, "space lifecycle run"),
            check_idle_timeout=idle_policy.check_space_timeout,
            root_dir=root_dir,
            terminal_manager=lambda: app.server.web_app.settings.get("terminal_manager"),
            parent=app,
        )
        s3_settings = S3Storage(parent=app)
        aws_settings = AwsApi(parent=app)
        s3 = S3Service(
            build_engine(data_dir, s3_settings),
            BucketRepository(db),
            s3_settings,
            accounts=aws_settings.account_for,
        )
        #: s3:// in jobs, models and the AWS API: the users' own buckets.
        job_data = JobData(s3, data_dir / "s3-cache")
        jobs = JobRunner(
            TrainingJobs(parent=app),
            JobRepository(db),
            compute,
            data_dir=data_dir,
            root_dir=root_dir,
            spawn=spawn,
            user_spaces=spaces.roots_for,
            objects=job_data,
        )
        hosting = HostingService(
            db,
            compute,
            Hosting(parent=app),
            Workspace(root_dir, [data_dir]),
            data_dir,
            spawn,
            objects=job_data,
        )
        training = TrainingService(jobs)
        tuning = TuningService(TuningRepository(db), training, jobs.events, data_dir, spawn)
        experiments = ExperimentsArea(Experiments(parent=app), data_dir, jobs, spawn)
        experiments.runs.parent_of = tuning.trial_of  # trials' runs are children of its run
        idle = IdleMonitor(
            idle_policy,
            app.server,
            spaces,
            work=[jobs],  # training, processing and transform jobs
            endpoints=[hosting],
            keep_alive_file=data_dir / "idle" / "keep-alive.json",
        )
        idle.configure_culling()
        return cls(
            db=db,
            owners=OwnerResolver(cast(UserMode, app.user_mode), app.owner_name),
            compute=compute,
            lifecycle_configs=lifecycle_configs,
            spaces=spaces,
            jobs=jobs,
            training=training,
            tuning=tuning,
            processing=ProcessingService(jobs),
            hosting=hosting,
            transforms=TransformService(jobs, hosting),
            access_keys=AccessKeyService(db, SecretBox(data_dir / "hosting" / "access-keys.key")),
            s3=s3,
            aws=AwsArea(
                aws_settings,
                RequestStore(db),
                data_dir / "aws" / "sagemaker-config.yaml",
                locations=job_data,
            ),
            wrangler=WranglerArea(
                db, root_dir, data_dir / "wrangler-cache", wrangler_settings(app)
            ),
            experiments=experiments,
            idle=idle,
            tasks=tasks,
        )

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run a background task that ``stop`` cancels."""
        return self.tasks.spawn(coro, name)

    async def start(self) -> None:
        await self.db.open()
        await self.spaces.recover()
        await self.jobs.start()
        await self.tuning.resume()
        await self.hosting.resume()
        # The S3 engine starts on first use (S3Service: ~2 s, ~280 MB that a server whose
        # users never touch S3 should not pay).
        self.experiments.start()
        self.start_idle_monitor()

    def start_idle_monitor(self) -> None:
        """Start the idle monitor's loop (once)."""
        if self.idle is not None and not self.idle.running:
            self.idle.running = True
            self.spawn(self.idle.run(), "idle monitor")

    async def stop(self) -> None:
        await self.spaces.close()
        self.wrangler.close()
        await self.tasks.close()
        await self.experiments.close()
        self.hosting.close()
        await self.s3.stop()
        await self.db.close()
