"""One mapping of a compute profile's limits to ``docker run`` arguments.

Spaces, jobs and endpoints all run containers from a profile; they must agree on what
a profile means, so they all take their arguments from here (local processes take the
same limits through :meth:`ResourceLimits.env` and the supervisor's cgroup).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .limits import ResourceLimits


def limit_args(limits: ResourceLimits) -> list[str]:
    """``--cpus``/``--memory``/``--memory-swap``/``--gpus`` for a profile's limits.

    Docker refuses more CPUs than the machine has, so a profile sized for a bigger
    machine gets all of this one's instead of failing to start. Swap equals memory so
    the memory limit is a real limit (a container past it is killed, not slowed down).
    """
    args: list[str] = []
    if limits.cpus:
        args += ["--cpus", f"{min(limits.cpus, os.cpu_count() or 1):g}"]
    if limits.memory_bytes:
        args += ["--memory", str(limits.memory_bytes), "--memory-swap", str(limits.memory_bytes)]
    if limits.gpus:
        args += ["--gpus", str(limits.gpus)]
    return args


def thread_env(limits: ResourceLimits) -> dict[str, str]:
    """Thread-count hints for numeric libraries in a container.

    Docker's ``--gpus`` exposes the devices and sets their visibility itself, so
    ``CUDA_VISIBLE_DEVICES`` (what a local process gets) is left out.
    """
    return {k: v for k, v in limits.env().items() if k != "CUDA_VISIBLE_DEVICES"}


def env_args(env: Mapping[str, str]) -> list[str]:
    """``--env KEY=VALUE`` for each variable."""
    return [arg for key, value in env.items() for arg in ("--env", f"{key}={value}")]
