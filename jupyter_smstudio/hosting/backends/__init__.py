"""Where model servers run: a local process group or a Docker container."""

from .base import HostingBackend, InstanceSpec
from .docker import DockerBackend
from .local import LocalBackend

__all__ = ["DockerBackend", "HostingBackend", "InstanceSpec", "LocalBackend"]
