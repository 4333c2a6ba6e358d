"""Run a job in containers: ``/opt/ml`` mounted, one container per instance.

Each instance is ``docker run`` in the foreground under a detached supervisor, so
logs, stop (the docker CLI forwards SIGTERM to the container) and re-attach work
as for local jobs. Several instances share a per-job network on which their
hostnames ``algo-1..N`` resolve; ``fanout.py`` runs their CLIs as one command.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...compute import ComputeProfile
from ...errors import InvalidInput
from ...runtime import DockerRuns, ProcessSpec, Run, RunState
from ...runtime.cgroups import V2_ROOT, events
from ...runtime.containers import limit_args, thread_env
from ...runtime.docker import DockerError, docker
from ...runtime.files import atomic_write_json
from ...runtime.limits import process_limit_message
from ...runtime.process import default_policy
from ..layout import Layout
from .base import BackendSettings, HostPlan, JobPlan, RunShape, TrainingBackend

if TYPE_CHECKING:
    from typing import Self

CONTAINER_JOBFILES = "/opt/smstudio/lib"
CONTAINER_VENVS = "/opt/smstudio/venvs"
#: Where the engine puts a container's pids cgroup, by cgroup version and driver.
PIDS_CGROUPS = (
    "pids/docker/{id}",
    "docker/{id}",
    "pids/system.slice/docker-{id}.scope",
    "system.slice/docker-{id}.scope",
)


def container_pids_events(docker: str, container: str) -> tuple[bool, Path | None]:
    """Whether the container has started yet, and the ``pids.events`` of its cgroup where
    this machine shows it (not with a remote or rootless engine).

    A container is inspectable as soon as it is created, but its cgroup exists only once
    it starts (``State.Pid`` is then non-zero): before that, it has not started."""
    found = subprocess.run([docker, "inspect", "--format", "{{.Id}} {{.State.Pid}}", container],
                           capture_output=True, text=True, check=False, timeout=30)  # fmt: skip
    container_id, _, pid = found.stdout.strip().partition(" ")
    if found.returncode != 0 or pid in ("", "0"):
        return False, None
    for pattern in PIDS_CGROUPS:
        path = V2_ROOT / pattern.format(id=container_id) / "pids.events"
        if path.exists():
            return True, path
    return True, None


class DockerBackend(TrainingBackend):
    name = "docker"

    def __init__(self, venv_dir: Path, docker: str = "docker") -> None:
        self.venv_dir = venv_dir
        self.docker = docker
        self.runs = DockerRuns(docker)
        self._images: set[str] = set()
        #: Per running job (its state dir): its containers' pids.events, once they exist.
        self._pids_events: dict[str, dict[str, Path | None]] = {}

    @classmethod
    def from_settings(cls, venvs: Path, settings: BackendSettings) -> Self:
        return cls(venvs / cls.name, settings.docker_command)

    def check(self, shape: RunShape, profile: ComputeProfile) -> None:
        if not shape.image and not shape.command:
            raise InvalidInput(
                f"Give {shape.command_field} or image (bring your own container).",
                field=shape.command_field,
            )
        if shutil.which(self.docker) is None:
            raise InvalidInput(
                f"The docker backend needs the '{self.docker}' command on the server.",
                field="backend",
            )

    async def check_image(self, image: str, field: str) -> None:
        """Images are built locally (there may be no registry): refuse a missing one early."""
        if image in self._images:
            return
        try:
            await docker("image", "inspect", "--format", "{{.Id}}", image, command=self.docker)
        except DockerError as err:
            raise InvalidInput(
                f"No Docker image '{image}' on this server ({str(err)[:200]}). "
                "Build it with a Dockerfile first.",
                field=field,
            ) from None
        self._images.add(image)

    def layout(self, tree: Path) -> Layout:
        return Layout("/opt/ml")

    def job_paths(self, jobfiles: Path) -> dict[str, str]:
        return {"python": "python3", "jobfiles": CONTAINER_JOBFILES, "venvs": CONTAINER_VENVS}

    def place_inputs(self, tree: Path, mounts: dict[str, Path]) -> None:
        """Inputs are bind mounts; create the mount points as the user."""
        for relative in mounts:
            (tree / relative).mkdir(parents=True, exist_ok=True)

    def _run_argv(self, plan: JobPlan, host: HostPlan, network: str | None) -> list[str]:
        name = f"{plan.id}-{host.name}"
        argv = [
            self.docker,
            "run",
            "--rm",
            "--name",
            name,
            "--hostname",
            host.name,
            "-v",
            f"{host.tree}:/opt/ml",
        ]
        if network:
            argv += ["--network", network, "--network-alias", host.name]
        # the server's AWS endpoints (``AWS_ENDPOINT_URL_*``) as the job's code reaches them
        argv += ["--add-host", "host.docker.internal:host-gateway"]
        limits = plan.profile.limits()
        argv += limit_args(limits, max_processes=default_policy().max_processes)
        if os.getuid() != 0:  # files in the mounted tree stay the user's
            argv += ["--user", f"{os.getuid()}:{os.getgid()}", "-e", "HOME=/tmp"]
        for relative, path in sorted(plan.mounts.items()):
            target = f"/opt/ml/{relative}"
            if path.is_file():
                target += f"/{path.name}"
            argv += ["-v", f"{path}:{target}:ro"]
        env = {**thread_env(limits), **host.env}
        if plan.script_mode:
            assert plan.jobfiles is not None, "script mode needs the launcher's directory"
            argv += ["-v", f"{plan.jobfiles}:{CONTAINER_JOBFILES}:ro"]
            env["PYTHONUNBUFFERED"] = "1"
        if plan.script_mode or plan.python_envs:
            argv += ["-v", f"{self.venv_dir}:{CONTAINER_VENVS}"]
        for key, value in sorted(env.items()):
            argv += ["-e", f"{key}={value}"]
        if plan.script_mode:
            launcher = f"{CONTAINER_JOBFILES}/launcher.py"
            return [*argv, "--entrypoint", "python3", plan.image, launcher, "/opt/ml/.launch.json"]
        if plan.entrypoint:
            entry, *rest = plan.entrypoint
            return [*argv, "--entrypoint", entry, plan.image, *rest, *plan.arguments]
        return [*argv, plan.image, *plan.arguments]

    async def start(self, plan: JobPlan) -> dict[str, Any]:
        network = f"{plan.id}-net" if len(plan.hosts) > 1 else None
        if network:
            await docker("network", "create", network, command=self.docker)
        if plan.python_envs:  # else the engine would create it, as root
            await asyncio.to_thread(self.venv_dir.mkdir, parents=True, exist_ok=True)
        commands = [self._run_argv(plan, host, network) for host in plan.hosts]
        if len(commands) == 1:
            argv = commands[0]
        else:
            fanout = plan.job_dir / "fanout.json"
            await asyncio.to_thread(
                atomic_write_json,
                fanout,
                {"hosts": [h.name for h in plan.hosts], "commands": commands},
            )
            argv = [sys.executable, "-m", "jupyter_smstudio.jobs.backends.fanout", str(fanout)]
        spec = ProcessSpec(
            id=plan.id,
            argv=argv,
            cwd=plan.job_dir,
            env={
                **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "DOCKER_HOST")},
                "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
            },
            log_path=plan.log_path,
            max_runtime_seconds=plan.max_runtime_seconds,
            grace_seconds=plan.grace_seconds,
            quota=plan.quota(),
        )
        containers = tuple(f"{plan.id}-{h.name}" for h in plan.hosts)
        run = await self.runs.start(spec, plan.state_dir, containers=containers, network=network)
        return {**run.to_json(), "max_processes": default_policy().max_processes}

    async def state(self, handle: dict[str, Any]) -> RunState:
        """As for any run; a job whose container reached its ``--pids-limit`` is stopped
        at once, saying so (the engine only makes its forks fail)."""
        state = await super().state(handle)
        if state.status != "running" or not handle.get("max_processes"):
            return state
        if await asyncio.to_thread(self._over_pids_limit, handle):
            message = process_limit_message(handle["max_processes"])
            await self.runs.stop(Run.from_json(handle), reason="processes", message=message)
        return state

    def _over_pids_limit(self, handle: dict[str, Any]) -> bool:
        """Whether a container of the job reached its ``--pids-limit`` (blocking reads)."""
        watched = self._pids_events.setdefault(handle["state_dir"], {})
        for container in handle.get("containers") or []:
            if container not in watched:
                started, events_file = container_pids_events(self.docker, container)
                if not started:
                    continue  # not started yet: look again next time
                watched[container] = events_file
            path = watched[container]
            if path is not None and events(path.parent, path.name).get("max", 0) > 0:
                return True
        return False

    async def cleanup(self, handle: dict[str, Any]) -> None:
        """Its processes, containers and network (the port's Docker runs)."""
        self._pids_events.pop(str(handle.get("state_dir")), None)
        await super().cleanup(handle)
