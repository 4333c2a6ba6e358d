"""Every job a run: the job runner's events become MLflow runs, as they happen.

The runner publishes state changes and metric points (``jobs.events``) without
knowing who listens; this subscriber only queues them (a subscriber must be quick)
and one task logs them in order through MLflow's REST API, so a slow or absent
MLflow never holds a job up. A job's run is found again after a restart by its
``smstudio.job`` tag (kind, name and creation time), so nothing is kept here but
caches.

A job whose event could not be logged (MLflow down) is *behind*: its later events
are not logged one by one, and once it has ended its run is back-filled whole from
the job's own record (``backfill``): the metric points MLflow lacks, its status and
end time, its model. Waiting for the end keeps a point from being logged twice.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ..jobs.events import JobEvent, JobEvents, JobMetrics, JobStateChanged
from ..jobs.models import FINAL, Status
from ..jobs.repository import StoredJob
from ..jobs.runner import JobRunner
from .datasets import dataset_inputs
from .tracking import Backend, MlflowError, TrackingServers

log = logging.getLogger(__name__)

#: MLflow's limits: 1000 metrics per log-batch call, parameter values of 6000 chars.
BATCH = 1000
PARAM_CHARS = 6000
_MLFLOW_STATUS = {Status.COMPLETED: "FINISHED", Status.FAILED: "FAILED", Status.STOPPED: "KILLED"}
_BAD_KEY = re.compile(r"[^\w\-. :/]")


def experiment_name(owner: str) -> str:
    """One experiment per user: ``<owner>/jobs`` (named for the owner, so an admin's
    shared MLflow keeps users' job runs apart too)."""
    return f"{owner}/jobs"


def metric_key(name: str) -> str:
    """A metric definition's name as MLflow accepts it (other characters become ``_``)."""
    return _BAD_KEY.sub("_", name)[:250] or "_"


def job_tag(job: StoredJob) -> str:
    return f"{job.kind}/{job.name}/{job.created_ms}"


def run_tags(job: StoredJob) -> dict[str, str]:
    """What a run says about its job, as MLflow tags."""
    spec = job.spec
    tags = {
        "mlflow.runName": job.name,
        "mlflow.user": job.owner,
        "smstudio.job": job_tag(job),
        "smstudio.kind": job.kind,
        "smstudio.owner": job.owner,
        "smstudio.status": job.status.value,
        "smstudio.instance_type": job.instance_type,
        "smstudio.instance_count": str(job.instance_count),
        "smstudio.backend": job.backend,
    }
    for key in ("image", "entry_point", "source_dir"):
        if spec.get(key):
            tags[f"smstudio.{key}"] = str(spec[key])
    return tags


def _tagged(job: str) -> str:
    """The runs/search filter of the run tagged as ``job``'s (``smstudio.job``)."""
    return f"tags.`smstudio.job` = '{job}'"


def _pairs(values: dict[str, Any]) -> list[dict[str, str]]:
    return [{"key": k, "value": str(v)[:PARAM_CHARS]} for k, v in values.items()]


class JobRuns:
    """Subscribes to the runner's events and logs each job as a run in its owner's MLflow."""

    def __init__(self, servers: TrackingServers, jobs: JobRunner) -> None:
        self.servers = servers
        self.jobs = jobs
        self._queue: asyncio.Queue[JobEvent] = asyncio.Queue()
        self._runs: dict[tuple[str, str, str], str] = {}  # (owner, kind, name) -> run id
        self._steps: dict[tuple[str, str, str, str], int] = {}  # ... + metric -> next step
        self._experiments: dict[str, str] = {}  # owner -> experiment id
        #: One creator per job: the job's own environment and its events both ask.
        self._creating: defaultdict[tuple[str, str, str], asyncio.Lock] = defaultdict(asyncio.Lock)
        #: Jobs an event of which could not be logged: back-filled once they end.
        self.behind: set[tuple[str, str, str]] = set()
        #: The tuning job a training job is a trial of (its run is that job's child).
        self.parent_of: Callable[[StoredJob], Awaitable[str | None]] | None = None

    def subscribe(self, events: JobEvents) -> None:
        events.subscribe(JobStateChanged, self._enqueue)
        events.subscribe(JobMetrics, self._enqueue)

    async def _enqueue(self, event: JobEvent) -> None:
        self._queue.put_nowait(event)

    async def run(self) -> None:
        """Log queued events in order, for as long as the server runs."""
        while True:
            event = await self._queue.get()
            key = (event.owner, event.kind, event.name)
            try:
                if key not in self.behind:  # else the back-fill logs it
                    await self.record(event)
            except Exception:  # MLflow down or refusing: the job goes on regardless
                log.exception("SM Studio could not log %s to MLflow; back-filling later", event)
                self.behind.add(key)
            finally:
                self._queue.task_done()

    async def retry(self, interval: float) -> None:
        """Back-fill ended jobs that are behind, every ``interval`` seconds."""
        while True:
            await asyncio.sleep(interval)
            await self.backfill_all()

    async def backfill_all(self) -> list[tuple[str, str, str]]:
        """Back-fill every ended job that is behind; the ones done (the others wait)."""
        done = []
        for key in sorted(self.behind):
            owner, kind, name = key
            job = await self.jobs.repository.get(owner, name, kind)
            if job is not None and job.status not in FINAL:
                continue  # still running: its record is not whole yet
            try:
                if job is not None:
                    await self.backfill(job)
            except Exception as err:  # MLflow still away: next time
                log.info("SM Studio: %s %s not back-filled yet: %r", kind, name, err)
                continue
            self.behind.discard(key)
            done.append(key)
        return done

    async def backfill(self, job: StoredJob) -> None:
        """Log what the ended ``job``'s run lacks: metric points, status, end, model."""
        backend = await self.servers.backend(job.owner)
        run_id = await self.run_for(backend, job.owner, job.kind, job.name)
        for series in await self.jobs.repository.metrics(job.owner, job.name):
            key = metric_key(series.name)
            history = await backend.call(
                "GET", "metrics/get-history", run_id=run_id, metric_key=key, max_results=100000
            )
            have = len(history.get("metrics", []))
            missing = [
                {"key": key, "value": p.value, "timestamp": p.timestamp_ms, "step": have + i}
                for i, p in enumerate(series.points[have:])
            ]
            for start in range(0, len(missing), BATCH):
                body = {"run_id": run_id, "metrics": missing[start : start + BATCH]}
                await backend.call("POST", "runs/log-batch", body)
            self._steps[(job.owner, job.kind, job.name, series.name)] = len(series.points)
        ended = job.transitions[-1].end_ms if job.transitions else None
        final = JobStateChanged(
            owner=job.owner,
            name=job.name,
            kind=job.kind,
            status=job.status,
            secondary=job.secondary_status,
            time_ms=ended or job.modified_ms,
            message=job.status_message,
        )
        await self._record(final)

    async def idle(self) -> None:
        """Return once every event queued so far is logged (or failed)."""
        await self._queue.join()

    def run_id(self, owner: str, kind: str, name: str) -> str | None:
        return self._runs.get((owner, kind, name))

    async def record(self, event: JobEvent) -> None:
        try:
            await self._record(event)
        except OSError:
            if not await self.servers.recover(event.owner):
                raise
            await self._record(event)  # MLflow had died: once more on a new one

    async def _record(self, event: JobEvent) -> None:
        backend = await self.servers.backend(event.owner)
        run_id = await self._run_for(backend, event)
        if isinstance(event, JobMetrics):
            await self._log_metrics(backend, run_id, event)
            return
        tags = {
            "smstudio.status": event.status.value,
            "smstudio.secondary_status": event.secondary.value,
        }
        final = _MLFLOW_STATUS.get(event.status)
        if final is not None:
            await self.log_inputs(backend, run_id, event.owner, event.kind, event.name)
            if event.status is Status.COMPLETED:
                await self.log_model(backend, run_id, event.owner, event.kind, event.name)
            if event.message:
                tags["smstudio.status_message"] = event.message[:PARAM_CHARS]
        await backend.call("POST", "runs/log-batch", {"run_id": run_id, "tags": _pairs(tags)})
        if final is not None:
            await backend.call(
                "POST",
                "runs/update",
                {"run_id": run_id, "status": final, "end_time": event.time_ms},
            )
            await self._end_parent(backend, event)

    async def _end_parent(self, backend: Backend, event: JobStateChanged) -> None:
        """A tuning job's run ends with its last running trial (and runs again with the
        next one it starts)."""
        job = await self.jobs.stored(event.owner, event.name, event.kind)
        tuning = await self.parent_of(job) if self.parent_of is not None else None
        if tuning is None:  # not a trial
            return
        experiment = await self.experiment(backend, event.owner)
        parent = self._runs.get((event.owner, "tuning", tuning)) or await self._found_run(
            backend, experiment, _tagged(f"tuning/{tuning}")
        )
        if parent is None:
            return
        running = f"tags.`mlflow.parentRunId` = '{parent}' and attributes.status = 'RUNNING'"
        if await self._found_run(backend, experiment, running) is None:
            body = {"run_id": parent, "status": "FINISHED", "end_time": event.time_ms}
            await backend.call("POST", "runs/update", body)

    async def log_inputs(
        self, backend: Backend, run_id: str, owner: str, kind: str, name: str
    ) -> None:
        """The job's inputs as MLflow datasets (logged when it ends: its data is there)."""
        job = await self.jobs.stored(owner, name, kind)
        entries = await asyncio.to_thread(dataset_inputs, self.jobs, job)
        if entries:
            await backend.call("POST", "runs/log-inputs", {"run_id": run_id, "datasets": entries})

    async def log_model(
        self, backend: Backend, run_id: str, owner: str, kind: str, name: str
    ) -> str | None:
        """Copy a completed job's model into its run (``model/``), once; its URI, or None
        for a job without one."""
        run = (await backend.call("GET", "runs/get", run_id=run_id))["run"]
        tags = {t["key"]: t["value"] for t in run["data"].get("tags", [])}
        if "smstudio.model_uri" in tags:
            return str(tags["smstudio.model_uri"])
        described = await self.jobs.describe(owner, name, kind)
        model = getattr(described, "model_artifacts", None)
        if not model or not await asyncio.to_thread(Path(model).is_file):
            return None
        model_uri = f"{run['info']['artifact_uri']}/model"
        logged = await backend.upload(f"{model_uri}/{Path(model).name}", Path(model))
        found = {"smstudio.model_artifacts": str(model)}
        if logged:
            found["smstudio.model_uri"] = model_uri
        await backend.call("POST", "runs/log-batch", {"run_id": run_id, "tags": _pairs(found)})
        return model_uri if logged else None

    async def _log_metrics(self, backend: Backend, run_id: str, event: JobMetrics) -> None:
        metrics = []
        for name, value, time_ms in event.points:
            key = (event.owner, event.kind, event.name, name)
            step = self._steps.get(key, 0)
            self._steps[key] = step + 1
            metrics.append(
                {"key": metric_key(name), "value": value, "timestamp": time_ms, "step": step}
            )
        for start in range(0, len(metrics), BATCH):
            body = {"run_id": run_id, "metrics": metrics[start : start + BATCH]}
            await backend.call("POST", "runs/log-batch", body)

    async def _run_for(self, backend: Backend, event: JobEvent) -> str:
        return await self.run_for(backend, event.owner, event.kind, event.name)

    async def run_of(self, job: StoredJob) -> str:
        """The run a job's own code logs into (its ``MLFLOW_RUN_ID``), created if need be."""
        backend = await self.servers.backend(job.owner)
        return await self.run_for(backend, job.owner, job.kind, job.name)

    async def run_for(self, backend: Backend, owner: str, kind: str, name: str) -> str:
        """The job's run id: cached, found by its tag, or created now."""
        key = (owner, kind, name)
        if key in self._runs:
            return self._runs[key]
        async with self._creating[key]:
            if key not in self._runs:
                self._runs[key] = await self._find_or_create(backend, owner, kind, name)
        return self._runs[key]

    async def _find_or_create(self, backend: Backend, owner: str, kind: str, name: str) -> str:
        job = await self.jobs.stored(owner, name, kind)
        experiment = await self.experiment(backend, owner)
        found = await self._found_run(backend, experiment, _tagged(job_tag(job)))
        if found is not None:
            return found
        tags = run_tags(job)
        tuning = await self.parent_of(job) if self.parent_of is not None else None
        if tuning is not None:  # a trial: a child of its tuning job's run
            tags["mlflow.parentRunId"] = await self._parent_run(backend, owner, tuning)
            tags["smstudio.tuning_job"] = tuning
        run_id = await self._new_run(backend, experiment, job.name, tags, job.created_ms)
        params = job.spec.get("hyperparameters") or {}
        for start in range(0, len(params), 100):  # MLflow: 100 params per call
            chunk = dict(list(params.items())[start : start + 100])
            await backend.call(
                "POST", "runs/log-batch", {"run_id": run_id, "params": _pairs(chunk)}
            )
        return run_id

    async def _parent_run(self, backend: Backend, owner: str, tuning: str) -> str:
        """The tuning job's run (found by its tag, or created), running again."""
        key = (owner, "tuning", tuning)
        async with self._creating[key]:
            if key not in self._runs:
                experiment = await self.experiment(backend, owner)
                tag = f"tuning/{tuning}"
                tags = {"mlflow.runName": tuning, "mlflow.user": owner, "smstudio.job": tag,
                        "smstudio.kind": "tuning", "smstudio.owner": owner}  # fmt: skip
                self._runs[key] = await self._found_run(
                    backend, experiment, _tagged(tag)
                ) or await self._new_run(backend, experiment, tuning, tags)
        run_id = self._runs[key]
        await backend.call("POST", "runs/update", {"run_id": run_id, "status": "RUNNING"})
        return run_id

    @staticmethod
    async def _found_run(backend: Backend, experiment: str, where: str) -> str | None:
        """The id of a run of ``experiment`` matching the filter ``where``, if any."""
        body = {"experiment_ids": [experiment], "filter": where, "max_results": 1}
        runs = (await backend.call("POST", "runs/search", body)).get("runs") or []
        return str(runs[0]["info"]["run_id"]) if runs else None

    @staticmethod
    async def _new_run(
        backend: Backend, experiment: str, name: str, tags: dict[str, str], start_ms: int = 0
    ) -> str:
        body: dict[str, Any] = {"experiment_id": experiment, "run_name": name, "tags": _pairs(tags)}
        if start_ms:
            body["start_time"] = start_ms
        return str((await backend.call("POST", "runs/create", body))["run"]["info"]["run_id"])

    async def experiment(self, backend: Backend, owner: str) -> str:
        if owner in self._experiments:
            return self._experiments[owner]
        name = experiment_name(owner)
        try:
            found = await backend.call("GET", "experiments/get-by-name", experiment_name=name)
            experiment_id = str(found["experiment"]["experiment_id"])
        except MlflowError as err:
            if "RESOURCE_DOES_NOT_EXIST" not in str(err):
                raise
            created = await backend.call(
                "POST",
                "experiments/create",
                {"name": name, "tags": _pairs({"smstudio.owner": owner})},
            )
            experiment_id = str(created["experiment_id"])
        self._experiments[owner] = experiment_id
        return experiment_id
