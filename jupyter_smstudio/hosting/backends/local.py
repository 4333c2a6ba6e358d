"""Model servers as local process groups under the profile's CPU and memory limits."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ...runtime import ProcessSpec, read_json
from .base import HostingBackend, InstanceSpec

#: The directory that holds the ``jupyter_smstudio`` package, for the server's PYTHONPATH.
PACKAGE_PARENT = str(Path(__file__).resolve().parents[3])
INFO = "server.json"


class LocalBackend(HostingBackend):
    name = "local"

    async def start(self, spec: InstanceSpec) -> None:
        state_dir = Path(spec.state_dir)
        (state_dir / INFO).unlink(missing_ok=True)
        env = spec.server_env()
        python_path = [PACKAGE_PARENT, *([spec.code_dir] if spec.code_dir else [])]
        env.update(
            PATH=os.environ.get("PATH", "/usr/bin:/bin"),
            HOME=os.environ.get("HOME", "/tmp"),  # noqa: S108 - a fallback HOME only
            PYTHONPATH=os.pathsep.join(python_path),
            PYTHONUNBUFFERED="1",
            SM_MODEL_DIR=spec.model_dir,
            SAGEMAKER_BIND_TO_PORT="0",
            SMSTUDIO_BIND_HOST="127.0.0.1",
            SMSTUDIO_SERVER_INFO=str(state_dir / INFO),
            SMSTUDIO_DRAIN_SECONDS=str(self.drain_seconds),
        )
        if spec.code_dir:
            env["SAGEMAKER_SUBMIT_DIRECTORY"] = spec.code_dir
            env.update(spec.install_env(str(self.venv_dir), spec.code_dir))
        await self.runs.start(
            ProcessSpec(
                id=f"endpoint-{spec.id}",
                argv=[sys.executable, "-m", spec.module],
                cwd=Path(spec.code_dir or spec.model_dir),
                env=env,
                log_path=spec.log_path,
                limits=spec.compute.limits(),
                grace_seconds=self.drain_seconds + 5,
            ),
            state_dir,
        )

    async def address(self, spec: InstanceSpec) -> str | None:
        info = read_json(Path(spec.state_dir) / INFO)
        return f"127.0.0.1:{info['port']}" if info and info.get("port") else None
