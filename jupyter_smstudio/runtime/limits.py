"""Resource limits for a process tree: CPU affinity, memory, GPU visibility.

Memory is enforced with a memory cgroup where the machine lets us create one
(cgroup v2, else v1), so the kernel kills the tree at the limit and we can tell
the user it was out of memory. Without cgroups, RLIMIT_DATA bounds each process.
"""

from __future__ import annotations

import os
import resource
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .cgroups import (
    GROUP,
    V1_ROOT,
    V2_ROOT,
    Cgroup,
    enable_controllers,
    set_memory_limit,
)
from .cgroups import read_text as _read


@dataclass(frozen=True)
class ResourceLimits:
    cpus: float | None = None  # how many CPUs the tree may use (affinity to that many cores)
    memory_bytes: int | None = None
    gpus: int = 0  # number of GPUs made visible (CUDA_VISIBLE_DEVICES)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ResourceLimits:
        return cls(**(data or {}))

    def cpu_set(self) -> set[int] | None:
        if not self.cpus:
            return None
        available = sorted(os.sched_getaffinity(0))
        count = max(1, min(len(available), int(-(-self.cpus // 1))))
        return set(available[:count])

    def env(self) -> dict[str, str]:
        """Environment that tells libraries what they may use."""
        env = {"CUDA_VISIBLE_DEVICES": ",".join(str(i) for i in range(self.gpus))}
        cpus = self.cpu_set()
        if cpus:
            for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
                env[name] = str(len(cpus))
        return env


@dataclass(frozen=True)
class RunPolicy:
    """The caps every detached run gets from the administrator (``c.RunLimits``)."""

    max_log_bytes: int | None = 256 << 20  # per run: head and tail kept (logs.CappedLog)
    max_processes: int | None = 4096  # processes and threads at once (pids.max)
    cgroups: bool = True  # a cgroup per run where the machine allows one

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> RunPolicy:
        return cls(**(data or {}))


def process_limit_message(limit: int | None) -> str:
    """Why a run that reached its process limit was stopped (a clause)."""
    return (
        f"it tried to run more than {limit} processes and threads at once, this server's "
        "limit per run (c.RunLimits.max_processes)"
    )


@dataclass(frozen=True)
class DiskQuota:
    """Stop a run whose files under ``paths`` use more than ``max_bytes`` of disk."""

    paths: tuple[str, ...]
    max_bytes: int
    setting: str  # the setting that sets it, named in the failure

    def to_json(self) -> dict[str, Any]:
        return {"paths": list(self.paths), "max_bytes": self.max_bytes, "setting": self.setting}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> DiskQuota | None:
        if not data:
            return None
        return cls(tuple(data["paths"]), int(data["max_bytes"]), str(data["setting"]))


class MemoryCgroup(Cgroup):
    """A memory cgroup for one process tree (v2 or v1, whichever is writable)."""

    @classmethod
    def create(cls, name: str, limit_bytes: int) -> MemoryCgroup | None:
        for version, root in ((2, V2_ROOT), (1, V1_ROOT)):
            if version == 2 and "memory" not in _read(V2_ROOT / "cgroup.controllers"):
                continue
            if version == 1 and not (V1_ROOT / "memory.limit_in_bytes").exists():
                continue
            path = root / GROUP / name
            try:
                path.mkdir(parents=True, exist_ok=True)
                if version == 2:
                    enable_controllers(root, {"memory"})
                set_memory_limit(path, version, limit_bytes)
                return cls(path, version)
            except OSError:
                continue
        return None

    @classmethod
    def existing(cls, name: str) -> MemoryCgroup | None:
        """The cgroup ``create(name, ...)`` made, if any (to read its OOM count)."""
        for version, root in ((2, V2_ROOT), (1, V1_ROOT)):
            path = root / GROUP / name
            if (path / "cgroup.procs").exists():
                return cls(path, version)
        return None


def memory_budget() -> int | None:
    """The memory this process may use: the lower of its memory cgroup's limit (as
    ``apply_in_child`` sets it) and RLIMIT_DATA; None when neither limits it.

    For libraries that size their buffers from the machine's memory (DuckDB), so a
    limited process tells them what it really has.
    """
    found = []
    soft, _ = resource.getrlimit(resource.RLIMIT_DATA)
    if soft != resource.RLIM_INFINITY:
        found.append(soft)
    for line in _read(Path("/proc/self/cgroup")).splitlines():
        _, controllers, group = line.split(":", 2)
        if controllers == "":
            value = _read(V2_ROOT / group.lstrip("/") / "memory.max")
        elif "memory" in controllers.split(","):
            value = _read(V1_ROOT / group.lstrip("/") / "memory.limit_in_bytes")
        else:
            continue
        if value.strip().isdigit() and int(value) < (1 << 60):  # v1 says "no limit" as ~2**63
            found.append(int(value))
    return min(found) if found else None


def apply_in_child(limits: ResourceLimits, cgroup: Cgroup | None) -> None:
    """Run in the child between fork and exec (preexec_fn): join the memory cgroup (else
    RLIMIT_DATA), set affinity."""
    if cgroup is not None:
        cgroup.add(os.getpid())
    elif limits.memory_bytes:
        resource.setrlimit(resource.RLIMIT_DATA, (limits.memory_bytes, limits.memory_bytes))
    cpus = limits.cpu_set()
    if cpus:
        os.sched_setaffinity(0, cpus)
