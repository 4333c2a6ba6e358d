"""Rules of training jobs: validate, queue under the limits, launch, follow, finish.

A job is a row (status, transitions, metrics) plus a directory on disk (the
``/opt/ml`` trees, the log, the runtime's state). Runs are detached: the server
only follows them, so after a restart ``start`` re-attaches to every job still
in progress and records the end of those that ended (or vanished) meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import importlib
import logging
import os
import re
import shutil
import subprocess
from collections import Counter, defaultdict
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from ..compute import ComputeCatalog
from ..errors import InvalidState, NotFound
from ..runtime import RunState
from ..runtime.logs import read_log
from ..timeutil import now_ms
from . import contract, workspace
from .backends import BACKENDS, DockerBackend, HostPlan, JobPlan, LocalBackend, TrainingBackend
from .config import TrainingJobs
from .jobfiles import envcache
from .models import (
    FINAL,
    Artifact,
    ArtifactList,
    LogChunkModel,
    MetricsReply,
    Secondary,
    Status,
    TrainingJob,
    TrainingJobCreate,
    TrainingJobPage,
    TrainingJobQuery,
    Transition,
)
from .repository import StoredJob, TrainingJobRepository, new_job
from .validation import ResolvedJob, resolve

log = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, Any], str], "asyncio.Task[Any]"]
ACTIVE = (Status.IN_PROGRESS, Status.STOPPING)
ARTIFACTS = ("model.tar.gz", "output.tar.gz")
MAX_METRIC_BYTES = 1 << 20
MESSAGES = {
    Secondary.STARTING: "Preparing the instances for training",
    Secondary.DOWNLOADING: "Downloading input data and installing requirements",
    Secondary.TRAINING: "Training in progress",
    Secondary.UPLOADING: "Uploading generated training model",
    Secondary.COMPLETED: "Training job completed",
    Secondary.STOPPING: "Stopping the training job",
    Secondary.STOPPED: "The training job was stopped",
    Secondary.MAX_RUNTIME_EXCEEDED: "Training job runtime exceeded MaxRuntimeInSeconds provided",
    Secondary.FAILED: "Training job failed",
}
VANISHED = (
    "The job's processes vanished (killed, or the machine restarted) before their end was "
    "recorded; logs and files up to then are kept."
)


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


class TrainingService:
    def __init__(
        self,
        config: TrainingJobs,
        repository: TrainingJobRepository,
        compute: ComputeCatalog,
        data_dir: Path,
        root_dir: Path,
    ) -> None:
        self.config = config
        self.repository = repository
        self.compute = compute
        self.data_dir = data_dir / "training"
        self.root = Path(config.root_dir or root_dir).resolve()
        self.artifact_root = Path(config.artifact_dir or data_dir / "artifacts")
        venvs = data_dir / "venvs"  # shared with endpoints: deploying reuses what training built
        self.backends: dict[str, TrainingBackend] = {
            "local": LocalBackend(venvs / "local"),
            "docker": DockerBackend(venvs / "docker", config.docker_command),
        }
        assert set(self.backends) == set(BACKENDS)
        self.spawn: Spawn | None = None
        self._started = False
        self._start_lock = asyncio.Lock()
        self._schedule_lock = asyncio.Lock()
        self._job_locks: defaultdict[tuple[str, str], asyncio.Lock] = defaultdict(asyncio.Lock)
        self._wake: dict[tuple[str, str], asyncio.Event] = {}

    # ---- paths ------------------------------------------------------------------------
    def job_dir(self, owner: str, name: str) -> Path:
        tag = hashlib.sha256(owner.encode()).hexdigest()[:8]
        return self.data_dir / "jobs" / f"{_safe(owner)[:40]}-{tag}" / name

    def log_path(self, owner: str, name: str) -> Path:
        return self.job_dir(owner, name) / "job.log"

    def trees(self, owner: str, name: str, count: int) -> list[Path]:
        base = self.job_dir(owner, name) / "hosts"
        return [base / host / "opt" / "ml" for host in contract.hosts_of(count)]

    def artifact_dir(self, job: StoredJob | TrainingJob) -> Path:
        spec = job.spec
        base = Path(spec.output_path) if spec.output_path else self.artifact_root / _safe(job.owner)
        if spec.output_path and not base.is_absolute():
            base = self.root / base
        return base / job.name / "output"

    # ---- start and stop of the server -----------------------------------------------
    async def start(self) -> None:
        """Re-attach to jobs that ran while the server was down; start queued ones."""
        async with self._start_lock:
            if self._started or self.spawn is None:
                return
            self._started = True
        for job in await self.repository.with_status(ACTIVE):
            if job.run:
                self._follow(job)
            elif job.secondary_status != Secondary.PENDING:
                await self._end(
                    job,
                    Status.FAILED,
                    Secondary.FAILED,
                    failure="The server stopped before the job was launched.",
                )
        await self.schedule()

    # ---- API ---------------------------------------------------------------------------
    async def create(self, owner: str, spec: TrainingJobCreate) -> TrainingJob:
        await self.start()
        resolved = await self._resolve(spec)
        pending = Transition(
            status=Secondary.PENDING, start_ms=now_ms(), message="Waiting for a free slot"
        )
        job = new_job(
            owner,
            spec,
            backend=resolved.backend,
            instance_type=resolved.profile.name,
            status=Status.IN_PROGRESS,
            secondary=pending,
        )
        await self.repository.insert(job)
        await self.schedule()
        return await self.get(owner, spec.name)

    async def _resolve(self, spec: TrainingJobCreate) -> ResolvedJob:
        resolved = await asyncio.to_thread(
            resolve,
            spec,
            root=self.root,
            compute=self.compute,
            backends=self.backends,
            default_backend=self.config.backend,
        )
        backend = self.backends[resolved.backend]
        if isinstance(backend, DockerBackend):
            image = spec.image or resolved.profile.image or ""
            await backend.check_image(image, "image" if spec.image else "instance_type")
        return resolved

    async def _stored(self, owner: str, name: str) -> StoredJob:
        job = await self.repository.get(owner, name)
        if job is None:
            raise NotFound(f"No training job named '{name}'.", field="name")
        return job

    async def get(self, owner: str, name: str) -> TrainingJob:
        job = (await self._stored(owner, name)).public()
        if job.status in FINAL:
            out = self.artifact_dir(job)
            job.model_artifacts = str(out / "model.tar.gz")
            job.output_artifacts = str(out / "output.tar.gz")
        return job

    async def list(self, owner: str, query: TrainingJobQuery) -> TrainingJobPage:
        await self.start()
        return await self.repository.page(owner, query)

    async def stop(self, owner: str, name: str) -> TrainingJob:
        """StopTrainingJob: queued jobs stop at once; running ones get SIGTERM, then SIGKILL."""
        async with self._job_locks[(owner, name)]:
            job = await self._stored(owner, name)
            if job.status in FINAL:
                raise InvalidState(
                    f"Training job '{name}' has already ended ({job.status.value}).", field="name"
                )
            if job.status == Status.IN_PROGRESS:
                if job.secondary_status == Secondary.PENDING:
                    await self._write_end(job, Status.STOPPED, Secondary.STOPPED, None)
                    return await self.get(owner, name)
                await self._write_transition(job, Secondary.STOPPING, status=Status.STOPPING)
            handle = job.run
        if handle:
            await asyncio.to_thread(self.backends[job.backend].stop, handle)
            self._poke(owner, name)
        return await self.get(owner, name)

    async def logs(self, owner: str, name: str, cursor: int, max_bytes: int) -> LogChunkModel:
        job = await self._stored(owner, name)
        chunk = await asyncio.to_thread(read_log, self.log_path(owner, name), cursor, max_bytes)
        finished = job.status in FINAL and chunk.next_cursor >= chunk.size
        return LogChunkModel(
            text=chunk.text, next_cursor=chunk.next_cursor, size=chunk.size, finished=finished
        )

    async def metrics(self, owner: str, name: str, since_ms: int) -> MetricsReply:
        await self._stored(owner, name)
        return MetricsReply(metrics=await self.repository.metrics(owner, name, since_ms))

    async def artifacts(self, owner: str, name: str) -> ArtifactList:
        job = await self._stored(owner, name)
        out = self.artifact_dir(job)

        def sizes() -> list[Artifact]:
            return [
                Artifact(name=n, size=(out / n).stat().st_size)
                for n in ARTIFACTS
                if (out / n).is_file()
            ]

        return ArtifactList(items=await asyncio.to_thread(sizes))

    async def artifact_path(self, owner: str, name: str, artifact: str) -> Path:
        job = await self._stored(owner, name)
        path = self.artifact_dir(job) / artifact
        if artifact not in ARTIFACTS or not await asyncio.to_thread(path.is_file):
            raise NotFound(f"Training job '{name}' has no artifact '{artifact}'.", field="artifact")
        return path

    # ---- queue ---------------------------------------------------------------------------
    async def schedule(self) -> None:
        """Launch queued jobs, oldest first, while the total and per-user limits allow."""
        if self.spawn is None:
            return
        async with self._schedule_lock:
            active = await self.repository.with_status(ACTIVE)
            running = [j for j in active if j.secondary_status != Secondary.PENDING]
            per_user = Counter(j.owner for j in running)
            total = len(running)
            for job in active:
                if job.secondary_status != Secondary.PENDING:
                    continue
                if total >= self.config.max_concurrent_jobs:
                    break
                if per_user[job.owner] >= self.config.max_concurrent_jobs_per_user:
                    continue
                per_user[job.owner] += 1
                total += 1
                await self._launch(job)

    async def _launch(self, job: StoredJob) -> None:
        key = (job.owner, job.name)
        async with self._job_locks[key]:
            current = await self.repository.get(*key)
            if current is None or current.secondary_status != Secondary.PENDING:
                return
            await self._write_transition(current, Secondary.STARTING)
            job = await self._stored(*key)
        try:
            resolved = await self._resolve(job.spec)
            plan = await self._plan(job, resolved)
            handle = await self.backends[job.backend].start(plan)
        except Exception as err:  # a launch failure is the job's failure, not the server's
            log.info("Training job %s/%s could not start: %s", job.owner, job.name, err)
            await self._end(
                job,
                Status.FAILED,
                Secondary.FAILED,
                failure=f"ClientError: the job could not start: {err}",
            )
            if self.spawn is not None:  # its slot is free again (after this pass ends)
                self.spawn(self.schedule(), "training-schedule")
            return
        await self.repository.update(*key, run=handle, started_ms=now_ms())
        if (await self._stored(*key)).status == Status.STOPPING:  # stopped while launching
            await asyncio.to_thread(self.backends[job.backend].stop, handle)
        self._follow(await self._stored(*key))

    async def _plan(self, job: StoredJob, resolved: ResolvedJob) -> JobPlan:
        backend = self.backends[job.backend]
        spec = job.spec
        job_dir = self.job_dir(job.owner, job.name)
        trees = self.trees(job.owner, job.name, spec.instance_count)
        hosts = contract.hosts_of(spec.instance_count)
        channels = dict(resolved.channels)
        for name, url in resolved.remote_channels.items():
            channels[name] = await asyncio.to_thread(_fetch, url, job_dir / "channels" / name)
        script_mode = resolved.entry_point is not None
        encoded = contract.encode_hyperparameters(spec.hyperparameters)
        user_args = contract.to_cmd_args(
            contract.split_hyperparameters(contract.decode_hyperparameters(encoded))[0]
        )
        profile = resolved.profile
        cpus = int(-(-profile.cpus // 1)) if profile.cpus else len(os.sched_getaffinity(0))
        venv = await asyncio.to_thread(_venv_key, backend, resolved)
        detected = await asyncio.to_thread(visible_gpus)
        gpus = (
            detected
            if profile.cpus is None and profile.memory_gib is None
            else min(detected, profile.gpus)
        )
        plans = []
        for host, tree in zip(hosts, trees, strict=True):
            layout = backend.layout(tree)
            ctx = contract.JobContext(
                job_name=job.name,
                entry_point=resolved.entry_point or "",
                hyperparameters=encoded,
                channels={n: c.content_type for n, c in spec.channels.items()},
                instance_type=profile.name,
                hosts=hosts,
                current_host=host,
                layout=layout,
                num_cpus=cpus,
                num_gpus=gpus,
            )
            env = {**contract.sm_environment(ctx), **spec.environment}
            env["PYTHONPATH"] = layout.code
            launch = (
                _launch_spec(backend, resolved, layout, user_args, venv) if script_mode else None
            )
            await asyncio.to_thread(
                _prepare_tree,
                tree,
                resolved,
                contract.config_files(ctx),
                launch,
                channels,
                isinstance(backend, LocalBackend),
            )
            plans.append(HostPlan(host, tree, env))
        return JobPlan(
            id=f"smstudio-train-{hashlib.sha256(str(job_dir).encode()).hexdigest()[:12]}",
            job_dir=job_dir,
            log_path=self.log_path(job.owner, job.name),
            hosts=plans,
            profile=profile,
            channels=channels,
            script_mode=script_mode,
            spec=spec,
            grace_seconds=self.config.stop_grace_seconds,
        )

    # ---- following a run ---------------------------------------------------------------
    def _follow(self, job: StoredJob) -> None:
        assert self.spawn is not None
        key = (job.owner, job.name)
        self._wake[key] = asyncio.Event()
        self.spawn(self._monitor(job), f"training-job:{job.owner}/{job.name}")

    def running(self) -> tuple[tuple[str, str], ...]:
        """(owner, name) of the jobs this server is following now (queued or running)."""
        return tuple(self._wake)

    def _poke(self, owner: str, name: str) -> None:
        event = self._wake.get((owner, name))
        if event is not None:
            event.set()

    async def _monitor(self, job: StoredJob) -> None:
        key = (job.owner, job.name)
        backend = self.backends[job.backend]
        assert job.run is not None
        tree = self.trees(job.owner, job.name, job.instance_count)[0]
        patterns = {m.name: re.compile(m.regex) for m in job.spec.metric_definitions}
        seen = {t.status for t in job.transitions}
        cursor = job.metrics_cursor
        script_mode = bool(job.spec.entry_point)
        wake = self._wake[key]
        try:
            while True:
                state = await asyncio.to_thread(backend.state, job.run)
                stages = await asyncio.to_thread(workspace.read_stages, tree) if script_mode else []
                if not script_mode and state.status != "starting":
                    stages = [(Secondary.TRAINING.value, now_ms())]
                for stage, _ms in stages:
                    if Secondary(stage) not in seen:
                        seen.add(Secondary(stage))
                        await self._transition(job.owner, job.name, Secondary(stage))
                cursor = await self._extract_metrics(job, patterns, cursor)
                if state.finished:
                    break
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(wake.wait(), self.config.poll_seconds)
                wake.clear()
            await self._extract_metrics(job, patterns, cursor)
            await self._finish(job, state, tree)
        finally:
            self._wake.pop(key, None)
        await self.schedule()

    async def _extract_metrics(
        self, job: StoredJob, patterns: dict[str, re.Pattern[str]], cursor: int
    ) -> int:
        """Match new complete log lines against the metric regexes; remember how far we read."""
        if not patterns:
            return cursor
        lines, end = await asyncio.to_thread(
            _complete_lines, self.log_path(job.owner, job.name), cursor
        )
        if end == cursor:
            return cursor
        now = now_ms()
        points = []
        for offset, line in lines:
            for name, pattern in patterns.items():
                match = pattern.search(line)
                if match is None:
                    continue
                with contextlib.suppress(ValueError, IndexError):
                    text = match.group(1) if pattern.groups else match.group(0)
                    points.append((name, offset, now, float(text)))
        await self.repository.add_metrics(job.owner, job.name, points, end)
        return end

    async def _finish(self, job: StoredJob, state: RunState, tree: Path) -> None:
        """Record how the run ended; pack artifacts whatever the outcome (as SageMaker does)."""
        current = await self._stored(job.owner, job.name)
        failure: str | None = None
        if state.status == "vanished":
            status, secondary, failure = Status.FAILED, Secondary.FAILED, VANISHED
        elif state.reason == "timeout":
            status, secondary = Status.STOPPED, Secondary.MAX_RUNTIME_EXCEEDED
        elif state.reason == "stopped" or current.status == Status.STOPPING:
            status, secondary = Status.STOPPED, Secondary.STOPPED
        elif state.exit_code == 0:
            status, secondary = Status.COMPLETED, Secondary.COMPLETED
        else:
            status, secondary = Status.FAILED, Secondary.FAILED
            if state.reason == "oom":
                failure = (
                    f"OutOfMemoryError: the job used more memory than instance type "
                    f"{job.instance_type} has ({job.instance_type} profile)."
                )
            else:
                failure = await asyncio.to_thread(
                    workspace.failure_reason,
                    tree,
                    self.log_path(job.owner, job.name),
                    state.exit_code,
                )
        await self._transition(job.owner, job.name, Secondary.UPLOADING, allow=ACTIVE)
        trees = self.trees(job.owner, job.name, job.instance_count)
        checkpoint = self._checkpoint(job)
        try:
            await asyncio.to_thread(workspace.pack_artifacts, trees, self.artifact_dir(job))
            for t in trees[:1]:
                await asyncio.to_thread(workspace.save_checkpoints, t, checkpoint)
        except OSError as err:
            failure = failure or f"ClientError: could not save the artifacts: {err}"
            status, secondary = Status.FAILED, Secondary.FAILED
        await self.backends[job.backend].cleanup(job.run or {})
        await self._end(current, status, secondary, failure=failure)

    def _checkpoint(self, job: StoredJob) -> Path | None:
        path = job.spec.checkpoint_path
        if not path:
            return None
        return (self.root / path).resolve() if not Path(path).is_absolute() else Path(path)

    # ---- state changes -------------------------------------------------------------------
    async def _transition(
        self,
        owner: str,
        name: str,
        secondary: Secondary,
        allow: tuple[Status, ...] = (Status.IN_PROGRESS,),
    ) -> None:
        async with self._job_locks[(owner, name)]:
            job = await self.repository.get(owner, name)
            if job is not None and job.status in allow:
                await self._write_transition(job, secondary)

    async def _write_transition(
        self,
        job: StoredJob,
        secondary: Secondary,
        *,
        status: Status | None = None,
        message: str | None = None,
        **values: Any,
    ) -> None:
        now = now_ms()
        transitions = list(job.transitions)
        if transitions and transitions[-1].end_ms is None:
            transitions[-1] = transitions[-1].model_copy(update={"end_ms": now})
        text = message if message is not None else MESSAGES.get(secondary, "")
        transitions.append(Transition(status=secondary, start_ms=now, message=text))
        if secondary in (
            Secondary.COMPLETED,
            Secondary.FAILED,
            Secondary.STOPPED,
            Secondary.MAX_RUNTIME_EXCEEDED,
        ):
            transitions[-1] = transitions[-1].model_copy(update={"end_ms": now})
        if status is not None:
            values["status"] = status
        await self.repository.update(
            job.owner,
            job.name,
            secondary_status=secondary,
            status_message=text,
            transitions=[t.model_dump(mode="json") for t in transitions],
            **values,
        )

    async def _end(
        self, job: StoredJob, status: Status, secondary: Secondary, failure: str | None = None
    ) -> None:
        async with self._job_locks[(job.owner, job.name)]:
            current = await self._stored(job.owner, job.name)
            if current.status not in FINAL:
                await self._write_end(current, status, secondary, failure)

    async def _write_end(
        self, job: StoredJob, status: Status, secondary: Secondary, failure: str | None
    ) -> None:
        final = await self.repository.final_metrics(job.owner, job.name)
        await self._write_transition(
            job,
            secondary,
            status=status,
            message=failure if failure else None,
            failure_reason=failure,
            ended_ms=now_ms(),
            final_metrics=[m.model_dump(mode="json") for m in final],
        )


@functools.cache
def visible_gpus() -> int:
    """GPUs as the toolkit counts them: ``GPU `` lines of ``nvidia-smi --list-gpus``, 0 on error."""
    try:
        out = subprocess.run(
            ["nvidia-smi", "--list-gpus"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    return sum(1 for line in out.splitlines() if line.startswith("GPU "))


def _venv_key(backend: TrainingBackend, resolved: ResolvedJob) -> str | None:
    """The cache key of the job's Python environment: its requirements (or package) content."""
    code = resolved.code_dir
    if code is None:
        return None
    requirements = code / "requirements.txt"
    if not resolved.package and not requirements.is_file():
        return None
    image = resolved.profile.image or "" if backend.name == "docker" else None
    if resolved.package:
        return envcache.env_key([code], image)
    return envcache.requirements_key(requirements, image)


