"""A cgroup per detached run: it names the run's whole process tree, bounds it, ends it.

Descendants join their parent's cgroup and cannot leave it without privileges, so a
run's cgroup holds every process it started, through double forks and ``setsid``
alike. A run joins a cgroup in each hierarchy the machine lets us write to: the one
v2 hierarchy where it is mounted alone, else v1's ``pids`` (and ``memory`` when the
run has a memory limit) plus the v2 ``unified`` one of hybrid machines, whose
``cgroup.kill`` ends the tree at once. Without any, the supervisor falls back to the
process group, its own descendants and an environment marker (see ``tree.py``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

V2_ROOT = Path("/sys/fs/cgroup")
V1_ROOT = V2_ROOT / "memory"
GROUP = "smstudio"


def read_text(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def set_memory_limit(path: Path, version: int, limit_bytes: int) -> None:
    """Limit the memory of cgroup ``path`` (v1 also bounds swap where it accounts it)."""
    if version == 2:
        (path / "memory.max").write_text(str(limit_bytes))
        return
    (path / "memory.limit_in_bytes").write_text(str(limit_bytes))
    swap = path / "memory.memsw.limit_in_bytes"
    if swap.exists():
        swap.write_text(str(limit_bytes))


def events(path: Path, name: str) -> dict[str, int]:
    """A flat-keyed cgroup file (``memory.events``, ``pids.events``) as numbers."""
    found: dict[str, int] = {}
    for line in read_text(path / name).splitlines():
        key, _, value = line.partition(" ")
        with contextlib.suppress(ValueError):
            found[key] = int(value.strip())
    return found


@dataclass(frozen=True)
class Cgroup:
    """One cgroup directory (v1 or v2)."""

    path: Path
    version: int

    def add(self, pid: int) -> None:
        (self.path / "cgroup.procs").write_text(str(pid))

    def members(self) -> set[int]:
        """Live (not zombie) processes in this cgroup and the cgroups below it."""
        found: set[int] = set()
        for root, _dirs, _files in os.walk(self.path):
            for line in read_text(Path(root) / "cgroup.procs").split():
                pid = int(line)
                if not _zombie(pid):
                    found.add(pid)
        return found

    def kill(self) -> bool:
        """``cgroup.kill`` (v2, Linux 5.14+): every member at once; False without it."""
        target = self.path / "cgroup.kill"
        if self.version != 2 or not target.exists():
            return False
        try:
            target.write_text("1")
        except OSError:
            return False
        return True

    def oom_killed(self) -> bool:
        """Whether the kernel killed a member for reaching the memory limit."""
        name = "memory.events" if self.version == 2 else "memory.oom_control"
        return events(self.path, name).get("oom_kill", 0) > 0

    def remove(self) -> None:
        """Remove the cgroup (and empty ones below it); harmless while members remain."""
        for root, _dirs, _files in os.walk(self.path, topdown=False):
            with contextlib.suppress(OSError):
                os.rmdir(root)


def _any_member(path: Path) -> bool:
    """Whether any process, zombies included, is still in the cgroup at ``path``."""
    return any(read_text(Path(root) / "cgroup.procs").strip() for root, _, _ in os.walk(path))


def _zombie(pid: int) -> bool:
    stat = read_text(Path(f"/proc/{pid}/stat"))
    return not stat or stat.rpartition(")")[2].split()[:1] == ["Z"]


def _hierarchies() -> list[tuple[Path, int, set[str]]]:
    """(root, version, controllers) of each hierarchy a run may join."""
    controllers = V2_ROOT / "cgroup.controllers"
    if controllers.exists():  # v2 alone
        return [(V2_ROOT, 2, set(read_text(controllers).split()))]
    found: list[tuple[Path, int, set[str]]] = []
    for name in ("pids", "memory"):
        if (V2_ROOT / name / "cgroup.procs").exists():
            found.append((V2_ROOT / name, 1, {name}))
    unified = V2_ROOT / "unified"
    if (unified / "cgroup.procs").exists():
        found.append((unified, 2, set(read_text(unified / "cgroup.controllers").split())))
    return found


def enable_controllers(root: Path, controllers: set[str]) -> None:
    """Let v2 cgroups under ``root/GROUP`` use ``controllers`` (each on its own: one the
    parent lacks must not stop the others)."""
    for parent in (root, root / GROUP):
        for name in sorted(controllers):
            with contextlib.suppress(OSError):
                (parent / "cgroup.subtree_control").write_text(f"+{name}")


@dataclass(frozen=True)
class RunCgroups:
    """The cgroups of one run, by name; empty where the machine has none we may use."""

    groups: tuple[Cgroup, ...] = ()
    memory: Cgroup | None = None
    pids: Cgroup | None = None  # the one whose pids.max bounds the run

    @classmethod
    def create(cls, name: str, memory_bytes: int | None, max_processes: int | None) -> RunCgroups:
        groups: list[Cgroup] = []
        memory = pids = None
        for root, version, controllers in _hierarchies():
            limit_memory = "memory" in controllers and bool(memory_bytes)
            if version == 1 and "memory" in controllers and not limit_memory:
                continue  # v1 memory only to limit; the other hierarchies track the tree
            group = Cgroup(root / GROUP / name, version)
            try:
                group.path.mkdir(parents=True, exist_ok=True)
                if version == 2:
                    enable_controllers(root, controllers & {"memory", "pids"})
                if limit_memory and memory_bytes:
                    set_memory_limit(group.path, version, memory_bytes)
                if "pids" in controllers:
                    (group.path / "pids.max").write_text(str(max_processes or "max"))
            except OSError:
                group.remove()
                continue
            groups.append(group)
            memory = group if limit_memory else memory
            pids = group if "pids" in controllers and max_processes else pids
        return cls(tuple(groups), memory, pids)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> RunCgroups:
        """The cgroups a supervisor recorded in its state, those that still exist."""
        data = data or {}
        groups = tuple(
            Cgroup(Path(g["path"]), int(g["version"]))
            for g in data.get("groups", [])
            if (Path(g["path"]) / "cgroup.procs").exists()
        )
        by_path = {str(g.path): g for g in groups}
        memory, pids = (by_path.get(data.get(key) or "") for key in ("memory", "pids"))
        return cls(groups, memory, pids)

    @classmethod
    def named(cls, name: str) -> RunCgroups:
        """The cgroups ``create(name, ...)`` made that still exist (limits not known)."""
        groups = tuple(
            Cgroup(root / GROUP / name, version)
            for root, version, _ in _hierarchies()
            if (root / GROUP / name / "cgroup.procs").exists()
        )
        return cls(groups)

    def to_json(self) -> dict[str, Any]:
        return {
            "groups": [{"path": str(g.path), "version": g.version} for g in self.groups],
            "memory": str(self.memory.path) if self.memory else None,
            "pids": str(self.pids.path) if self.pids else None,
        }

    @property
    def tracked(self) -> bool:
        """Whether these cgroups hold the whole tree (else fall back to other means)."""
        return bool(self.groups)

    def add(self, pid: int) -> None:
        for group in self.groups:
            group.add(pid)

    def members(self) -> set[int]:
        found: set[int] = set()
        for group in self.groups:
            found |= group.members()
        return found

    def kill(self, timeout: float = 10) -> set[int]:
        """SIGKILL every member until none is left (or ``timeout``); the members seen.

        ``cgroup.kill`` first where there is one; then (or without it) each member:
        one may fork between reading the list and the signal, so repeat."""
        seen = self.members()
        deadline = time.monotonic() + timeout
        for group in self.groups:
            group.kill()
        while True:
            members = self.members()
            seen |= members
            if not members or time.monotonic() > deadline:
                return seen
            for pid in members:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)  # the kernel takes a moment to reap what it killed

    def oom_killed(self) -> bool:
        return self.memory is not None and self.memory.oom_killed()

    def process_limit_hit(self) -> bool:
        """Whether a fork failed because the run reached its ``pids.max``."""
        return self.pids is not None and events(self.pids.path, "pids.events").get("max", 0) > 0

    def remove(self, wait: float = 2) -> None:
        """Remove the cgroups once empty: processes just killed stay members until their
        parent reaps them, so give that ``wait`` seconds (left in place after that)."""
        deadline = time.monotonic() + wait
        for group in self.groups:
            while _any_member(group.path) and time.monotonic() < deadline:
                time.sleep(0.01)
            group.remove()
