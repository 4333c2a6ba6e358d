"""Local backend: the volume is a directory, compute is local processes with limits."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import uuid
from collections import defaultdict
from pathlib import Path
from typing import ClassVar

from ...compute import ComputeProfile
from ...runtime import ProcessSpec
from ...runtime.files import directory_size
from ...runtime.limited import wrap
from ...runtime.limits import MemoryCgroup
from ..provisioners import space_kernel_env
from .base import SpaceBackend, TerminalSpec


def server_python_first(path: str) -> str:
    """PATH with the server's Python first, so a space's processes use what kernels use."""
    return os.pathsep.join([os.path.dirname(sys.executable), path])


class LocalSpaceBackend(SpaceBackend):
    name: ClassVar[str] = "local"
    provisioner: ClassVar[str] = "smstudio-local"

    def __init__(self, spaces_dir: Path, **kwargs: object) -> None:
        super().__init__(spaces_dir, **kwargs)
        self._terminal_cgroups: defaultdict[str, set[str]] = defaultdict(set)

    def volume(self, space: str) -> Path:
        return self.files(space)

    def home(self, space: str) -> str:
        return str(self.volume(space))

    async def create_volume(self, space: str) -> None:
        await asyncio.to_thread(self.volume(space).mkdir, parents=True, exist_ok=True)

    async def delete_volume(self, space: str) -> None:
        await asyncio.to_thread(shutil.rmtree, self.volume(space), True)

    async def volume_usage(self, space: str) -> int:
        return await asyncio.to_thread(directory_size, self.volume(space))

    async def terminal(
        self, space: str, profile: ComputeProfile, image: str | None, shell: list[str]
    ) -> TerminalSpec:
        """The shell under the profile's limits, as kernels run (``runtime.limited``)."""
        home = self.home(space)
        cgroup = f"terminal-{space}-{uuid.uuid4().hex[:8]}"
        self._terminal_cgroups[space].add(cgroup)
        setup = await asyncio.to_thread(space_kernel_env, Path(home), home, dict(os.environ))
        env = {
            "PATH": server_python_first(os.environ.get("PATH", "")),
            **profile.limits().env(),
            **setup,
            "HOME": home,
            "SMSTUDIO_SPACE": space,
            "SMSTUDIO_PROFILE": profile.name,
        }
        argv = wrap(shell, cgroup, profile.limits())
        return TerminalSpec(cwd=Path(home), env=env, argv=argv)

    async def remove_terminals(self, space: str) -> None:
        """The memory cgroups of the space's ended terminals."""
        for name in self._terminal_cgroups.pop(space, set()):
            cgroup = MemoryCgroup.existing(name)
            if cgroup is not None:
                await asyncio.to_thread(cgroup.remove)

    def script_spec(
        self, space: str, run_id: str, argv: list[str], profile: ComputeProfile,
        image: str | None, timeout: float,
    ) -> ProcessSpec:  # fmt: skip
        home = self.home(space)
        env = {k: v for k, v in os.environ.items() if not k.startswith("JPY_")}
        env.update(
            PATH=server_python_first(env.get("PATH", "")),
            HOME=home,
            SMSTUDIO_SPACE=space,
            SMSTUDIO_PROFILE=profile.name,
        )
        return ProcessSpec(
            id=f"lifecycle-{space}-{run_id}",
            argv=argv,
            cwd=Path(home),
            env=env,
            log_path=self.space_dir(space) / "lifecycle.log",
            limits=profile.limits(),
            max_runtime_seconds=timeout,
            grace_seconds=5,
            kill_group_on_exit=False,  # `nohup ... &` in a script outlives it
        )
