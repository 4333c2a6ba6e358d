"""The job runner's own logic, in milliseconds: a fake backend stands for the processes.

``JobRunner`` (queue, limits, states and transitions, stop, launch failures,
re-attach after a restart, the max runtime, metrics, events) is driven here for
real, over a real SQLite database in a temporary directory, but its backend is
:class:`FakeBackend`: an in-memory run whose state the test sets. No process,
container or server starts, so a contributor can run these in a second or two.
What the fake stands for, the real backends starting and stopping real processes
and containers, is covered by the real-process tests (``test_training_*``,
``test_processing_*``, ``test_job_cleanup.py``), which are marked ``slow``.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel

from jupyter_smstudio.areas import all_migrations
from jupyter_smstudio.compute import ComputeCatalog, ComputeProfile
from jupyter_smstudio.errors import InvalidState
from jupyter_smstudio.jobs.backends import JobBackend, JobPlan, RunShape
from jupyter_smstudio.jobs.config import TrainingJobs
from jupyter_smstudio.jobs.events import JobEvents, JobMetrics, JobStateChanged
from jupyter_smstudio.jobs.kind import JobKind, KindContext, Resolved
from jupyter_smstudio.jobs.layout import Layout
from jupyter_smstudio.jobs.models import JobRequest, Secondary, Status
from jupyter_smstudio.jobs.repository import JobRepository, StoredJob
from jupyter_smstudio.jobs.runner import VANISHED, JobRunner
from jupyter_smstudio.runtime import RunState
from jupyter_smstudio.store import Database
from jupyter_smstudio.store.database import sqlite_url

from .waiting import eventually

OWNER = "alice"
FAST = 0.005  # seconds between checks: the runner's polls and the test's waits


class FakeBackend(JobBackend):
    """Runs "jobs" in memory: ``start`` records the plan, the test sets each run's state."""

    name = "local"

    def __init__(self) -> None:
        self.states: dict[str, RunState] = {}  # by plan id
        self.started: list[str] = []
        self.stopped: list[str] = []
        self.cleaned: list[str] = []
        self.start_errors: dict[str, Exception] = {}  # by plan id: its launch fails

    def check(self, shape: RunShape, profile: ComputeProfile) -> None:
        """Accepts every job: the real backends' checks have their own tests."""

    def layout(self, tree: Path) -> Layout:
        return Layout(str(tree))

    def job_paths(self, jobfiles: Path) -> dict[str, str]:
        return {}

    def place_inputs(self, tree: Path, mounts: dict[str, Path]) -> None:
        """No inputs to place: nothing runs."""

    async def start(self, plan: JobPlan) -> dict[str, Any]:
        if plan.id in self.start_errors:
            raise self.start_errors[plan.id]
        self.started.append(plan.id)
        self.states[plan.id] = RunState("running")
        return {"id": plan.id}

    async def state(self, handle: dict[str, Any]) -> RunState:
        return self.states.get(handle["id"], RunState("vanished"))

    async def stop(self, handle: dict[str, Any]) -> bool:
        """What the real runtime reports once SIGTERM ended the run."""
        self.stopped.append(handle["id"])
        self.states[handle["id"]] = RunState("exited", exit_code=-15, reason="stopped")
        return True

    async def cleanup(self, handle: dict[str, Any]) -> None:
        self.cleaned.append(handle["id"])

    def end(self, job: str, exit_code: int = 0, reason: str | None = None) -> None:
        """The run of ``job`` exits (as the runtime would record it)."""
        self.states[job] = RunState("exited", exit_code=exit_code, reason=reason)


class FakeRequest(JobRequest):
    metric: str | None = None  # a regex with one group: the value of metric "loss"


