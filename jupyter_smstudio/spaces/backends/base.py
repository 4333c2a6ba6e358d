"""The one small interface every space backend implements."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import ClassVar

from traitlets.config import LoggingConfigurable

from ...compute import ComputeProfile
from ...runtime import LocalRuns, ProcessSpec


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

    def script_spec(
        self, space: str, run_id: str, argv: list[str], profile: ComputeProfile,
        image: str | None, timeout: float,
    ) -> ProcessSpec:  # fmt: skip
        """How to run ``argv`` (the lifecycle runner) in the space's compute."""
        raise NotImplementedError
