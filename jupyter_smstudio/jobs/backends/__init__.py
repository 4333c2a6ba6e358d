"""Where jobs run: this machine (local) or containers (docker)."""

from .base import HostPlan, JobBackend, JobPlan, RunShape, TrainingBackend
from .docker import DockerBackend
from .local import LocalBackend

__all__ = [
    "DockerBackend",
    "HostPlan",
    "JobBackend",
    "JobPlan",
    "LocalBackend",
    "RunShape",
    "TrainingBackend",
]
