"""The one small interface every space backend implements."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from traitlets.config import LoggingConfigurable

from ...compute import ComputeProfile
from ...runtime import LocalRuns, ProcessSpec


@dataclass(frozen=True)
class TerminalSpec:
    """How a terminal of a space starts (terminado's options): ``argv`` None is the
    server's shell; ``env`` is added to the server's environment."""

    cwd: Path
    env: dict[str, str]
    argv: list[str] | None = None
    #: The container its shell runs in, if any: not a child of the terminal's process.
    container: str | None = None


class SpaceBackend(LoggingConfigurable):
    """Creates volumes and says how to run things in a space's compute.

    Subclasses implement every method below (traitlets classes cannot be ABCs).
    """

    #: Short name stored with each space ("local", "docker").
    name: ClassVar[str]
    #: jupyter_client kernel provisioner (entry point name) for this backend's kernels.
    provisioner: ClassVar[str]
    #: How its lifecycle runs start and end: the runtime's one port (stateless: shared).
    runs: ClassVar[LocalRuns] = LocalRuns()

    def __init__(self, spaces_dir: Path, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.spaces_dir = spaces_dir

    def space_dir(self, space: str) -> Path:
        """Server-side files of a space: state for provisioners, logs, lifecycle runs."""
        return self.spaces_dir / space

    def files(self, space: str) -> Path:
        """The space's files on this server: the volume (local) or what containers mount."""
        return self.space_dir(space) / "home"

    async def create_volume(self, space: str) -> None:
        """Create the space's persistent volume (idempotent)."""
        raise NotImplementedError

    async def delete_volume(self, space: str) -> None:
        """Remove the volume and everything in it."""
        raise NotImplementedError

    async def check_image(self, image: str) -> None:
        """Raise ``InvalidInput(field="image")`` if a user's image cannot run here."""

    async def volume_usage(self, space: str) -> int:
        """Bytes used in the volume."""
        raise NotImplementedError

    def home(self, space: str) -> str:
        """The volume as the space's processes see it (their working dir and HOME)."""
        raise NotImplementedError

    async def remove_stray_kernels(
        self, spaces: Collection[str], live: Collection[str]
    ) -> dict[str, list[str]]:
        """Remove the kernels of ``spaces`` that run though the server does not know them
        (not in ``live``: a server that crashed started them); the ids removed, by space.

        Local kernels need nothing: ipykernel exits when the server that started it does.
        """
        return {}

    async def terminal(
        self, space: str, profile: ComputeProfile, image: str | None, shell: list[str]
    ) -> TerminalSpec:
        """A terminal in the space's files, with its kernels' environment and limits
        (``shell``: the server's terminal command)."""
        raise NotImplementedError

    async def remove_terminals(self, space: str) -> None:
        """What a stopped space's terminals leave running (containers); local: nothing."""

    async def container_pid(self, container: str) -> int | None:
        """The host pid of a terminal container's first process (None: not running)."""
        return None

    def script_spec(
        self, space: str, run_id: str, argv: list[str], profile: ComputeProfile,
        image: str | None, timeout: float,
    ) -> ProcessSpec:  # fmt: skip
        """How to run ``argv`` (the lifecycle runner) in the space's compute."""
        raise NotImplementedError
