"""Runs first inside every script-mode job, on the host or in a container.

It does what the SageMaker training toolkit does before the user's code: install
``requirements.txt`` (or the code package) into a Python environment cached by
content (``envcache.py``), mark the stages for the server, then run the entry point
and wait for it.
Standard library only: the container's Python may have nothing else.

    python launcher.py LAUNCH_JSON
"""

from __future__ import annotations

import contextlib
import glob
import importlib.machinery
import json
import os
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jupyter_smstudio.training.jobfiles import envcache
else:  # run as a script (on the host or in a container): its directory is on sys.path
    import envcache


def log(message: str) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    print(
        f"{stamp},{int(time.time() * 1000) % 1000:03d} sagemaker-training-toolkit INFO     "
        f"{message}",
        flush=True,
    )


def mark(stage_file: str, stage: str) -> None:
    with open(stage_file, "a") as f:
        f.write(f"{stage} {time.time_ns() // 1_000_000}\n")


def ensure_env(spec: dict[str, Any]) -> str:
    """The Python to run with: a cached venv when there is anything to install."""
    venv = spec.get("venv")
    if not venv:
        return sys.executable
    try:
        return envcache.ensure(venv, spec.get("install", []), log, cwd=spec["cwd"])
    except envcache.InstallError as err:
        failure = f"InstallError: {err}"
        with open(spec["failure_file"], "w") as f:
            f.write(failure)
        log(failure)
        sys.exit(1)


def toolkit_paths(toolkits: str, venv: str = "") -> list[str]:
    """The stand-ins (``toolkits/<package>``) of the toolkit packages this Python lacks.

    Scripts import ``sagemaker_training``, ``sagemaker_inference``, ``sagemaker_containers``
    or ``sagemaker_xgboost_container``; a real package (in this Python or the job's cached
    environment) wins over its stand-in. ``_common`` holds what the stand-ins share.
    """
    if not os.path.isdir(toolkits):
        return []
    root = os.path.abspath(toolkits)
    elsewhere = [p for p in sys.path if not os.path.abspath(p or ".").startswith(root)]
    paths = []
    for name in sorted(os.listdir(toolkits)):
        path = os.path.join(toolkits, name)
        real = name != "_common" and (
            importlib.machinery.PathFinder.find_spec(name, elsewhere) is not None
            or glob.glob(os.path.join(venv, "lib", "python*", "site-packages", name))
        )
        if os.path.isdir(path) and not real:
            paths.append(path)
    return paths


def child_env(spec: dict[str, Any]) -> dict[str, str]:
    """The job's environment with the toolkit stand-ins it lacks after its own PYTHONPATH."""
    env = dict(os.environ)
    parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    extra = toolkit_paths(spec["shim"], spec.get("venv") or "")
    env["PYTHONPATH"] = os.pathsep.join([*parts, *extra])
    return env


def main(path: str) -> int:
    with open(path) as f:
        spec = json.load(f)
    mark(spec["stage_file"], "Downloading")
    python = ensure_env(spec)
    command = [python if part == "{python}" else part for part in spec["command"]]
    mark(spec["stage_file"], "Training")
    log(f"Invoking script with the following command:\n\n{' '.join(command)}\n")
    child = subprocess.Popen(command, cwd=spec["cwd"], env=child_env(spec))

    def forward(signum: int, _frame: object) -> None:
        # Locally the supervisor signals the whole group; as a container's PID 1 we must.
        if os.getpid() == 1:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signum)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, forward)
    code = child.wait()
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
