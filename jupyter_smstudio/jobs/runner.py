"""The job runner: validate, queue under the limits, launch, follow, finish, for every kind.

A job is a row (status, transitions, metrics) plus a directory on disk (the
``/opt/ml`` trees, the log, the runtime's state). Runs are detached: the server
only follows them, so after a restart ``start`` re-attaches to every job still
in progress and records the end of those that ended (or vanished) meanwhile.
Every kind of job (training, processing) shares this runner, its queue and its
limits; what differs between them is their :class:`~.kind.JobKind`, which sees the
runner only as a :class:`~.kind.KindContext`. State changes and metrics are
published as :mod:`~.events` for other areas to follow.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import logging
import re
import shutil
import socket
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel

from ..compute import ComputeCatalog
from ..errors import InvalidInput, InvalidState, NotFound, SMStudioError
from ..paths import SpaceRoot, space_roots
from ..runtime import RunState
from ..runtime.backends import installed
from ..runtime.logs import read_log
from ..store.paging import ListQuery
from ..timeutil import now_ms
from .backends import DockerBackend, JobBackend, TrainingBackend
from .checks import check_run
from .config import TrainingJobs
from .events import JobEvents, JobMetrics, JobStateChanged
from .failure import failure_reason
from .kind import JobKind, Resolved
from .layout import hosts_of
from .models import FINAL, JobRequest, JobSummary, LogChunkModel, Secondary, Status, Transition
from .remote import ObjectStore, fetch_remote, upload_remote
from .repository import JobRepository, StoredJob, new_job

log = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, Any], str], "asyncio.Task[Any]"]
M = TypeVar("M", bound=JobSummary)
ACTIVE = (Status.IN_PROGRESS, Status.STOPPING)
MAX_METRIC_BYTES = 1 << 20
ENDED = (
    Secondary.COMPLETED,
    Secondary.FAILED,
    Secondary.STOPPED,
    Secondary.MAX_RUNTIME_EXCEEDED,
)
VANISHED = (
    "The job's processes vanished (killed, or the machine restarted) before their end was "
    "recorded; logs and files up to then are kept."
)
#: FailureReason prefixes of infrastructure failures, not the job's own: what a
#: RetryStrategy retries (SageMaker retries "InternalServerError" failures).
RETRYABLE = (VANISHED, "InternalServerError")


def retryable(failure_reason: str | None) -> bool:
    """Whether a failed job failed for an infrastructure reason (so running it again may
    succeed) rather than because of its code, data or configuration."""
    return failure_reason is not None and failure_reason.startswith(RETRYABLE)


#: How the runtime's limits read in a FailureReason (SageMaker's error prefixes).
OVER_LIMIT = {"processes": "AlgorithmError", "quota": "ClientError"}


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


class JobRunner:
    """Runs jobs of every registered kind (each kind's service ``register``s it)."""

    def __init__(
        self,
        config: TrainingJobs,
        repository: JobRepository,
        compute: ComputeCatalog,
        data_dir: Path,
        root_dir: Path,
        *,
        spawn: Spawn,
        events: JobEvents | None = None,
        user_spaces: Callable[[str], Awaitable[Sequence[SpaceRoot]]] | None = None,
        objects: ObjectStore | None = None,
    ) -> None:
        self.config = config
        self.repository = repository
        self.compute = compute
        self.data_dir = data_dir / "training"  # every kind's job dirs: the name is on disk
        self.root = Path(config.root_dir or root_dir).resolve()
        self.artifact_root = Path(config.artifact_dir or data_dir / "artifacts")
        self.venvs = data_dir / "venvs"  # shared with endpoints: deploying reuses training's
        #: The backends built so far, by name: the admin's default, then each one a job names.
        self.backends: dict[str, JobBackend] = {}
        default = config.backend.from_settings(self.venvs, config)
        self.backends[default.name] = default
        self.kinds: dict[str, JobKind[Any, Any]] = {}
        self.spawn = spawn
        self.events = events or JobEvents()
        #: The spaces an owner may use: their paths are accepted in that owner's jobs.
        self.user_spaces = user_spaces
        #: Where ``s3://`` inputs and outputs are (the S3 area); else fsspec's.
        self.objects = objects
        #: job -> the variables its code gets: the AWS ones its owner's kernels get, and
        #: its MLflow run's (set once the server's URL is known).
        self.job_env: Callable[[StoredJob], Awaitable[dict[str, str]]] | None = None
        self._started = False
        self._start_lock = asyncio.Lock()
        self._schedule_lock = asyncio.Lock()
        self._job_locks: defaultdict[tuple[str, str], asyncio.Lock] = defaultdict(asyncio.Lock)
        self._wake: dict[tuple[str, str], asyncio.Event] = {}
        self._kind_of: dict[tuple[str, str], str] = {}

    def register(self, kind: JobKind[Any, Any]) -> None:
        """Run jobs of ``kind`` too (before the server starts: re-attach needs every kind)."""
        self.kinds[kind.name] = kind

    # ---- what kinds see (KindContext) -------------------------------------------------
    @property
    def grace_seconds(self) -> float:
        return self.config.stop_grace_seconds

    @property
    def poll_seconds(self) -> float:
        return self.config.poll_seconds

    def backend(self, name: str) -> JobBackend:
        """The backend called ``name``: ours or another package's (entry-point group
        ``jupyter_smstudio.backends``, ``jobs.<name>``); else a 400 naming ``backend``."""
        found = self.backends.get(name)
        if found is None:
            cls = installed("jobs", name, "backend")
            if not (isinstance(cls, type) and issubclass(cls, TrainingBackend)):
                raise InvalidInput(f"'{name}' is not a job backend.", field="backend")
            found = self.backends[name] = cls.from_settings(self.venvs, self.config)
        return found

    def job_dir(self, owner: str, name: str) -> Path:
        tag = hashlib.sha256(owner.encode()).hexdigest()[:8]
        return self.data_dir / "jobs" / f"{_safe(owner)[:40]}-{tag}" / name

    def log_path(self, owner: str, name: str) -> Path:
        return self.job_dir(owner, name) / "job.log"

    def trees(self, owner: str, name: str, count: int) -> list[Path]:
        base = self.job_dir(owner, name) / "hosts"
        return [base / host / "opt" / "ml" for host in hosts_of(count)]

    def output_dir(self, owner: str, name: str, output_path: str | None = None) -> Path:
        """``<output_path or the artifact store>/<job>/output``: where a job's results go."""
        base = Path(output_path) if output_path else self.artifact_root / _safe(owner)
        if output_path and not base.is_absolute():
            base = self.root / base
        return base / name / "output"

    async def fetch(
        self,
        owner: str,
        url: str,
        destination: Path,
        shard: tuple[int, int] | None = None,
        *,
        required: bool = True,
        manifest: bool = False,
    ) -> Path:
        if self.objects is not None and self.objects.handles(url):
            await asyncio.to_thread(_empty_dir, destination)
            written = await self.objects.fetch(owner, url, destination, shard, manifest=manifest)
            if required and not written:
                raise InvalidInput(f"No S3 objects found under S3 URL {url}.", field="s3_uri")
            return destination
        return await asyncio.to_thread(fetch_remote, url, destination)

    async def job_environment(self, job: StoredJob, container: bool) -> dict[str, str]:
        if self.job_env is None:
            return {}
        values = await self.job_env(job)
        return _for_container(values) if container else values

    async def upload(self, owner: str, source: Path, url: str) -> None:
        if self.objects is not None and self.objects.handles(url):
            await self.objects.upload(owner, source, url)
        else:
            await asyncio.to_thread(upload_remote, source, url)

    # ---- start and stop of the server -----------------------------------------------
    async def start(self) -> None:
        """Re-attach to jobs that ran while the server was down; start queued ones."""
        async with self._start_lock:
            if self._started:
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

    # ---- API for every kind ----------------------------------------------------------
    async def submit(self, owner: str, kind: str, spec: JobRequest) -> StoredJob:
        """Check ``spec`` completely, then queue it (it starts at once if a slot is free)."""
        await self.start()
        resolved = await self._resolve(self.kinds[kind], spec, owner)
        pending = Transition(
            status=Secondary.PENDING, start_ms=now_ms(), message="Waiting for a free slot"
        )
        job = new_job(
            owner,
            kind,
            spec.model_dump(mode="json"),
            backend=resolved.backend,
            instance_type=resolved.profile.name,
            instance_count=spec.instance_count,
            status=Status.IN_PROGRESS,
            secondary=pending,
        )
        await self.repository.insert(job)
        await self.events.publish(
            JobStateChanged(
                owner, job.name, kind, job.status, pending.status, pending.start_ms, pending.message
            )
        )
        await self.schedule()
        return await self.stored(owner, spec.name, kind)

    async def check(self, kind: str, spec: JobRequest, owner: str) -> None:
        """Check ``spec`` as ``submit`` does, creating nothing (a tuning job's template)."""
        await self._resolve(self.kinds[kind], spec, owner)

    async def _resolve(self, kind: JobKind[Any, Any], spec: JobRequest, owner: str) -> Resolved:
        # The owner's spaces, not those of whoever's request launches the job.
        spaces = await self.user_spaces(owner) if self.user_spaces is not None else ()

        def work() -> Resolved:
            with space_roots(spaces):
                return checked()

        def checked() -> Resolved:
            base = check_run(
                spec,
                kind.shape(spec),
                compute=self.compute,
                backend=self.backend,
                default_backend=self.config.backend.name,
            )
            resolved: Resolved = kind.resolve(spec, self, base)
            return resolved

        resolved = await asyncio.to_thread(work)
        if self.objects is not None:
            for where, url in kind.remote_urls(spec):
                if self.objects.handles(url):
                    await self.objects.check(owner, url, where)
        backend = self.backend(resolved.backend)
        if isinstance(backend, DockerBackend):
            image = kind.image(spec, resolved.profile)
            await backend.check_image(image, "image" if spec.image else "instance_type")
        return resolved

    async def stored(self, owner: str, name: str, kind: str) -> StoredJob:
        job = await self.repository.get(owner, name, kind)
        if job is None:
            raise NotFound(f"No {self.kinds[kind].noun} named '{name}'.", field="name")
        return job

    async def describe(self, owner: str, name: str, kind: str) -> BaseModel:
        return (await self._describe([await self.stored(owner, name, kind)]))[0]

    async def _describe(self, jobs: list[StoredJob]) -> list[BaseModel]:
        """As the kinds describe them (in a thread: a kind may read the run's files)."""

        def work() -> list[BaseModel]:
            return [self.kinds[j.kind].describe(self, j, self.kinds[j.kind].parse(j.spec))
                    for j in jobs]  # fmt: skip

        return await asyncio.to_thread(work)

    async def page_described(
        self, owner: str, kind: str, query: ListQuery, status: Status | None
    ) -> tuple[list[BaseModel], str | None]:
        """A page of whole jobs as their kind describes them (a list of full jobs)."""
        await self.start()
        rows, token = await self.repository.page_rows(owner, kind, query, status)
        return await self._describe(rows), token

    async def page(
        self, owner: str, kind: str, query: ListQuery, status: Status | None, summary: type[M]
    ) -> tuple[list[M], str | None]:
        await self.start()
        return await self.repository.page(owner, kind, query, status, summary)

    async def stop_job(self, owner: str, name: str, kind: str) -> None:
        """Stop: queued jobs stop at once; running ones get SIGTERM, then SIGKILL."""
        async with self._job_locks[(owner, name)]:
            job = await self.stored(owner, name, kind)
            if job.status in FINAL:
                noun = self.kinds[kind].noun.capitalize()
                raise InvalidState(
                    f"{noun} '{name}' has already ended ({job.status.value}).", field="name"
                )
            if job.status == Status.IN_PROGRESS:
                if job.secondary_status == Secondary.PENDING:
                    await self._write_end(job, Status.STOPPED, Secondary.STOPPED, None)
                    return
                await self._write_transition(job, Secondary.STOPPING, status=Status.STOPPING)
            handle = job.run
        if handle:
            await self.backend(job.backend).stop(handle)
            self._poke(owner, name)

    async def job_logs(
        self, owner: str, name: str, kind: str, cursor: int, max_bytes: int
    ) -> LogChunkModel:
        job = await self.stored(owner, name, kind)
        chunk = await asyncio.to_thread(read_log, self.log_path(owner, name), cursor, max_bytes)
        finished = job.status in FINAL and chunk.next_cursor >= chunk.size
        return LogChunkModel(
            text=chunk.text, next_cursor=chunk.next_cursor, size=chunk.size, finished=finished
        )

    # ---- queue ---------------------------------------------------------------------------
    async def schedule(self) -> None:
        """Launch queued jobs, oldest first, while the total and per-user limits allow."""
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
        kind = self.kinds[job.kind]
        async with self._job_locks[key]:
            current = await self.repository.get(*key)
            if current is None or current.secondary_status != Secondary.PENDING:
                return
            await self._write_transition(current, Secondary.STARTING)
            job = await self.stored(*key, job.kind)
        try:
            spec = kind.parse(job.spec)
            resolved = await self._resolve(kind, spec, job.owner)
            plan = await kind.plan(self, job, spec, resolved)
            plan = dataclasses.replace(plan, max_output_bytes=self.config.max_output_bytes or None)
            handle = await self.backend(job.backend).start(plan)
        except Exception as err:  # a launch failure is the job's failure, not the server's
            log.info("%s %s/%s could not start: %s", kind.noun, job.owner, job.name, err)
            await self._end(
                job,
                Status.FAILED,
                Secondary.FAILED,
                failure=f"ClientError: the job could not start: {err}",
            )
            self.spawn(self.schedule(), "training-schedule")  # its slot is free again
            return
        # Under the job's lock, as stop_job reads the handle under it: a stop that came while
        # the run started either finds the handle or is seen here, never neither.
        async with self._job_locks[key]:
            await self.repository.update(*key, run=handle, started_ms=now_ms())
            job = await self.stored(*key, job.kind)
        if job.status == Status.STOPPING:  # stopped while launching
            await self.backend(job.backend).stop(handle)
        self._follow(job)

    # ---- following a run ---------------------------------------------------------------
    def _follow(self, job: StoredJob) -> None:
        key = (job.owner, job.name)
        self._wake[key] = asyncio.Event()
        self._kind_of[key] = job.kind
        self.spawn(self._monitor(job), f"{job.kind}-job:{job.owner}/{job.name}")

    def running(self) -> tuple[tuple[str, str, str], ...]:
        """(owner, name, noun) of the jobs this server is following now (queued or running)."""
        return tuple((o, n, self.kinds[self._kind_of[(o, n)]].noun) for o, n in self._wake)

    async def current_work(self) -> list[str]:
        """What keeps the server up (the idle monitor asks): the jobs being followed."""
        return [f"{noun} {name} is running" for _, name, noun in self.running()]

    def _poke(self, owner: str, name: str) -> None:
        event = self._wake.get((owner, name))
        if event is not None:
            event.set()

    async def _monitor(self, job: StoredJob) -> None:
        key = (job.owner, job.name)
        kind = self.kinds[job.kind]
        spec = kind.parse(job.spec)
        backend = self.backend(job.backend)
        assert job.run is not None
        tree = self.trees(job.owner, job.name, job.instance_count)[0]
        patterns = kind.metric_patterns(spec)
        seen = {t.status for t in job.transitions}
        cursor = job.metrics_cursor
        wake = self._wake[key]
        try:
            while True:
                state = await backend.state(job.run)
                stages = await asyncio.to_thread(kind.stages, spec, tree)
                if stages is None:
                    stages = [(kind.running.value, now_ms())] if state.status != "starting" else []
                for stage, _ms in stages:
                    if Secondary(stage) not in seen:
                        seen.add(Secondary(stage))
                        await self._transition(job.owner, job.name, Secondary(stage))
                cursor = await self._extract_metrics(job, patterns, cursor)
                if state.finished:
                    break
                try:
                    await asyncio.to_thread(kind.while_running, self, spec, tree)
                except OSError as err:  # e.g. a full disk: the job itself goes on
                    log.warning("%s %s: %s", kind.noun, job.name, err)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(wake.wait(), self.config.poll_seconds)
                wake.clear()
            await self._extract_metrics(job, patterns, cursor)
            await self._finish(job, state, tree)
        finally:
            self._wake.pop(key, None)
            self._kind_of.pop(key, None)
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
        if points:
            found = tuple((name, value, ts) for name, _, ts, value in points)
            await self.events.publish(JobMetrics(job.owner, job.name, job.kind, found))
        return end

    async def _finish(self, job: StoredJob, state: RunState, tree: Path) -> None:
        """Record how the run ended and let the kind save what the job produced."""
        current = await self.stored(job.owner, job.name, job.kind)
        kind = self.kinds[job.kind]
        failure: str | None = None
        if state.status == "vanished" and current.status != Status.STOPPING:
            # (stopped while launching, its supervisor may go before it records the end:
            # a job asked to stop is Stopped, below)
            status, secondary, failure = Status.FAILED, Secondary.FAILED, VANISHED
        elif state.reason == "timeout":
            status, secondary = Status.STOPPED, Secondary.MAX_RUNTIME_EXCEEDED
        elif state.reason in OVER_LIMIT:
            status, secondary = Status.FAILED, Secondary.FAILED
            failure = f"{OVER_LIMIT[state.reason]}: the job was stopped: {state.message}."
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
                    failure_reason,
                    kind.failure_file(tree),
                    self.log_path(job.owner, job.name),
                    state.exit_code,
                )
        await self._transition(job.owner, job.name, Secondary.UPLOADING, allow=ACTIVE)
        trees = self.trees(job.owner, job.name, job.instance_count)
        spec = kind.parse(job.spec)
        try:
            await asyncio.to_thread(
                kind.collect, self, job, spec, trees, status == Status.COMPLETED
            )
            await kind.publish(self, job, spec, trees, status == Status.COMPLETED)
        except (OSError, SMStudioError) as err:
            failure = failure or f"ClientError: could not save the job's results: {err}"
            status, secondary = Status.FAILED, Secondary.FAILED
        await self.backend(job.backend).cleanup(job.run or {})
        await self._end(current, status, secondary, failure=failure)

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
        text = message if message is not None else self.kinds[job.kind].messages.get(secondary, "")
        transitions.append(Transition(status=secondary, start_ms=now, message=text))
        if secondary in ENDED:
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
        event = JobStateChanged(
            job.owner, job.name, job.kind, status or job.status, secondary, now, text
        )
        await self.events.publish(event)

    async def _end(
        self, job: StoredJob, status: Status, secondary: Secondary, failure: str | None = None
    ) -> None:
        async with self._job_locks[(job.owner, job.name)]:
            current = await self.stored(job.owner, job.name, job.kind)
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


#: What a container calls the server's machine (``--add-host ...:host-gateway``).
HOST_GATEWAY = "host.docker.internal"


def _for_container(values: dict[str, str]) -> dict[str, str]:
    """The variables as a container sees them: the server's endpoints at the host gateway,
    and no paths of the server's disk (the SDK config, Studio metadata)."""
    found = {}
    for name, value in values.items():
        if name.startswith("AWS_ENDPOINT_URL") or name == "MLFLOW_TRACKING_URI":
            parts = urlsplit(value)
            if parts.hostname in ("127.0.0.1", "localhost", "0.0.0.0", socket.gethostname()):  # noqa: S104
                netloc = HOST_GATEWAY + (f":{parts.port}" if parts.port else "")
                value = urlunsplit(parts._replace(netloc=netloc))
        elif value.startswith("/"):
            continue
        found[name] = value
    return found


def _empty_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)  # left by an earlier attempt
    path.mkdir(parents=True)


def _complete_lines(path: Path, cursor: int) -> tuple[list[tuple[int, str]], int]:
    """Lines after ``cursor`` up to the last newline, with their byte offsets."""
    try:
        with path.open("rb") as f:
            cursor = min(cursor, f.seek(0, 2))  # a capped log drops its middle: it shrinks
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