class FakeKind(JobKind[FakeRequest, Resolved]):
    """The smallest kind: no tree to prepare, the plan's id is the job's name."""

    name = "fake"
    noun = "fake job"
    running = Secondary.TRAINING
    messages: ClassVar[dict[Secondary, str]] = {Secondary.TRAINING: "Running the fake"}
    spec_model = FakeRequest

    def __init__(self) -> None:
        self.collected: list[tuple[str, bool]] = []

    def shape(self, spec: FakeRequest) -> RunShape:
        return RunShape(spec.instance_count, spec.image, False, "command")

    def image(self, spec: FakeRequest, profile: ComputeProfile) -> str:
        return "fake:latest"

    def resolve(self, spec: FakeRequest, runner: KindContext, resolved: Resolved) -> Resolved:
        return resolved

    async def plan(
        self, runner: KindContext, job: StoredJob, spec: FakeRequest, resolved: Resolved
    ) -> JobPlan:
        return JobPlan(
            id=job.name,
            job_dir=runner.job_dir(job.owner, job.name),
            log_path=runner.log_path(job.owner, job.name),
            hosts=[],
            profile=resolved.profile,
            mounts={},
            script_mode=False,
            image="fake:latest",
            entrypoint=None,
            arguments=[],
            max_runtime_seconds=spec.max_runtime_seconds,
            grace_seconds=runner.grace_seconds,
        )

    def metric_patterns(self, spec: FakeRequest) -> dict[str, re.Pattern[str]]:
        return {"loss": re.compile(spec.metric)} if spec.metric else {}

    def failure_file(self, tree: Path) -> Path:
        return tree / "output" / "failure"

    def collect(
        self,
        runner: KindContext,
        job: StoredJob,
        spec: FakeRequest,
        trees: list[Path],
        completed: bool,
    ) -> None:
        self.collected.append((job.name, completed))

    def describe(self, runner: KindContext, job: StoredJob, spec: FakeRequest) -> BaseModel:
        return job


@dataclass
class Harness:
    """A runner over ``db_path`` with a fake backend; ``close`` is a server stopping."""

    runner: JobRunner
    backend: FakeBackend
    kind: FakeKind
    db: Database
    events: list[JobStateChanged | JobMetrics] = field(default_factory=list)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    async def submit(self, name: str, owner: str = OWNER, **spec: Any) -> StoredJob:
        return await self.runner.submit(owner, "fake", FakeRequest(name=name, **spec))

    async def job(self, name: str, owner: str = OWNER) -> StoredJob:
        return await self.runner.stored(owner, name, "fake")

    async def reaches(
        self, name: str, secondary: Secondary, owner: str = OWNER, timeout: float = 10
    ) -> StoredJob:
        async def check() -> StoredJob | None:
            job = await self.job(name, owner)
            return job if job.secondary_status == secondary else None

        found: StoredJob = await eventually(
            check, timeout, f"{name} to be {secondary.value}", interval=FAST
        )
        return found

    async def secondaries(self, *names: str) -> list[Secondary]:
        return [(await self.job(n)).secondary_status for n in names]


