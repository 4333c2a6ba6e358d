"""Experiments as the server holds them: the tracking servers and the job-runs logger.

Nothing of MLflow is imported in the server process: the embedded MLflow is a child
process reached over HTTP, so a server that never tracks anything pays nothing, and
one without the ``experiments`` extra answers 503 naming it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from ..jobs.repository import StoredJob
from ..jobs.runner import JobRunner
from .config import Experiments
from .proxy import PREFIX
from .registry import ExperimentsService
from .runs import JobRuns, experiment_name
from .tracking import TrackingServers

log = logging.getLogger(__name__)
Spawn = Callable[[Coroutine[Any, Any, Any], str], "asyncio.Task[Any]"]


class ExperimentsArea:
    """Each user's MLflow, started on first use, and every job logged there as a run."""

    def __init__(
        self, settings: Experiments, data_dir: Path, jobs: JobRunner, spawn: Spawn
    ) -> None:
        self.settings = settings
        self.servers = TrackingServers(settings, data_dir)
        self.runs = JobRuns(self.servers, jobs)
        self.service: ExperimentsService = ExperimentsService(self.servers, self.runs, jobs)
        self._jobs = jobs
        self._spawn = spawn

    @property
    def available(self) -> bool:
        return self.servers.available

    def start(self) -> None:
        """Follow the job runner's events and watch for idle MLflow servers."""
        if not self.available:
            return
        if self.settings.log_jobs:
            self.runs.subscribe(self._jobs.events)
            self._spawn(self.runs.run(), "experiments: job runs")
            interval = self.settings.backfill_interval
            self._spawn(self.runs.retry(interval), "experiments: back-fill runs")
        self._spawn(self.servers.watch_idle(), "experiments: idle MLflow")

    def tracking_uri(self, server_url: str) -> str | None:
        """What ``MLFLOW_TRACKING_URI`` is for clients of the server at ``server_url``."""
        if not self.available:
            return None
        if self.servers.external:
            return str(self.settings.tracking_uri)
        return server_url.rstrip("/") + PREFIX

    def client_env(self, server_url: str, token: str | None) -> dict[str, str]:
        """The variables that make ``import mlflow`` log here with no configuration.

        MLflow's client sends ``MLFLOW_TRACKING_TOKEN`` as ``Authorization: Bearer``,
        which Jupyter accepts like ``token``; an admin's external MLflow gets no token.
        """
        uri = self.tracking_uri(server_url)
        if uri is None:
            return {}
        env = {"MLFLOW_TRACKING_URI": uri}
        if token and not self.servers.external:
            env["MLFLOW_TRACKING_TOKEN"] = token
        return env

    async def job_env(
        self, job: StoredJob, server_url: str, key: tuple[str, str]
    ) -> dict[str, str]:
        """What makes a job's own ``mlflow.log_*`` and ``mlflow.autolog()`` land in the
        job's run: the URI, the run (``MLFLOW_RUN_ID``, which ``mlflow.start_run()``
        resumes) and credentials.

        A job holds no Jupyter token; it authenticates to the proxy with its owner's
        access ``key`` (the one its boto3 calls sign with) as Basic auth, which MLflow's
        client sends from ``MLFLOW_TRACKING_USERNAME``/``PASSWORD``.
        """
        uri = self.tracking_uri(server_url)
        if uri is None:
            return {}
        env = {"MLFLOW_TRACKING_URI": uri, "MLFLOW_EXPERIMENT_NAME": experiment_name(job.owner)}
        if not self.servers.external:
            env["MLFLOW_TRACKING_USERNAME"], env["MLFLOW_TRACKING_PASSWORD"] = key
        if self.settings.log_jobs:
            creating = asyncio.ensure_future(self.runs.run_of(job))
            creating.add_done_callback(_consume)
            embedded = self.servers.embedded(job.owner)
            if not self.servers.external and (embedded is None or not embedded.ready):
                # Starting MLflow takes tens of seconds, and launches are serial: the job
                # starts now, its run is made meanwhile (its events are logged there).
                log.info(
                    "%s %s starts before its MLflow run: MLflow is starting", job.kind, job.name
                )
                return env
            # Shielded: a slow MLflow delays the launch at most job_run_wait, and the run
            # it is creating is still the one the job's events are logged in.
            try:
                wait = self.settings.job_run_wait
                env["MLFLOW_RUN_ID"] = await asyncio.wait_for(asyncio.shield(creating), wait)
            except Exception as err:  # MLflow down or slow: the job runs regardless
                log.warning("%s %s starts without its MLflow run: %r", job.kind, job.name, err)
        return env

    async def close(self) -> None:
        await self.servers.close()


def _consume(task: asyncio.Future[Any]) -> None:
    """Retrieve a shielded task's error (logged where it was awaited), so asyncio doesn't."""
    if not task.cancelled():
        task.exception()
