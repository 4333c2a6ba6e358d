"""Docker backend: the files are a directory bind-mounted in containers, compute is containers.

The space's files are ``<data dir>/spaces/<space>/home`` on this server, as on the local
backend, bind-mounted at ``home_dir``: the server reads and writes them directly (the
file browser, training paths, storage use) with no engine call, and they outlive every
container. (A named Docker volume lives under the engine's root, which the server's user
cannot read in general.) Spaces created when files were named volumes keep them there
until their next start or the server's, which copies them into the directory once.

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
import os
import shutil
import uuid
from collections.abc import Collection
from pathlib import Path
from typing import ClassVar

from traitlets import Unicode

from ...compute import ComputeProfile
from ...errors import InvalidInput
from ...runtime import ProcessSpec
from ...runtime.containers import env_args, limit_args, thread_env
from ...runtime.files import directory_size
from ..containers import (
    DEFAULT_IMAGE,
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
from ..docker_provisioner import container_name
from ..provisioners import space_kernel_env
from .base import SpaceBackend, TerminalSpec

#: A login shell where the image has bash, else sh.
SHELL = ["/bin/sh", "-c", "command -v bash >/dev/null && exec bash -l || exec sh -l"]

RUN_MOUNT = "/opt/smstudio/run"


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
        return SpaceVolume(self.volume_prefix + space, self.home_dir, str(self.files(space)))

    def home(self, space: str) -> str:
        return self.home_dir

    async def create_volume(self, space: str) -> None:
        volume = self.volume(space)
        await asyncio.to_thread(Path(volume.source).mkdir, parents=True, exist_ok=True)
        await self._move_named_volume(space, volume)
        await asyncio.to_thread(volume.save, self.space_dir(space))

    async def _move_named_volume(self, space: str, volume: SpaceVolume) -> None:
        """Copy the files of a space from before bind mounts out of its Docker volume, once."""
        try:
            if SpaceVolume.load(self.space_dir(space)).source:
                return  # moved already
        except RuntimeError:
            return  # a new space
        exists = await docker("volume", "ls", "--quiet", "--filter", f"name=^{volume.volume}$")
        if not exists.strip():
            return
        await volume.remove_containers()
        await docker(
            "run", "--rm", "--pull", "never",
            "--mount", f"type=volume,source={volume.volume},target=/from",
            "--mount", f"type=bind,source={volume.source},target=/to",
            DEFAULT_IMAGE, "cp", "-a", "/from/.", "/to/",
        )  # fmt: skip
        await docker("volume", "rm", "--force", volume.volume)
        self.log.info("Moved space %s's files from Docker volume %s to %s",
                      space, volume.volume, volume.source)  # fmt: skip

    async def delete_volume(self, space: str) -> None:
        volume = self.volume(space)
        await volume.remove_containers()  # e.g. a lifecycle run still stopping
        await asyncio.to_thread(shutil.rmtree, volume.source, True)
        await docker("volume", "rm", "--force", volume.volume, check=False)  # an unmoved one

    async def remove_stray_kernels(
        self, spaces: Collection[str], live: Collection[str]
    ) -> dict[str, list[str]]:
        """Kernel containers on these spaces' volumes that no live kernel owns: removed, with
        the kernel directories a crash left (one ``docker ps`` for all the spaces)."""
        volumes = {self.volume(space).volume: space for space in spaces}
        labels = f'{{{{.Label "smstudio.kernel"}}}} {{{{.Label "{VOLUME_LABEL}"}}}}'
        out = await docker("ps", "--all", "--filter", "label=smstudio.role=kernel",
                           "--format", labels)  # fmt: skip
        stray: dict[str, list[str]] = {}
        for line in out.splitlines():
            kernel, _, volume = line.strip().partition(" ")
            if kernel and volume in volumes and kernel not in live:
                stray.setdefault(volumes[volume], []).append(kernel)
        names = [container_name(k) for kernels in stray.values() for k in kernels]
        if names:
            await docker("rm", "--force", *names)
        await asyncio.to_thread(self._remove_kernel_dirs, spaces, live)
        return stray

    def _remove_kernel_dirs(self, spaces: Collection[str], live: Collection[str]) -> None:
        for space in spaces:
            kernels = self.space_dir(space) / "kernels"
            for kernel_dir in kernels.iterdir() if kernels.is_dir() else ():
                if kernel_dir.name not in live:
                    shutil.rmtree(kernel_dir, ignore_errors=True)

    async def check_image(self, image: str) -> None:
        try:
            await ensure_image(image)
        except DockerError as err:
            raise InvalidInput(f"image: {err}", field="image") from None

    async def volume_usage(self, space: str) -> int:
        return await asyncio.to_thread(directory_size, self.files(space))

    async def terminal(
        self, space: str, profile: ComputeProfile, image: str | None, shell: list[str]
    ) -> TerminalSpec:
        """``docker run -it`` in the space's image, files and limits, as its kernels get."""
        chosen = image_for(image, profile.model_dump())
        await ensure_image(chosen)
        volume = self.volume(space)
        limits = profile.limits()
        setup = await asyncio.to_thread(space_kernel_env, Path(volume.source), volume.home, {})
        env = {**setup, "SMSTUDIO_SPACE": space, "SMSTUDIO_PROFILE": profile.name,
               **thread_env(limits)}  # fmt: skip
        name = f"smstudio-terminal-{space}-{uuid.uuid4().hex[:8]}"
        argv = [
            DOCKER, "run", "--rm", "--interactive", "--tty", "--init", "--pull", "never",
            "--name", name, *volume.run_args("terminal"), *env_args(env), *limit_args(limits),
            chosen, *SHELL,
        ]  # fmt: skip
        return TerminalSpec(cwd=Path(volume.source), env={}, argv=argv, container=name)

    async def container_pid(self, container: str) -> int | None:
        out = await docker("inspect", "--format", "{{.State.Pid}}", container, check=False)
        pid = int(out.strip()) if out.strip().isdigit() else 0
        return pid or None

    async def remove_terminals(self, space: str) -> None:
        label = f"label={VOLUME_LABEL}={self.volume(space).volume}"
        ids = (await docker("ps", "--all", "--quiet", "--filter", label,
                            "--filter", "label=smstudio.role=terminal")).split()  # fmt: skip
        if ids:
            await docker("rm", "--force", *ids, check=False)

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
