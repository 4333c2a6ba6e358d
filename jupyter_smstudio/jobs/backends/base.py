"""What a job backend does: run a prepared job's hosts detached, report, stop, clean up.

The service prepares each host's ``/opt/ml`` tree on disk (``workspace.py``) and
describes the run as a :class:`JobPlan`; a backend only turns that into processes
or containers, through ``jupyter_smstudio.runtime`` so every run outlives the server.
Training and processing jobs share the backends: a plan says what to run, not
which kind of job it is.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ...compute import ComputeProfile
from ...runtime import DiskQuota, LocalRuns, Run, RunState
from ..layout import Layout

if TYPE_CHECKING:
    from typing import Self


class BackendSettings(Protocol):
    """What of the admin's settings (``c.TrainingJobs``) a backend may read when built."""

    docker_command: str


@dataclass(frozen=True)
class RunShape:
    """What a backend checks before it accepts a job, whatever its kind."""

    instance_count: int
    image: str | None
    #: The job names the command to run (entry point, container entrypoint), rather
    #: than running the image's own.
    command: bool
    #: The request field that names it, for error messages.
    command_field: str


@dataclass(frozen=True)
class HostPlan:
    name: str  # algo-1 ...
    tree: Path  # this host's /opt/ml on the server's disk
    env: dict[str, str]  # the contract's variables, the user's environment


@dataclass(frozen=True)
class JobPlan:
    id: str  # unique and filesystem-safe; names cgroups, containers, networks
    job_dir: Path
    log_path: Path
    hosts: list[HostPlan]
    profile: ComputeProfile
    #: Inputs: a path inside ``/opt/ml`` (e.g. ``input/data/train``) -> a local file or
    #: directory. A file lands inside that directory under its own name.
    mounts: dict[str, Path]
    script_mode: bool  # run ``jobfiles/launcher.py`` (SageMaker script mode), else the command
    image: str
    entrypoint: list[str] | None  # None: the image's own (Docker only)
    arguments: list[str]
    max_runtime_seconds: float
    grace_seconds: float
    extra: dict[str, Any] = field(default_factory=dict)
    max_output_bytes: int | None = None  # the runner's quota (TrainingJobs.max_output_bytes)
    #: The launcher's directory on the server (script mode): the kind's, not the runner's.
    jobfiles: Path | None = None
    #: The job installs into the cache of Python environments (a model's requirements.txt)
    #: outside script mode: a container gets the cache mounted as in script mode.
    python_envs: bool = False

    @property
    def state_dir(self) -> Path:
        return self.job_dir / "run"

    def quota(self) -> DiskQuota | None:
        """What the job writes under its hosts' ``/opt/ml`` counts (links to inputs don't)."""
        if not self.max_output_bytes:
            return None
        paths = tuple(str(h.tree) for h in self.hosts)
        return DiskQuota(paths, self.max_output_bytes, "c.TrainingJobs.max_output_bytes")


class TrainingBackend(abc.ABC):
    """One way to run jobs. ``handle`` is the JSON a backend needs to find a run again."""

    name: str
    #: How its runs start and are followed: the runtime's one port (stateless: shared).
    runs: LocalRuns = LocalRuns()

    @classmethod
    def from_settings(cls, venvs: Path, settings: BackendSettings) -> Self:
        """The runner's way to build any backend, ours or installed: its cache of Python
        environments is ``venvs/<name>`` (shared with endpoints)."""
        return cls(venvs / cls.name)  # type: ignore[call-arg]

    @abc.abstractmethod
    def check(self, shape: RunShape, profile: ComputeProfile) -> None:
        """Raise ``InvalidInput`` (naming the field) for a job this backend cannot run."""

    @abc.abstractmethod
    def layout(self, tree: Path) -> Layout:
        """The ``/opt/ml`` tree as the job sees it."""

    @abc.abstractmethod
    def job_paths(self, jobfiles: Path) -> dict[str, str]:
        """``python``, ``jobfiles`` (the launcher's) and ``venvs`` as the job sees them."""

    @abc.abstractmethod
    def place_inputs(self, tree: Path, mounts: dict[str, Path]) -> None:
        """Make the inputs visible in the tree before the job starts (blocking)."""

    @abc.abstractmethod
    async def start(self, plan: JobPlan) -> dict[str, Any]:
        """Start every host detached; return the handle."""

    async def state(self, handle: dict[str, Any]) -> RunState:
        """Where the run is."""
        return await self.runs.state(Run.from_json(handle))

    async def stop(self, handle: dict[str, Any]) -> bool:
        """SIGTERM now, SIGKILL after the grace period."""
        return await self.runs.stop(Run.from_json(handle))

    async def cleanup(self, handle: dict[str, Any]) -> None:
        """Release what the run left behind once it has ended: any process still running
        (its supervisor was killed; or a child escaped), containers, networks."""
        if handle.get("state_dir"):
            await self.runs.cleanup(Run.from_json(handle))


#: The name the runner uses: a backend runs jobs of every kind.
JobBackend = TrainingBackend
