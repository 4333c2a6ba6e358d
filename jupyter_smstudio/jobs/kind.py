"""What differs between kinds of job that the one runner (``runner.py``) runs.

The runner owns what every job shares: the row and its states, the queue and its
limits, launching through a backend, following the detached run, stop, logs and
re-attaching after a restart. A kind (training, processing) says how its request
is checked, how its ``/opt/ml`` tree and command are prepared, and what happens to
the job's files once it has ended. It sees the runner only through
:class:`KindContext`: paths, settings and backends, not the queue or the rows.
"""

from __future__ import annotations

import abc
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from pydantic import BaseModel

from ..compute import ComputeProfile
from .backends import JobBackend, JobPlan, RunShape
from .models import Secondary
from .repository import StoredJob

S = TypeVar("S", bound=BaseModel)
R = TypeVar("R", bound="Resolved")


@dataclass(frozen=True)
class Resolved:
    """A valid request: where it runs and on which compute profile."""

    backend: str
    profile: ComputeProfile


class KindContext(Protocol):
    """What a kind may use of the runner: where things are, its settings, its backends."""

    @property
    def root(self) -> Path:
        """The directory users' paths must stay inside."""

    @property
    def grace_seconds(self) -> float:
        """Between SIGTERM and SIGKILL when a job is stopped."""

    @property
    def poll_seconds(self) -> float:
        """How often a running job is checked."""

    def backend(self, name: str) -> JobBackend:
        """The backend a job runs on (``StoredJob.backend``)."""

    def job_dir(self, owner: str, name: str) -> Path:
        """The job's own directory on the server: its trees, log and run state."""

    def log_path(self, owner: str, name: str) -> Path: ...

    def trees(self, owner: str, name: str, count: int) -> list[Path]:
        """Each host's ``/opt/ml`` on the server's disk."""

    def output_dir(self, owner: str, name: str, output_path: str | None = None) -> Path:
        """``<output_path or the artifact store>/<job>/output``: where a job's results go."""

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
        """Copy a URL's data (``s3://``: the owner's buckets) into ``destination``;
        ``required``: no object there is an error (a channel), else fine (checkpoints);
        ``manifest``: ``url`` is a SageMaker manifest file: the objects it lists."""

    async def upload(self, owner: str, source: Path, url: str) -> None:
        """Copy a file or directory to a URL (``s3://``: the owner's buckets)."""

    async def job_environment(self, job: StoredJob, container: bool) -> dict[str, str]:
        """The variables a job's code gets: the AWS ones its owner's kernels get
        (endpoints, region, their key) and its MLflow run's (``MLFLOW_RUN_ID``...); in a
        ``container``, the endpoints at the host gateway."""


class JobKind(abc.ABC, Generic[S, R]):
    """One kind of job: its request model and the steps that differ from other kinds."""

    name: ClassVar[str]  # stored in the row's ``kind``
    noun: ClassVar[str]  # in messages: "training job"
    running: ClassVar[Secondary]  # the secondary status while the user's code runs
    messages: ClassVar[dict[Secondary, str]]  # status messages per secondary status
    spec_model: type[S]

    def parse(self, spec: dict[str, Any]) -> S:
        return self.spec_model.model_validate(spec)

    @abc.abstractmethod
    def shape(self, spec: S) -> RunShape:
        """What the backend checks: instance count, image, the command."""

    @abc.abstractmethod
    def image(self, spec: S, profile: ComputeProfile) -> str:
        """The container image the job runs in (Docker backend)."""

    @abc.abstractmethod
    def resolve(self, spec: S, runner: KindContext, resolved: Resolved) -> R:
        """Check everything else and resolve paths (blocking: runs in a thread)."""

    @abc.abstractmethod
    async def plan(self, runner: KindContext, job: StoredJob, spec: S, resolved: R) -> JobPlan:
        """Prepare every host's tree on disk and describe the run."""

    def remote_urls(self, spec: S) -> list[tuple[str, str]]:
        """(field, URL) of every input and output the request gives as a URL: the runner
        checks the owner may use each one before anything is created."""
        return []

    async def publish(
        self, runner: KindContext, job: StoredJob, spec: S, trees: list[Path], completed: bool
    ) -> None:
        """After ``collect``: send what the job produced to URLs (``s3://``) it named."""

    def stages(self, spec: S, tree: Path) -> list[tuple[str, int]] | None:
        """Stages the run reports itself (script mode); None: the runner marks ``running``."""
        return None

    def metric_patterns(self, spec: S) -> dict[str, re.Pattern[str]]:
        """Regexes whose matches in the log are the job's metrics."""
        return {}

    def while_running(self, runner: KindContext, spec: S, tree: Path) -> None:
        """Work each check of a running job does (blocking: runs in a thread)."""

    @abc.abstractmethod
    def failure_file(self, tree: Path) -> Path:
        """Where the job's code writes why it failed."""

    @abc.abstractmethod
    def collect(
        self, runner: KindContext, job: StoredJob, spec: S, trees: list[Path], completed: bool
    ) -> None:
        """Save what the job produced where the user finds it (blocking; OSError fails it)."""

    @abc.abstractmethod
    def describe(self, runner: KindContext, job: StoredJob, spec: S) -> BaseModel:
        """The job as the API describes it."""
