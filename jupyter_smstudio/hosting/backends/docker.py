"""Model servers as Docker containers serving 8080 inside, published on 127.0.0.1 only.

``docker run`` (attached, ``--rm``) runs under the same detached supervisor as local
instances, so stop (SIGTERM is proxied to the container), logs and re-attach after a
server restart work the same way. The package and the model are mounted read-only; a
model with ``requirements.txt`` also gets the cache of Python environments, into which
the container installs them before serving (once per distinct content).
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

from ...compute import ComputeProfile
from ...runtime import DockerRuns, ProcessSpec, Run
from ...runtime.containers import env_args, limit_args, thread_env
from ...runtime.docker import DockerError, docker
from .base import HostingBackend, InstanceSpec
from .local import PACKAGE_PARENT

_PORT = re.compile(r":(\d+)\s*$", re.MULTILINE)
DEFAULT_IMAGE = "smstudio-base:py311"
#: Where the server's cache of Python environments is mounted (as for training jobs).
CONTAINER_VENVS = "/opt/smstudio/venvs"


def container_name(spec: InstanceSpec) -> str:
    return f"smstudio-endpoint-{spec.id}"


class DockerBackend(HostingBackend):
    name = "docker"

    def __init__(self, venv_root: Path, drain_seconds: float = 30, docker: str = "docker") -> None:
        super().__init__(venv_root, drain_seconds)
        self.docker = docker
        self.runs = DockerRuns(docker)

    def image_for(self, image: str | None, profile: ComputeProfile) -> str:
        return image or profile.image or DEFAULT_IMAGE

    def argv(self, spec: InstanceSpec) -> list[str]:
        compute = spec.compute
        argv = [
            self.docker,
            "run",
            "--rm",
            "--init",
            "--name",
            container_name(spec),
            "-p",
            "127.0.0.1::8080",
            "-v",
            f"{spec.model_dir}:/opt/ml/model:ro",
            "-v",
            f"{PACKAGE_PARENT}/jupyter_smstudio:/opt/smstudio/jupyter_smstudio:ro",
            "-e",
            "PYTHONPATH=/opt/smstudio" + (":/opt/ml/code" if spec.code_dir else ""),
            "-e",
            "PYTHONUNBUFFERED=1",
            "-e",
            "SM_MODEL_DIR=/opt/ml/model",
            "-e",
            f"SMSTUDIO_DRAIN_SECONDS={self.drain_seconds}",
            "--stop-timeout",
            str(int(self.drain_seconds) + 5),
        ]
        if spec.code_dir:
            argv += [
                "-v",
                f"{spec.code_dir}:/opt/ml/code:ro",
                "-e",
                "SAGEMAKER_SUBMIT_DIRECTORY=/opt/ml/code",
            ]
        if spec.venv:  # cached environments live on the server's disk, shared by containers
            argv += ["-v", f"{self.venv_dir}:{CONTAINER_VENVS}"]
            if os.getuid() != 0:  # what pip writes there stays the server user's
                argv += ["--user", f"{os.getuid()}:{os.getgid()}", "-e", "HOME=/tmp"]
            for key, value in spec.install_env(CONTAINER_VENVS, "/opt/ml/code").items():
                argv += ["-e", f"{key}={value}"]
        for key, value in spec.server_env().items():
            argv += ["-e", f"{key}={value}"]
        limits = compute.limits()
        argv += [*limit_args(limits), *env_args(thread_env(limits))]
        return [*argv, self.image_for(spec.image, compute), "python3", "-m", spec.module]

    async def start(self, spec: InstanceSpec) -> None:
        state_dir = Path(spec.state_dir)
        if spec.venv:
            await asyncio.to_thread(self.venv_dir.mkdir, parents=True, exist_ok=True)
        await self.runs.start(
            ProcessSpec(
                id=f"endpoint-{spec.id}",
                argv=self.argv(spec),
                cwd=state_dir,
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                log_path=spec.log_path,
                grace_seconds=self.drain_seconds + 10,
            ),
            state_dir,
        )

    async def address(self, spec: InstanceSpec) -> str | None:
        try:
            out = await docker("port", container_name(spec), "8080/tcp", command=self.docker)
        except DockerError:
            return None
        match = _PORT.search(out)
        return f"127.0.0.1:{match.group(1)}" if match else None

    def run(self, spec: InstanceSpec) -> Run:
        """With its container, so cleaning up after a stop also removes the container."""
        return Run(Path(spec.state_dir), log_path=spec.log_path, containers=(container_name(spec),))

    async def stop(self, spec: InstanceSpec) -> None:
        await super().stop(spec)
        await docker("stop", "-t", str(int(self.drain_seconds)), container_name(spec),
                     check=False, timeout=self.drain_seconds + 60, command=self.docker)  # fmt: skip
