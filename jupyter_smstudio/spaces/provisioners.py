"""Kernel provisioners that start kernels inside a space's compute.

Registered as ``jupyter_client.kernel_provisioners`` entry points and named by the
space kernelspecs (see ``kernelspecs``). jupyter_client keeps owning the kernel's
life cycle (restart, interrupt, shutdown, culling); we only decide where and under
which limits the process runs.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from jupyter_client.provisioning.local_provisioner import LocalProvisioner
from traitlets import Unicode

from ..runtime.files import read_json
from ..runtime.limited import wrap
from ..runtime.limits import MemoryCgroup, ResourceLimits

RUNNABLE = ("InService", "Updating")


def kernel_cgroup(kernel_id: str) -> str:
    return f"kernel-{kernel_id}"


class SpaceProvisionerMixin:
    """What every space provisioner does: read the space state, pick the profile."""

    space_dir: str  # a traitlets trait on each concrete provisioner (see below)
    kernel_id: str
    log: Any

    def space_state(self) -> dict[str, Any]:
        state = read_json(Path(self.space_dir) / "space.json")
        if not state:
            raise RuntimeError(f"No space at {self.space_dir}; was it deleted?")
        if state["status"] not in RUNNABLE:
            raise RuntimeError(
                f"Space '{state['name']}' is {state['status']}. Start it in the SM Studio "
                "panel, then start the kernel again."
            )
        return state  # type: ignore[no-any-return]

    def profile_for(self, state: dict[str, Any]) -> dict[str, Any]:
        """The kernel's own profile if it switched, else the space's."""
        return state.get("kernel_profiles", {}).get(self.kernel_id) or state["profile"]  # type: ignore[no-any-return]

    def launch_profile(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """At each (re)start: the space state and the profile this kernel runs on now."""
        state = self.space_state()
        self._profile = self.profile_for(state)
        return state, self._profile

    def record_event(self, kind: str, message: str) -> None:
        line = json.dumps(
            {"time_ms": time.time_ns() // 1_000_000, "kind": kind, "message": message}
        )
        with (Path(self.space_dir) / "kernel-events.jsonl").open("a") as f:
            f.write(line + "\n")

    def report_oom(self, profile: dict[str, Any]) -> None:
        """Tell the user (space events) why the kernel died and what to do about it."""
        message = (
            f"Kernel {self.kernel_id[:8]} was stopped: it ran out of memory "
            f"(limit {profile.get('memory_gib')} GiB of {profile.get('name')}). "
            "Choose a larger compute profile or use less memory."
        )
        self.log.warning(message)
        self.record_event("kernel-oom", message)


def folder_in_space(asked: object, files: str | None) -> str:
    """The notebook's folder relative to the space's files ("" for their top).

    jupyter_server passes the folder of the notebook a kernel is started for as ``cwd``
    (``cwd_for_path``: through the space's folder in the root, a link to its files); a
    kernel started for a notebook elsewhere, or for none, starts at the top of the files.
    """
    if not isinstance(asked, str) or not asked or not files:
        return ""
    top = Path(files).resolve()
    here = Path(asked).resolve()
    if not here.is_relative_to(top):
        return ""
    folder = here.relative_to(top).as_posix()
    return "" if folder == "." else folder


def space_kernel_env(home: Path, home_in_kernel: str, inherited: dict[str, str]) -> dict[str, str]:
    """What a space's own setup adds to its kernels' environment.

    Lifecycle scripts write ``~/.smstudio/kernel.env`` (NAME=value lines) and install
    packages into ``~/.smstudio/site-packages``; both live in the volume, so they
    persist and apply to every kernel of the space.
    """
    env: dict[str, str] = {}
    config = home / ".smstudio"
    try:
        lines = (config / "kernel.env").read_text().splitlines()
    except OSError:
        lines = []
    for line in lines:
        name, sep, value = line.partition("=")
        if sep and name.strip().isidentifier():
            env[name.strip()] = value
    if (config / "site-packages").is_dir():
        path = [f"{home_in_kernel}/.smstudio/site-packages"]
        existing = env.get("PYTHONPATH") or inherited.get("PYTHONPATH")
        env["PYTHONPATH"] = ":".join(path + ([existing] if existing else []))
    return env


def profile_limits(profile: dict[str, Any]) -> ResourceLimits:
    memory = profile.get("memory_gib")
    return ResourceLimits(
        cpus=profile.get("cpus"),
        memory_bytes=int(memory * (1 << 30)) if memory else None,
        gpus=int(profile.get("gpus") or 0),
    )


class LocalSpaceProvisioner(SpaceProvisionerMixin, LocalProvisioner):
    """Local processes: working dir and HOME = the volume; profile limits enforced."""

    space_dir = Unicode(config=True, help="The space's server-side directory (space.json).")

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        state, profile = self.launch_profile()
        kwargs = await super().pre_launch(**kwargs)
        limits = profile_limits(profile)
        env = kwargs.setdefault("env", {})
        env.update(limits.env())
        env.update(space_kernel_env(Path(state["home"]), state["home"], env))
        env.update(
            HOME=state["home"], SMSTUDIO_SPACE=state["name"], SMSTUDIO_PROFILE=profile["name"]
        )
        folder = folder_in_space(kwargs.get("cwd"), state.get("files", state["home"]))
        kwargs["cwd"] = str(Path(state["home"], folder))
        kwargs["cmd"] = wrap(kwargs["cmd"], kernel_cgroup(self.kernel_id), limits)
        return kwargs

    async def poll(self) -> int | None:
        code = await super().poll()
        if code is not None:
            self._report_oom()
        return code

    async def cleanup(self, restart: bool = False) -> None:
        self._report_oom()
        cgroup = MemoryCgroup.existing(kernel_cgroup(self.kernel_id))
        if cgroup is not None:
            cgroup.remove()
        await super().cleanup(restart=restart)

    def _report_oom(self) -> None:
        cgroup = MemoryCgroup.existing(kernel_cgroup(self.kernel_id))
        if cgroup is None or getattr(self, "_oom_reported", False) or not cgroup.oom_killed():
            return
        self._oom_reported = True
        self.report_oom(getattr(self, "_profile", {}))
