"""The one interface the hosting service uses to run a model server instance."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ...compute import ComputeProfile
from ...runtime import LocalRuns, LogChunk, Run, RunState
from ...training.jobfiles import envcache
from ..bootstrap import SERVER_MODULE

#: What an instance with requirements runs first (it then becomes the model server).
BOOTSTRAP_MODULE = "jupyter_smstudio.hosting.bootstrap"
#: After the drain, how long a stopped instance's own supervisor gets to end its tree
#: (its grace is the drain plus 5 s locally, 10 s on Docker) before the server does.
REAP_GRACE_SECONDS = 15.0

#: Variables the server sets for itself; a model's environment cannot override them.
RESERVED_ENV = (
    "SM_MODEL_DIR",
    "SAGEMAKER_SUBMIT_DIRECTORY",
    "SAGEMAKER_BIND_TO_PORT",
    "SMSTUDIO_BIND_HOST",
    "SMSTUDIO_SERVER_INFO",
    "SMSTUDIO_ENV_DIR",
    "SMSTUDIO_REQUIREMENTS",
)


@dataclass(frozen=True)
class InstanceSpec:
    """Everything needed to (re)start one model server instance."""

    id: str
    model_dir: str
    code_dir: str | None
    program: str
    environment: dict[str, str]
    profile: dict[str, Any]  # ComputeProfile as JSON
    workers: int | None
    state_dir: str
    image: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    venv: str | None = None  # key of the cached environment with code/requirements.txt

    @property
    def module(self) -> str:
        """The instance installs its requirements first (then becomes the server)."""
        return BOOTSTRAP_MODULE if self.venv else SERVER_MODULE

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InstanceSpec:
        return cls(**data)

    @property
    def compute(self) -> ComputeProfile:
        return ComputeProfile.model_validate(self.profile)

    @property
    def log_path(self) -> Path:
        return Path(self.state_dir) / "output.log"

    def server_env(self) -> dict[str, str]:
        """The contract's variables (paths are filled in by the backend)."""
        env = {k: v for k, v in self.environment.items() if k not in RESERVED_ENV}
        env["SAGEMAKER_PROGRAM"] = self.program
        if self.workers:
            env["SAGEMAKER_MODEL_SERVER_WORKERS"] = str(self.workers)
        for name in ("LANG", "LC_ALL", "TZ"):
            if name in os.environ:
                env.setdefault(name, os.environ[name])
        return env

    def install_env(self, venvs: str, code_dir: str) -> dict[str, str]:
        """Where the bootstrap finds or builds the environment, in the instance's paths."""
        if not self.venv:
            return {}
        return {
            "SMSTUDIO_ENV_DIR": f"{venvs}/{self.venv}",
            "SMSTUDIO_REQUIREMENTS": f"{code_dir}/requirements.txt",
        }


class HostingBackend(ABC):
    """Start, find, stop one instance; its logs and state live in ``spec.state_dir``."""

    name: str = ""
    #: How instances run: the runtime's one port (stateless: shared).
    runs: LocalRuns = LocalRuns()

    def __init__(self, venv_root: Path, drain_seconds: float = 30) -> None:
        self.drain_seconds = drain_seconds
        # the same directories as training jobs': a model deployed from a job reuses its env
        self.venv_dir = venv_root / self.name

    def image_for(self, image: str | None, profile: ComputeProfile) -> str | None:
        """The container image an instance runs in; None for this machine's interpreter."""
        return None

    def venv_key(self, requirements: Path, image: str | None, profile: ComputeProfile) -> str:
        """The cache key of the environment for ``requirements`` (blocking reads)."""
        return envcache.requirements_key(requirements, self.image_for(image, profile))

    @abstractmethod
    async def start(self, spec: InstanceSpec) -> None:
        """Start the instance detached (it must survive a server restart)."""

    @abstractmethod
    async def address(self, spec: InstanceSpec) -> str | None:
        """``host:port`` to reach it once it listens, else None."""

    def run(self, spec: InstanceSpec) -> Run:
        """The instance's run for the runtime's port (found by its state dir)."""
        return Run(Path(spec.state_dir), log_path=spec.log_path)

    async def state(self, spec: InstanceSpec) -> RunState:
        return await self.runs.state(self.run(spec))

    async def stop(self, spec: InstanceSpec) -> None:
        await self.runs.stop(self.run(spec))

    async def reap(self, spec: InstanceSpec) -> None:
        """After ``stop``: once the drain is over, end whatever is left of the instance."""
        await self.runs.reap(self.run(spec), self.drain_seconds + REAP_GRACE_SECONDS)

    async def logs(self, spec: InstanceSpec, cursor: int) -> LogChunk:
        return await self.runs.logs(self.run(spec), cursor)
