"""Kernelspecs per space, and the state file their provisioners read.

Each space that can run kernels has a kernelspec directory under
``<data_dir>/kernels`` (added to the server's KernelSpecManager search path), so
JupyterLab's launcher and kernel picker list "Python 3 · my-space · ml.m5.large"
with no change to JupyterLab. The spec names a kernel provisioner (an entry
point) and the space's directory; the provisioner reads ``space.json`` at every
(re)start, so a change of compute applies on the next kernel restart.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from ..runtime.files import atomic_write_json

PREFIX = "smstudio-"


def kernel_name(space: str) -> str:
    return PREFIX + space


def space_of(kernel: str) -> str | None:
    return kernel[len(PREFIX) :] if kernel.startswith(PREFIX) else None


def write_kernelspec(
    kernels_dir: Path, space: str, profile: str, provisioner: str, space_dir: Path
) -> None:
    spec: dict[str, Any] = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python 3 · {space} · {profile}",
        "language": "python",
        "metadata": {
            "kernel_provisioner": {
                "provisioner_name": provisioner,
                "config": {"space_dir": str(space_dir)},
            },
            "smstudio": {"space": space, "profile": profile},
            "debugger": True,
        },
    }
    atomic_write_json(kernels_dir / kernel_name(space) / "kernel.json", spec)


def remove_kernelspec(kernels_dir: Path, space: str) -> None:
    shutil.rmtree(kernels_dir / kernel_name(space), ignore_errors=True)


def write_space_state(space_dir: Path, state: dict[str, Any]) -> None:
    atomic_write_json(space_dir / "space.json", state)
