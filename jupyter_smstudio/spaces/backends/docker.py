"""Docker backend: the volume is a named Docker volume, compute is containers.

Select it with
``c.SpaceService.backend_class = "jupyter_smstudio.spaces.backends.docker.DockerSpaceBackend"``.
Kernels run in one container each (``DockerSpaceProvisioner``); lifecycle scripts run
in a throw-away container with the same image, volume and limits, supervised by
``runtime.launch`` like any detached run: a stop or timeout signals the ``docker run``
client, which forwards the signal to the container's init (``--init``), and the
container goes with it (``--rm``).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from pathlib import Path
from typing import ClassVar

from traitlets import Unicode

from ...compute import ComputeProfile
from ...errors import InvalidInput
from ...runtime import ProcessSpec
from ...runtime.containers import env_args, limit_args, thread_env
from ..containers import (
    DOCKER,
    VOLUME_LABEL,
    DockerError,
    SpaceVolume,
    container_argv,
    docker,
    ensure_image,
    image_for,
    package_mount_args,
)
from .base import SpaceBackend
from .local import directory_size

RUN_MOUNT = "/opt/smstudio/run"
UNITS = {"B": 1, "kB": 1000, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4}


class DockerSpaceBackend(SpaceBackend):
    name: ClassVar[str] = "docker"
    provisioner: ClassVar[str] = "smstudio-docker"

    volume_prefix = Unicode(
        "smstudio-space-", config=True, help="Docker volume name = this prefix + the space name."
    )
    home_dir = Unicode(
        "/home/sagemaker-user", config=True,
        help="Where containers mount the space's volume: their working dir and HOME.",
    )  # fmt: skip

    def volume(self, space: str) -> SpaceVolume:
        return SpaceVolume(volume=self.volume_prefix + space, home=self.home_dir)

    def home(self, space: str) -> str:
        return self.home_dir

    async def create_volume(self, space: str) -> None:
        volume = self.volume(space)
        await docker("volume", "create", "--label", f"{VOLUME_LABEL}={volume.volume}",
                     "--label", f"smstudio.space={space}", volume.volume)  # fmt: skip
        await asyncio.to_thread(volume.save, self.space_dir(space))

    async def delete_volume(self, space: str) -> None:
        volume = self.volume(space)
        await volume.remove_containers()  # e.g. a lifecycle run still stopping
        await docker("volume", "rm", "--force", volume.volume)

    async def check_image(self, image: str) -> None:
        try:
            await ensure_image(image)
        except DockerError as err:
            raise InvalidInput(f"image: {err}", field="image") from None

    async def volume_usage(self, space: str) -> int:
        """Bytes in the volume: walk its directory when this server can read it (same
        machine), else ask the engine (``docker system df -v``, slower)."""
        name = self.volume(space).volume
        mountpoint = (
            await docker("volume", "inspect", "--format", "{{.Mountpoint}}", name, check=False)
        ).strip()
        if not mountpoint:
            return 0  # no volume yet
        if os.access(mountpoint, os.R_OK | os.X_OK):
            return await asyncio.to_thread(directory_size, Path(mountpoint))
        volumes = json.loads(await docker("system", "df", "-v", "--format", "{{json .Volumes}}"))
        size = next((v.get("Size", "0B") for v in volumes or [] if v.get("Name") == name), "0B")
        return parse_size(size)

    def script_spec(
        self, space: str, run_id: str, argv: list[str], profile: ComputeProfile,
        image: str | None, timeout: float,
    ) -> ProcessSpec:  # fmt: skip
        run_dir = self.space_dir(space) / "lifecycle" / run_id
        limits = profile.limits()
        env = {"SMSTUDIO_SPACE": space, "SMSTUDIO_PROFILE": profile.name, **thread_env(limits)}
        docker_run = [
            DOCKER, "run", "--rm", "--init", "--pull", "never",
            "--name", f"smstudio-lifecycle-{space}-{run_id}",
            *self.volume(space).run_args("lifecycle"),
            "--mount", f"type=bind,source={run_dir},target={RUN_MOUNT}",
            *package_mount_args(), *env_args(env), *limit_args(limits),
            image_for(image, profile.model_dump()),
            *container_argv(argv, {str(run_dir): RUN_MOUNT}),
        ]  # fmt: skip
        return ProcessSpec(
            id=f"lifecycle-{space}-{run_id}",
            argv=docker_run,
            cwd=self.space_dir(space),
            env={k: v for k, v in os.environ.items() if not k.startswith(("SMSTUDIO_", "JPY_"))},
            log_path=self.space_dir(space) / "lifecycle.log",
            max_runtime_seconds=timeout,
            grace_seconds=5,
        )


def parse_size(text: str) -> int:
    """Docker's human sizes ("10.5kB", "1.2GB") in bytes."""
    match = re.fullmatch(r"\s*([\d.]+)\s*([kKMGT]?B)\s*", text)
    if not match:
        return 0
    return int(float(match.group(1)) * UNITS.get(match.group(2), 1))
