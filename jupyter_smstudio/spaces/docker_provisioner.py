"""Kernels in Docker containers: one container per kernel, in the space's volume.

The provisioner runs ``docker run --init`` attached, as the kernel "process" that
``LocalProvisioner`` manages: the client forwards signals to the container's init
(``--sig-proxy``, Docker's default), so jupyter_client's own poll, interrupt
(SIGINT) and terminate work unchanged. SIGKILL cannot be forwarded, so ``kill``
and ``cleanup`` also act on the container by name.

The kernel reads its own connection file (same ports and key, ``ip`` 0.0.0.0 so
it listens on the container's interface); the server connects to 127.0.0.1, where
Docker publishes exactly those ports and nothing else.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

from jupyter_client.connect import write_connection_file
from jupyter_client.provisioning.local_provisioner import LocalProvisioner
from traitlets import Unicode

from ..kernelenv import ENV_SERVER_HOME
from ..runtime.containers import env_args, limit_args, thread_env
from .containers import (
    DOCKER,
    SpaceVolume,
    container_argv,
    docker,
    ensure_image,
    image_for,
)
from .provisioners import (
    SpaceProvisionerMixin,
    folder_in_space,
    profile_limits,
    space_kernel_env,
)

PORTS = ("shell_port", "iopub_port", "stdin_port", "hb_port", "control_port")
KERNEL_MOUNT = "/opt/smstudio/kernel"
CONNECTION_FILE = "connection.json"
#: Host environment a kernel still needs inside its container.
FORWARDED_ENV = ("JPY_SESSION_NAME",)


def container_name(kernel_id: str) -> str:
    return f"smstudio-kernel-{kernel_id}"


class DockerSpaceProvisioner(SpaceProvisionerMixin, LocalProvisioner):
    """One container per kernel: the space's image, volume (cwd and HOME) and limits."""

    space_dir = Unicode(config=True, help="The space's server-side directory (space.json).")

    @property
    def container(self) -> str:
        return container_name(self.kernel_id)

    @property
    def kernel_dir(self) -> Path:
        """Host dir mounted in the container: the kernel's own connection file."""
        return Path(self.space_dir) / "kernels" / self.kernel_id

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        state, profile = self.launch_profile()
        self._oom_checked = False
        image = image_for(state.get("image"), profile)
        await ensure_image(image)
        volume = SpaceVolume.load(Path(self.space_dir))
        km = self.parent
        if km is not None and km.transport != "tcp":
            raise RuntimeError("Docker kernels need the tcp transport.")
        kwargs = await super().pre_launch(**kwargs)  # ports, connection file, kernel cmd
        await asyncio.to_thread(self._write_container_connection_file)
        limits = profile_limits(profile)
        host_env = kwargs.get("env") or {}
        env = {
            **await self._space_setup_env(volume),
            "SMSTUDIO_SPACE": state["name"],
            ENV_SERVER_HOME: volume.source,
            "SMSTUDIO_PROFILE": profile["name"],
            **{k: host_env[k] for k in FORWARDED_ENV if k in host_env},
            **thread_env(limits),
        }
        host_file = km.connection_file if km is not None else ""
        folder = folder_in_space(kwargs.get("cwd"), volume.source)
        info: dict[str, Any] = dict(self.connection_info)
        publish = [arg for key in PORTS
                   for arg in ("--publish", f"127.0.0.1:{info[key]}:{info[key]}")]  # fmt: skip
        kwargs["cmd"] = [
            DOCKER, "run", "--init", "--pull", "never", "--name", self.container,
            "--label", f"smstudio.kernel={self.kernel_id}",
            *volume.run_args("kernel", folder), *publish,
            "--mount", f"type=bind,source={self.kernel_dir},target={KERNEL_MOUNT}",
            *env_args(env), *limit_args(limits), image,
            *container_argv(kwargs["cmd"], {host_file: f"{KERNEL_MOUNT}/{CONNECTION_FILE}"}),
        ]  # fmt: skip
        kwargs["cwd"] = self.space_dir  # of the docker client; the kernel's is the volume
        return kwargs

    @staticmethod
    async def _space_setup_env(volume: SpaceVolume) -> dict[str, str]:
        """``~/.smstudio/kernel.env`` and site-packages from the files, as local kernels get."""
        if not volume.source:
            return {}  # files still in a Docker volume (moved at the space's next start)
        return await asyncio.to_thread(space_kernel_env, Path(volume.source), volume.home, {})

    def _write_container_connection_file(self) -> None:
        self.kernel_dir.mkdir(parents=True, exist_ok=True)
        info = {**self.connection_info, "ip": "0.0.0.0"}  # noqa: S104 - inside the container
        write_connection_file(str(self.kernel_dir / CONNECTION_FILE), **info)  # type: ignore[arg-type]

    async def poll(self) -> int | None:
        code = await super().poll()
        if code is not None:
            await self._check_oom()
        return code

    async def kill(self, restart: bool = False) -> None:
        await docker("kill", self.container, check=False)
        await super().kill(restart=restart)

    async def cleanup(self, restart: bool = False) -> None:
        await self._check_oom()
        await docker("rm", "--force", self.container, check=False)
        if not restart:
            await asyncio.to_thread(shutil.rmtree, self.kernel_dir, True)
        await super().cleanup(restart=restart)

    async def _check_oom(self) -> None:
        """Once per container, after it ended: did the memory limit kill it?"""
        if getattr(self, "_oom_checked", True):
            return
        self._oom_checked = True
        killed = await docker(
            "inspect", "--format", "{{.State.OOMKilled}}", self.container, check=False
        )
        if killed.strip() == "true":
            self.report_oom(getattr(self, "_profile", {}))