@asynccontextmanager
async def harness(
    db_path: Path, backend: FakeBackend | None = None, **limits: Any
) -> AsyncIterator[Harness]:
    """A runner as ``Services.build`` makes one, with ``backend`` in place of processes."""
    tasks: set[asyncio.Task[Any]] = set()

    def spawn(coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return task

    db = Database(sqlite_url(db_path), all_migrations())
    config = TrainingJobs(poll_seconds=FAST, stop_grace_seconds=1, **limits)
    runner = JobRunner(
        config,
        JobRepository(db),
        ComputeCatalog(),
        data_dir=db_path.parent / "data",
        root_dir=db_path.parent,
        spawn=spawn,
        events=JobEvents(),
    )
    backend = backend or FakeBackend()
    runner.backends = {"local": backend, "docker": backend}
    kind = FakeKind()
    runner.register(kind)
    h = Harness(runner, backend, kind, db, tasks=tasks)

    async def record(event: JobStateChanged | JobMetrics) -> None:
        h.events.append(event)

    runner.events.subscribe(JobStateChanged, record)
    runner.events.subscribe(JobMetrics, record)
    try:
        yield h
    finally:  # the server stops: its tasks end, the runs (here: the fake's) go on
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await db.close()


async def test_a_job_goes_pending_starting_running_uploading_completed(tmp_path: Path) -> None:
    async with harness(tmp_path / "jobs.db") as h:
        await h.submit("job-1")
        running = await h.reaches("job-1", Secondary.TRAINING)
        assert running.status == Status.IN_PROGRESS
        assert running.run == {"id": "job-1"}
        assert running.status_message == "Running the fake"

        h.backend.end("job-1", exit_code=0)
        done = await h.reaches("job-1", Secondary.COMPLETED)

    assert done.status == Status.COMPLETED
    assert done.failure_reason is None
    assert [t.status for t in done.transitions] == [
        Secondary.PENDING,
        Secondary.STARTING,
        Secondary.TRAINING,
        Secondary.UPLOADING,
        Secondary.COMPLETED,
    ]
    assert all(t.end_ms is not None for t in done.transitions)  # each one closed
    assert done.ended_ms is not None
    assert done.started_ms is not None
    assert h.kind.collected == [("job-1", True)]
    assert h.backend.cleaned == ["job-1"]
    assert h.runner.running() == ()


async def test_the_queue_keeps_the_per_user_limit_and_starts_the_oldest_when_a_slot_frees(
    tmp_path: Path,
) -> None:
    async with harness(
        tmp_path / "jobs.db", max_concurrent_jobs=3, max_concurrent_jobs_per_user=1
    ) as h:
        for name in ("a-1", "a-2", "a-3"):
            await h.submit(name)
        await h.submit("b-1", owner="bob")
        await h.reaches("a-1", Secondary.TRAINING)
        await h.reaches("b-1", Secondary.TRAINING, owner="bob")  # bob's slot is his own
        assert await h.secondaries("a-2", "a-3") == [Secondary.PENDING, Secondary.PENDING]
        assert (await h.job("a-2")).status_message == "Waiting for a free slot"

        h.backend.end("a-1")
        await h.reaches("a-2", Secondary.TRAINING)  # the oldest waiting job, not a-3
        assert await h.secondaries("a-3") == [Secondary.PENDING]
        assert h.backend.started == ["a-1", "b-1", "a-2"]


async def test_the_total_limit_holds_every_user_back(tmp_path: Path) -> None:
    async with harness(
        tmp_path / "jobs.db", max_concurrent_jobs=2, max_concurrent_jobs_per_user=2
    ) as h:
        await h.submit("a-1")
        await h.submit("a-2")
        await h.submit("b-1", owner="bob")
        await h.reaches("a-2", Secondary.TRAINING)
        assert (await h.job("b-1", owner="bob")).secondary_status == Secondary.PENDING

        h.backend.end("a-1", exit_code=1)  # a failed job frees its slot too
        await h.reaches("a-1", Secondary.FAILED)
        await h.reaches("b-1", Secondary.TRAINING, owner="bob")
        assert h.backend.started == ["a-1", "a-2", "b-1"]


async def test_a_queued_job_stops_at_once_without_reaching_the_backend(tmp_path: Path) -> None:
    async with harness(tmp_path / "jobs.db", max_concurrent_jobs=1) as h:
        await h.submit("job-1")
        await h.submit("job-2")
        await h.reaches("job-1", Secondary.TRAINING)

        await h.runner.stop_job(OWNER, "job-2", "fake")
        stopped = await h.job("job-2")
        assert (stopped.status, stopped.secondary_status) == (Status.STOPPED, Secondary.STOPPED)
        assert [t.status for t in stopped.transitions] == [Secondary.PENDING, Secondary.STOPPED]
        assert h.backend.started == ["job-1"]
        assert h.backend.stopped == []

        with pytest.raises(InvalidState, match=r"has already ended \(Stopped\)"):
            await h.runner.stop_job(OWNER, "job-2", "fake")


class GatedBackend(FakeBackend):
    """Its runs start only once the test opens ``gate``: a launch caught half-way."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.starting = asyncio.Event()

    async def start(self, plan: JobPlan) -> dict[str, Any]:
        self.starting.set()
        await self.gate.wait()
        return await super().start(plan)


async def test_a_stop_that_crosses_a_launch_still_stops_the_run(tmp_path: Path) -> None:
    """The stop reads the job before its run is saved and writes Stopping after: the
    launch must see that Stopping (or the stop the handle), else the run goes on forever
    (a tuning job stopped while a trial started waited on it for ever)."""
    backend = GatedBackend()
    async with harness(tmp_path / "jobs.db", backend) as h:
        submitted = asyncio.create_task(h.submit("job-1"))  # it waits for the launch
        await asyncio.wait_for(backend.starting.wait(), 10)
        followed = asyncio.Event()
        follow, write = h.runner._follow, h.runner._write_transition

        def follow_and_tell(job: StoredJob) -> None:
            follow(job)
            followed.set()

        async def launch_in_between(job: StoredJob, secondary: Secondary, **kw: Any) -> None:
            if secondary == Secondary.STOPPING:  # the stop has read the job: let it launch
                backend.gate.set()
                # Give the launch its chance to finish in between: with the launch waiting
                # for the job's lock (as it must) this passes after its deadline.
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(followed.wait(), 1.0)
            await write(job, secondary, **kw)

        h.runner._follow = follow_and_tell  # type: ignore[method-assign]
        h.runner._write_transition = launch_in_between  # type: ignore[method-assign]
        await h.runner.stop_job(OWNER, "job-1", "fake")
        stopped = await h.reaches("job-1", Secondary.STOPPED)
        await submitted

    assert stopped.status == Status.STOPPED
    assert backend.stopped == ["job-1"]


async def test_a_running_job_goes_stopping_then_stopped(tmp_path: Path) -> None:
    async with harness(tmp_path / "jobs.db") as h:
        await h.submit("job-1")
        await h.reaches("job-1", Secondary.TRAINING)

        await h.runner.stop_job(OWNER, "job-1", "fake")
        assert h.backend.stopped == ["job-1"]
        stopped = await h.reaches("job-1", Secondary.STOPPED)

    assert stopped.status == Status.STOPPED
    assert [t.status for t in stopped.transitions][-3:] == [
        Secondary.STOPPING,
        Secondary.UPLOADING,
        Secondary.STOPPED,
    ]
    assert h.kind.collected == [("job-1", False)]  # collected, but not as completed
    assert h.backend.cleaned == ["job-1"]


async def test_a_job_whose_run_vanishes_while_stopping_is_stopped_not_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped while starting, a run's supervisor can go before recording its end."""
    async with harness(tmp_path / "jobs.db") as h:
        await h.submit("job-1")
        await h.reaches("job-1", Secondary.TRAINING)

        async def vanish(handle: dict[str, Any]) -> bool:
            h.backend.states[handle["id"]] = RunState("vanished")
            return True

        monkeypatch.setattr(h.backend, "stop", vanish)
        await h.runner.stop_job(OWNER, "job-1", "fake")
        stopped = await h.reaches("job-1", Secondary.STOPPED)

    assert stopped.status == Status.STOPPED
    assert stopped.failure_reason is None


async def test_a_launch_failure_fails_the_job_with_a_client_error_and_frees_its_slot(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path / "jobs.db", max_concurrent_jobs=1) as h:
        h.backend.start_errors["job-2"] = RuntimeError("no such image: fake:latest")
        for name in ("job-1", "job-2", "job-3"):
            await h.submit(name)
        await h.reaches("job-1", Secondary.TRAINING)
        h.backend.end("job-1")  # job-2's turn: its launch fails

        failed = await h.reaches("job-2", Secondary.FAILED)
        assert failed.status == Status.FAILED
        assert failed.failure_reason == (
            "ClientError: the job could not start: no such image: fake:latest"
        )
        assert failed.status_message == failed.failure_reason
        assert failed.run is None
        await h.reaches("job-3", Secondary.TRAINING)  # the failed job holds no slot
        assert h.backend.started == ["job-1", "job-3"]


async def test_a_failed_run_reports_the_last_error_of_its_log(tmp_path: Path) -> None:
    async with harness(tmp_path / "jobs.db") as h:
        await h.submit("job-1")
        await h.reaches("job-1", Secondary.TRAINING)
        log = h.runner.log_path(OWNER, "job-1")
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("step 1\nTraceback (most recent call last):\nValueError: bad data\n")

        h.backend.end("job-1", exit_code=3)
        failed = await h.reaches("job-1", Secondary.FAILED)

    assert failed.status == Status.FAILED
    assert failed.failure_reason is not None
    assert failed.failure_reason.startswith("AlgorithmError: ExecuteUserScriptError: ExitCode 3")
    assert "ValueError: bad data" in failed.failure_reason


async def test_a_run_past_its_max_runtime_is_stopped_as_max_runtime_exceeded(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path / "jobs.db") as h:
        await h.submit("job-1", max_runtime_seconds=5)
        await h.reaches("job-1", Secondary.TRAINING)
        h.backend.end("job-1", exit_code=-9, reason="timeout")  # the supervisor's verdict
        ended = await h.reaches("job-1", Secondary.MAX_RUNTIME_EXCEEDED)

    assert ended.status == Status.STOPPED
    assert ended.failure_reason is None


async def test_a_run_over_its_memory_fails_naming_the_instance_type(tmp_path: Path) -> None:
    async with harness(tmp_path / "jobs.db") as h:
        job = await h.submit("job-1")
        await h.reaches("job-1", Secondary.TRAINING)
        h.backend.end("job-1", exit_code=-9, reason="oom")
        failed = await h.reaches("job-1", Secondary.FAILED)

    assert failed.failure_reason is not None
    assert failed.failure_reason.startswith("OutOfMemoryError:")
    assert job.instance_type in failed.failure_reason


async def test_after_a_restart_a_new_runner_records_vanished_runs_and_follows_live_ones(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "jobs.db"
    backend = FakeBackend()  # the runs outlive the server; the backend finds them again
    async with harness(db_path, backend) as before:
        await before.submit("gone")
        await before.submit("alive")
        await before.reaches("gone", Secondary.TRAINING)
        await before.reaches("alive", Secondary.TRAINING)
    # the server is down: one run is killed with the machine, the other goes on
    del backend.states["gone"]

    async with harness(db_path, backend) as after:
        await after.runner.start()
        gone = await after.reaches("gone", Secondary.FAILED)
        assert gone.failure_reason == VANISHED
        assert (await after.job("alive")).secondary_status == Secondary.TRAINING
        assert {name for _, name, _ in after.runner.running()} == {"alive"}  # re-attached

        backend.end("alive")
        await after.reaches("alive", Secondary.COMPLETED)
        assert backend.started == ["gone", "alive"]  # nothing was launched twice


async def test_after_a_restart_a_job_caught_while_starting_fails_and_queued_ones_start(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "jobs.db"
    async with harness(db_path, max_concurrent_jobs=1) as before:
        await before.submit("job-1")
        await before.submit("job-2")
        await before.reaches("job-1", Secondary.TRAINING)
    # job-1 as a server killed between "Starting" and the launch leaves it: no run
    repo = JobRepository(Database(sqlite_url(db_path), all_migrations()))
    await repo.update(OWNER, "job-1", secondary_status=Secondary.STARTING, run=None)
    await repo.db.close()

    async with harness(db_path, max_concurrent_jobs=1) as after:
        await after.runner.start()
        lost = await after.reaches("job-1", Secondary.FAILED)
        assert lost.failure_reason == "The server stopped before the job was launched."
        await after.reaches("job-2", Secondary.TRAINING)  # the queue goes on


async def test_metrics_are_read_from_the_log_and_published_with_every_state(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path / "jobs.db") as h:
        await h.submit("job-1", metric=r"loss=([0-9.]+)")
        await h.reaches("job-1", Secondary.TRAINING)
        log = h.runner.log_path(OWNER, "job-1")
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("epoch 1 loss=0.9\nnoise\nepoch 2 loss=0.5\nepoch 3 loss=0.")  # no \n

        async def series() -> list[float]:
            found = await h.runner.repository.metrics(OWNER, "job-1")
            return [p.value for s in found for p in s.points]

        assert await eventually(series, 10, "two loss points", interval=FAST) == [0.9, 0.5]
        with log.open("a") as f:
            f.write("25\n")  # the last line is complete now
        h.backend.end("job-1")
        done = await h.reaches("job-1", Secondary.COMPLETED)
        assert await series() == [0.9, 0.5, 0.25]

    assert [(m.name, m.value) for m in done.final_metrics] == [("loss", 0.25)]
    published = [p[1] for e in h.events if isinstance(e, JobMetrics) for p in e.points]
    assert published == [0.9, 0.5, 0.25]
    states = [(e.status, e.secondary) for e in h.events if isinstance(e, JobStateChanged)]
    assert states == [
        (Status.IN_PROGRESS, Secondary.PENDING),
        (Status.IN_PROGRESS, Secondary.STARTING),
        (Status.IN_PROGRESS, Secondary.TRAINING),
        (Status.IN_PROGRESS, Secondary.UPLOADING),
        (Status.COMPLETED, Secondary.COMPLETED),
    ]
    assert {(e.owner, e.name, e.kind) for e in h.events} == {(OWNER, "job-1", "fake")}
