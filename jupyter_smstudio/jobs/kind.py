"""What differs between kinds of job that the one runner (``service.py``) runs.

The runner owns what every job shares: the row and its states, the queue and its
limits, launching through a backend, following the detached run, stop, logs and
re-attaching after a restart. A kind (training, processing) says how its request
is checked, how its ``/opt/ml`` tree and command are prepared, and what happens to
the job's files once it has ended.
"""

from __future__ import annotations

import abc
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from ..compute import ComputeProfile
from ..training.models import Secondary
from .backends import JobPlan, RunShape

if TYPE_CHECKING:
    from .repository import StoredJob
    from .runner import TrainingService

S = TypeVar("S", bound=BaseModel)
R = TypeVar("R", bound="Resolved")


@dataclass(frozen=True)
class Resolved:
    """A valid request: where it runs and on which compute profile."""

    backend: str
    profile: ComputeProfile


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
    def resolve(self, spec: S, runner: TrainingService, resolved: Resolved) -> R:
        """Check everything else and resolve paths (blocking: runs in a thread)."""

    @abc.abstractmethod
    async def plan(self, runner: TrainingService, job: StoredJob, spec: S, resolved: R) -> JobPlan:
        """Prepare every host's tree on disk and describe the run."""

    def stages(self, spec: S, tree: Path) -> list[tuple[str, int]] | None:
        """Stages the run reports itself (script mode); None: the runner marks ``running``."""
        return None

    def metric_patterns(self, spec: S) -> dict[str, re.Pattern[str]]:
        """Regexes whose matches in the log are the job's metrics."""
        return {}

    def while_running(self, runner: TrainingService, spec: S, tree: Path) -> None:
        """Work each check of a running job does (blocking: runs in a thread)."""

    @abc.abstractmethod
    def failure_file(self, tree: Path) -> Path:
        """Where the job's code writes why it failed."""

    @abc.abstractmethod
    def collect(
        self, runner: TrainingService, job: StoredJob, spec: S, trees: list[Path], completed: bool
    ) -> None:
        """Save what the job produced where the user finds it (blocking; OSError fails it)."""

    @abc.abstractmethod
    def describe(self, runner: TrainingService, job: StoredJob, spec: S) -> BaseModel:
        """The job as the API describes it."""