def _launch_spec(
    backend: TrainingBackend,
    resolved: ResolvedJob,
    layout: contract.Layout,
    user_args: list[str],
    venv: str | None,
) -> dict[str, Any]:
    """What the launcher (``jobfiles/launcher.py``) does, in the paths the job sees."""
    paths = backend.job_paths()
    entry = resolved.entry_point or ""
    mode = contract.script_mode(entry, resolved.package)
    install: list[list[str]] = []
    if venv:
        if resolved.code_dir is not None and (resolved.code_dir / "requirements.txt").is_file():
            install.append(["-r", f"{layout.code}/requirements.txt"])
        if resolved.package:
            install.append([layout.code])
    return {
        "command": contract.entry_command(mode, entry, user_args, "{python}"),
        "cwd": layout.code,
        "venv": f"{paths['venvs']}/{venv}" if venv else None,
        "install": install,
        "stage_file": f"{layout.base}/{workspace.STAGE_FILE}",
        "failure_file": layout.failure,
        "shim": paths["jobfiles"],
    }


def _complete_lines(path: Path, cursor: int) -> tuple[list[tuple[int, str]], int]:
    """Lines after ``cursor`` up to the last newline, with their byte offsets."""
    try:
        with path.open("rb") as f:
            f.seek(cursor)
            data = f.read(MAX_METRIC_BYTES)
    except FileNotFoundError:
        return [], cursor
    end = data.rfind(b"\n")
    if end < 0:
        return [], cursor
    lines = []
    offset = cursor
    for raw in data[: end + 1].splitlines(keepends=True):
        lines.append((offset, raw.decode("utf-8", "replace").rstrip("\r\n")))
        offset += len(raw)
    return lines, cursor + end + 1


def _prepare_tree(
    tree: Path,
    resolved: ResolvedJob,
    config: dict[str, Any],
    launch: dict[str, Any] | None,
    channels: dict[str, Path],
    local: bool,
) -> None:
    workspace.make_tree(tree, resolved.code_dir, resolved.entry_file)
    workspace.write_config(tree, config, launch)
    if local:
        workspace.link_channels(tree, channels)
    else:
        workspace.mount_points(tree, channels)
    workspace.restore_checkpoints(tree, resolved.checkpoint)


def _fetch(url: str, destination: Path) -> Path:
    """Copy an fsspec URL (s3://...) to the job's disk before it starts."""
    fsspec = importlib.import_module("fsspec")
    if destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    fs, _, paths = fsspec.get_fs_token_paths(url)
    source = paths[0]
    if fs.isdir(source):  # the prefix's contents become the channel, as SageMaker copies them
        fs.get(source.rstrip("/") + "/", f"{destination}/", recursive=True)
    else:
        fs.get(source, str(destination / source.rstrip("/").rsplit("/", 1)[-1]))
    return destination
