"""Where jobs run: this machine (local) or containers (docker)."""

from .base import HostPlan, JobBackend, JobPlan, RunShape, TrainingBackend
from .docker import DockerBackend
from .local import LocalBackend

BACKENDS: dict[str, type[TrainingBackend]] = {"local": LocalBackend, "docker": DockerBackend}

__all__ = [
    "BACKENDS",
    "DockerBackend",
    "HostPlan",
    "JobBackend",
    "JobPlan",
    "LocalBackend",
    "RunShape",
    "TrainingBackend",
]
