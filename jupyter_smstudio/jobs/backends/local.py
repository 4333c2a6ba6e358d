"""Run a job on this machine: a detached supervised process rooted at ``SAGEMAKER_BASE_DIR``.

There is no container here, so ``/opt/ml`` is the job's own tree: script mode
finds it through ``SAGEMAKER_BASE_DIR``; a command (a processing job's entrypoint
and arguments) gets every ``/opt/ml`` path it names rewritten to the tree, and a
leading ``python``/``python3`` runs as the server's Python.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from ...compute import ComputeProfile
from ...errors import InvalidInput
from ...runtime import ProcessSpec
from ..layout import Layout
from .base import JobPlan, RunShape, TrainingBackend

#: Variables of the server a job must not inherit: they would let it act as the server
#: (``MLFLOW_TRACKING_TOKEN`` is the server's token, given to kernels for MLflow).
PRIVATE_ENV_PREFIXES = ("SMSTUDIO_", "JPY_", "JUPYTERHUB_", "JUPYTER_TOKEN", "MLFLOW_TRACKING_")
CONTAINER_BASE = "/opt/ml"
PYTHONS = ("python", "python3")


def inherited_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(PRIVATE_ENV_PREFIXES)}


def local_path(value: str, tree: Path) -> str:
    """``value`` with a leading ``/opt/ml`` replaced by the job's tree (others unchanged)."""
    if value == CONTAINER_BASE or value.startswith(CONTAINER_BASE + "/"):
        return str(tree) + value[len(CONTAINER_BASE) :]
    return value


def local_command(command: list[str], tree: Path) -> list[str]:
    """What a container command becomes on this machine."""
    argv = [local_path(part, tree) for part in command]
    if argv and argv[0] in PYTHONS:
        argv[0] = sys.executable
    return argv


class LocalBackend(TrainingBackend):
    """Processes on the server's machine, limited by the compute profile (cgroups, affinity)."""

    name = "local"

    def __init__(self, venv_dir: Path) -> None:
        self.venv_dir = venv_dir

    def check(self, shape: RunShape, profile: ComputeProfile) -> None:
        if shape.instance_count > 1:
            raise InvalidInput(
                "The local backend runs one instance; instance_count > 1 needs the docker "
                "backend (containers algo-1..N on a private network).",
                field="instance_count",
            )
        if shape.image or not shape.command:
            raise InvalidInput(
                "A container image (bring your own container) needs the docker backend; "
                f"the local backend runs what {shape.command_field} names.",
                field="image" if shape.image else shape.command_field,
            )

    def layout(self, tree: Path) -> Layout:
        return Layout(str(tree))

    def job_paths(self, jobfiles: Path) -> dict[str, str]:
        return {"python": sys.executable, "jobfiles": str(jobfiles), "venvs": str(self.venv_dir)}

    def place_inputs(self, tree: Path, mounts: dict[str, Path]) -> None:
        """Local jobs read inputs in place: the path in the tree links to the data."""
        for relative, source in mounts.items():
            target = tree / relative
            if source.is_dir():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.symlink_to(source, target_is_directory=True)
            else:
                target.mkdir(parents=True, exist_ok=True)
                (target / source.name).symlink_to(source)

    async def start(self, plan: JobPlan) -> dict[str, Any]:
        host = plan.hosts[0]
        if plan.script_mode:
            assert plan.jobfiles is not None, "script mode needs the launcher's directory"
            launcher = plan.jobfiles / "launcher.py"
            argv = [sys.executable, str(launcher), str(host.tree / ".launch.json")]
            cwd = host.tree / "code"
        else:
            argv = local_command([*(plan.entrypoint or []), *plan.arguments], host.tree)
            cwd = host.tree
        env = {
            **inherited_env(),
            **host.env,
            "SAGEMAKER_BASE_DIR": str(host.tree),
            # Hosts are not DNS names here: tell the real toolkit not to wait for them.
            "SM_STUDIO_LOCAL_MODE": "true",
            "PYTHONUNBUFFERED": "1",
        }
        spec = ProcessSpec(
            id=plan.id,
            argv=argv,
            cwd=cwd,
            env=env,
            log_path=plan.log_path,
            limits=plan.profile.limits(),
            max_runtime_seconds=plan.max_runtime_seconds,
            grace_seconds=plan.grace_seconds,
            quota=plan.quota(),
        )
        return (await self.runs.start(spec, plan.state_dir)).to_json()
