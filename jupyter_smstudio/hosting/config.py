"""Admin settings of the hosting area (``c.Hosting.<trait>``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from traitlets import Float
from traitlets.config import LoggingConfigurable

from ..runtime.backends import BackendType
from .backends import HostingBackend, LocalBackend


class Hosting(LoggingConfigurable):
    """Where endpoints and batch transforms run, and their time limits."""

    backend_class = BackendType(
        LocalBackend,
        klass=HostingBackend,
        area="hosting",
        config=True,
        help="Backend running model servers: LocalBackend (process groups under the "
        "profile's limits) or jupyter_smstudio.hosting.backends.DockerBackend.",
    )
    startup_timeout = Float(
        300, config=True, help="Seconds a new instance has to answer GET /ping (then Failed)."
    )
    drain_seconds = Float(
        30, config=True, help="Seconds in-flight requests get before old instances stop."
    )
    invocation_timeout = Float(
        60, config=True, help="Seconds an invocation may take (SAGEMAKER_MODEL_SERVER_TIMEOUT)."
    )
    health_check_interval = Float(
        5,
        config=True,
        help="Seconds between checks that every InService instance's process or container "
        "still runs; one that stopped is replaced (at once when an invocation finds it gone).",
    )

    def backend(self, venv_root: Path) -> HostingBackend:
        """The backend; ``venv_root`` holds the environments built for requirements.txt."""
        factory: Callable[..., HostingBackend] = self.backend_class
        return factory(venv_root, drain_seconds=self.drain_seconds)
