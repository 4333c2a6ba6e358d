"""Docker test helpers: engine check, the provisioner entry point, leak-free cleanup."""

from __future__ import annotations

import json
import subprocess
import tempfile
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

from jupyter_client.provisioning.factory import KernelProvisionerFactory

PROVISIONER = "smstudio-docker"
PROVISIONER_TARGET = "jupyter_smstudio.spaces.docker_provisioner:DockerSpaceProvisioner"
ENTRY_POINT = EntryPoint(PROVISIONER, PROVISIONER_TARGET, KernelProvisionerFactory.GROUP_NAME)


@cache
def docker_unavailable() -> str | None:
    """Why Docker tests cannot run here, or None."""
    try:
        subprocess.run(["docker", "info"], capture_output=True, check=True, timeout=20)
        subprocess.run(["docker", "image", "inspect", "smstudio-base:py311"],
                       capture_output=True, check=True, timeout=20)  # fmt: skip
    except FileNotFoundError:
        return "no docker client"
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as err:
        return f"no Docker engine or base image ({err}); run scripts/docker-setup.sh"
    return None


def docker(*args: str) -> str:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=True,
                          timeout=60).stdout  # fmt: skip


def inspect(container: str) -> dict[str, Any]:
    return json.loads(docker("inspect", container))[0]  # type: ignore[no-any-return]


def containers(prefix: str) -> list[str]:
    """Our containers whose space volume name starts with ``prefix``."""
    out = docker("ps", "--all", "--filter", "label=smstudio.volume",
                 "--format", '{{.Names}} {{.Label "smstudio.volume"}}')  # fmt: skip
    return [line.split()[0] for line in out.splitlines() if line.split()[1].startswith(prefix)]


def volumes(prefix: str) -> list[str]:
    out = docker("volume", "ls", "--quiet", "--filter", f"name={prefix}")
    return [v for v in out.split() if v.startswith(prefix)]


def remove_all(prefix: str) -> tuple[list[str], list[str]]:
    """Remove what tests left with ``prefix``; return (containers, volumes) found."""
    left = containers(prefix), volumes(prefix)
    if left[0]:
        subprocess.run(["docker", "rm", "--force", *left[0]], capture_output=True, timeout=60)
    if left[1]:
        subprocess.run(["docker", "volume", "rm", "--force", *left[1]],
                       capture_output=True, timeout=60)  # fmt: skip
    return left


def installed() -> bool:
    return bool(entry_points(group=KernelProvisionerFactory.GROUP_NAME, name=PROVISIONER))


def entry_point_path() -> str | None:
    """A sys.path entry declaring the provisioner for a server subprocess, if the
    installed package predates it (editable installs fix entry points at install)."""
    if installed():
        return None
    root = Path(tempfile.mkdtemp(prefix="smstudio-ep-"))
    info = root / "smstudio_docker_dev-0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: smstudio-docker-dev\nVersion: 0\n")
    (info / "entry_points.txt").write_text(
        f"[{KernelProvisionerFactory.GROUP_NAME}]\n{PROVISIONER} = {PROVISIONER_TARGET}\n"
    )
    return str(root)
