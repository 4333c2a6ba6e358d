"""Run a job on this machine: a detached supervised process rooted at ``SAGEMAKER_BASE_DIR``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from ...compute import ComputeProfile
from ...errors import InvalidInput
from ...runtime import ProcessSpec, launch
from ..contract import Layout
from ..models import TrainingJobCreate
from .base import JOBFILES, JobPlan, TrainingBackend

#: Variables of the server a job must not inherit: they would let it act as the server.
PRIVATE_ENV_PREFIXES = ("SMSTUDIO_", "JPY_", "JUPYTERHUB_", "JUPYTER_TOKEN")


def inherited_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(PRIVATE_ENV_PREFIXES)}


class LocalBackend(TrainingBackend):
    """Processes on the server's machine, limited by the compute profile (cgroups, affinity)."""

    name = "local"

    def __init__(self, venv_dir: Path) -> None:
        self.venv_dir = venv_dir

    def check(self, spec: TrainingJobCreate, profile: ComputeProfile) -> None:
        if spec.instance_count > 1:
            raise InvalidInput(
                "The local backend runs one instance; instance_count > 1 needs the docker "
                "backend (containers algo-1..N on a private network).",
                field="instance_count",
            )
        if spec.image or not spec.entry_point:
            raise InvalidInput(
                "A container image (bring your own container) needs the docker backend; "
                "the local backend runs entry_point scripts.",
                field="image" if spec.image else "entry_point",
            )

    def layout(self, tree: Path) -> Layout:
        return Layout(str(tree))

    def job_paths(self) -> dict[str, str]:
        return {"python": sys.executable, "jobfiles": str(JOBFILES), "venvs": str(self.venv_dir)}

    async def start(self, plan: JobPlan) -> dict[str, Any]:
        host = plan.hosts[0]
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
            argv=[sys.executable, str(JOBFILES / "launcher.py"), str(host.tree / ".launch.json")],
            cwd=host.tree / "code",
            env=env,
            log_path=plan.log_path,
            limits=plan.profile.limits(),
            max_runtime_seconds=plan.spec.max_runtime_seconds,
            grace_seconds=plan.grace_seconds,
        )
        pid = await launch(spec, plan.state_dir)
        return {"state_dir": str(plan.state_dir), "supervisor_pid": pid}
