"""Signals that say "someone is using this", read without disturbing the work.

- Process-tree CPU: one ``/proc`` scan per check builds the parent map; each tree's
  CPU time is differenced against the previous check, so a silent CPU-bound cell or
  a background thread counts as busy (percent of one core over the interval).
- GPU: ``nvidia-smi`` (when present) says which PIDs hold a compute context on which
  GPU and how busy each GPU is.
- Keep-alive: an explicit API call, or the touch file ``~/.smstudio/keep-alive`` in a
  space's volume (its modification time plus the space's timeout).
- UI presence: the Lab frontend's throttled ``POST /activity`` on typing/clicking.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import psutil

#: The touch file, relative to a space's home, that keeps the space alive.
KEEP_ALIVE_FILE = ".smstudio/keep-alive"


@dataclass
class TreeUsage:
    pids: list[int]
    cpu_percent: float | None  # over the whole interval; None on a tree's first sample
    recent_percent: float | None = None  # over the short window before this sample

    @property
    def now_percent(self) -> float | None:
        """CPU use right now: the recent window when there is one."""
        return self.recent_percent if self.recent_percent is not None else self.cpu_percent


@dataclass
class CpuSampler:
    """CPU use of process trees, differenced between calls to ``sample``."""

    _last: dict[int, tuple[float, float]] = field(default_factory=dict)  # root -> (t, cpu)
    _pre: dict[int, tuple[float, float]] = field(default_factory=dict)  # root -> (t, cpu)
    _trees: dict[int, list[int]] = field(default_factory=dict)  # root -> pids last seen

    @staticmethod
    def children_map() -> dict[int, list[int]]:
        """Parent -> children for every process (one scan)."""
        kids: dict[int, list[int]] = {}
        for proc in psutil.process_iter(["ppid"]):
            ppid = proc.info.get("ppid")
            if ppid is not None:
                kids.setdefault(ppid, []).append(proc.pid)
        return kids

    @staticmethod
    def tree(root: int, kids: dict[int, list[int]]) -> list[int]:
        out, todo = [], [root]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo.extend(kids.get(pid, ()))
        return out

    @staticmethod
    def cpu_seconds(pids: Iterable[int]) -> float:
        total = 0.0
        for pid in pids:
            try:
                t = psutil.Process(pid).cpu_times()
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            total += t.user + t.system
        return total

    def presample(self) -> None:
        """Mark the start of the short window that says what is busy *now*.

        Called a moment before the next ``sample``: a busy -> idle transition is
        then seen at the first check after it, not one interval later.
        """
        now = time.monotonic()
        self._pre = {root: (now, self.cpu_seconds(pids)) for root, pids in self._trees.items()}

    def sample(self, roots: Iterable[int]) -> dict[int, TreeUsage]:
        """Usage of each root's tree since the previous sample of that root."""
        roots = list(roots)
        if not roots:
            self._last.clear()
            self._trees.clear()
            return {}
        kids = self.children_map()
        now = time.monotonic()
        out: dict[int, TreeUsage] = {}
        seen = set()
        for root in roots:
            seen.add(root)
            pids = self.tree(root, kids)
            cpu = self.cpu_seconds(pids)
            previous = self._last.get(root)
            percent = None
            if previous is not None and now > previous[0]:
                # Children that exited take their CPU time with them; never go negative.
                percent = max(0.0, (cpu - previous[1]) / (now - previous[0]) * 100)
            recent = None
            pre = self._pre.get(root)
            if pre is not None and now > pre[0] and (previous is None or pre[0] > previous[0]):
                recent = max(0.0, (cpu - pre[1]) / (now - pre[0]) * 100)
            self._last[root] = (now, cpu)
            self._trees[root] = pids
            out[root] = TreeUsage(pids=pids, cpu_percent=percent, recent_percent=recent)
        for gone in set(self._last) - seen:
            del self._last[gone]
            self._trees.pop(gone, None)
        self._pre = {}
        return out


@dataclass
class GpuUse:
    gpu: str
    utilization: float


def nvidia_smi_path() -> str | None:
    return shutil.which("nvidia-smi")


def gpu_processes(binary: str | None, timeout: float = 5) -> dict[int, GpuUse]:
    """PID -> the GPU it holds a compute context on, with that GPU's utilization."""
    if binary is None:
        return {}
    try:
        gpus = subprocess.run(
            [binary, "--query-gpu=uuid,index,utilization.gpu", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        ).stdout
        apps = subprocess.run(
            [
                binary,
                "--query-compute-apps=pid,gpu_uuid,used_memory",
                "--format=csv,noheader,nounits",
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    util: dict[str, tuple[str, float]] = {}
    for line in gpus.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) >= 3:
            try:
                util[parts[0]] = (parts[1], float(parts[2]))
            except ValueError:
                util[parts[0]] = (parts[1], 0.0)
    out: dict[int, GpuUse] = {}
    for line in apps.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) >= 2 and parts[0].isdigit():
            index, percent = util.get(parts[1], (parts[1][:12], 0.0))
            out[int(parts[0])] = GpuUse(gpu=index, utilization=percent)
    return out


def touch_file_mtime(home: str) -> float | None:
    try:
        return os.stat(os.path.join(home, KEEP_ALIVE_FILE)).st_mtime
    except OSError:
        return None


def kernel_pid(kernel: object) -> int | None:
    """The PID jupyter_client's provisioner started (the kernel, or its wrapper)."""
    provisioner = getattr(kernel, "provisioner", None)
    pid = getattr(provisioner, "pid", None)
    if pid is None:
        pid = getattr(getattr(provisioner, "process", None), "pid", None)
    return pid if isinstance(pid, int) else None
