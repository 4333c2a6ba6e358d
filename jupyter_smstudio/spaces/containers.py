"""Docker CLI calls and ``docker run`` flags shared by the Docker backend and kernels.

Everything goes through the docker CLI with argv lists (never a shell string) and
asyncio subprocesses, so the server's event loop never blocks on the engine. The
backend and the kernel provisioner are separate objects (jupyter_client creates the
provisioner), so the backend saves where the volume is (``docker.json`` in the space
dir) and the provisioner reads it at each kernel (re)start.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import jupyter_smstudio

from ..runtime.docker import DOCKER as DOCKER
from ..runtime.docker import DockerError as DockerError
from ..runtime.docker import docker as docker
from ..runtime.files import atomic_write_json, read_json

DEFAULT_IMAGE = "smstudio-base:py311"
#: Python inside images (the host's ``sys.executable`` means nothing there).
CONTAINER_PYTHON = "python3"
#: Our package, mounted read-only, for code that must run in the container (lifecycle runner).
PACKAGE_MOUNT = "/opt/smstudio/lib"
#: Label on every container and volume we create: the space volume it belongs to.
VOLUME_LABEL = "smstudio.volume"
STATE_FILE = "docker.json"


@dataclass(frozen=True)
class SpaceVolume:
    """Where a space's containers find its files: ``source``, a directory of this server,
    bind-mounted at ``home`` (their cwd and HOME). ``volume`` names the space's containers
    (their label); spaces created before files were bind-mounted kept them in the Docker
    volume of that name (``source`` empty) until the backend moves them (``migrate``)."""

    volume: str
    home: str
    source: str = ""

    def save(self, space_dir: Path) -> None:
        atomic_write_json(space_dir / STATE_FILE, asdict(self))

    @classmethod
    def load(cls, space_dir: Path) -> SpaceVolume:
        data = read_json(space_dir / STATE_FILE)
        if not data:
            raise RuntimeError(f"No Docker volume recorded in {space_dir}; start the space again.")
        return cls(volume=data["volume"], home=data["home"], source=data.get("source", ""))

    def run_args(self, role: str, folder: str = "") -> list[str]:
        """Mount, working dir (``folder`` of the files), HOME and labels for a container."""
        mount = (
            f"type=bind,source={self.source},target={self.home}"
            if self.source
            else f"type=volume,source={self.volume},target={self.home}"
        )
        workdir = f"{self.home}/{folder}" if folder else self.home
        return [
            "--mount", mount, "--workdir", workdir, "--env", f"HOME={self.home}",
            "--label", f"{VOLUME_LABEL}={self.volume}", "--label", f"smstudio.role={role}",
        ]  # fmt: skip

    async def remove_containers(self) -> None:
        """Force-remove every container of this space (a volume in use cannot be removed)."""
        label = f"label={VOLUME_LABEL}={self.volume}"
        ids = (await docker("ps", "--all", "--quiet", "--filter", label)).split()
        if ids:
            await docker("rm", "--force", *ids, check=False)


def package_mount_args() -> list[str]:
    package = Path(jupyter_smstudio.__file__).resolve().parent
    target = f"{PACKAGE_MOUNT}/{package.name}"
    return [
        "--mount", f"type=bind,source={package},target={target},readonly",
        "--env", f"PYTHONPATH={PACKAGE_MOUNT}", "--env", "PYTHONDONTWRITEBYTECODE=1",
    ]  # fmt: skip


def container_argv(argv: list[str], paths: Mapping[str, str]) -> list[str]:
    """A host command as the container runs it: its Python, host paths mapped inside."""
    mapping = {sys.executable: CONTAINER_PYTHON, **paths}
    return [mapping.get(arg, arg) for arg in argv]


def image_for(space_image: str | None, profile: Mapping[str, Any]) -> str:
    """The space's own image wins; else the profile's (the catalog fills its default)."""
    return space_image or profile.get("image") or DEFAULT_IMAGE


async def ensure_image(image: str) -> None:
    """Fail with a useful message: there may be no registry to pull a missing image from."""
    try:
        await docker("image", "inspect", "--format", "{{.Id}}", image)
    except DockerError:
        raise DockerError(
            f"Image '{image}' is not on this Docker engine. Build it locally (a Dockerfile "
            f"FROM {DEFAULT_IMAGE}) or choose another image for the space."
        ) from None
