"""Ending a run's whole process tree, whatever its processes did to get away.

A run's processes are found, most trusted first, through its cgroups
(``cgroups.py``: they hold every descendant), the supervisor's own descendants (it
is their child subreaper, so what double forks or ``setsid`` orphans comes back to
it), and a marker every process of the run inherits in its environment
(``SMSTUDIO_RUN_ID``), which still finds them once the supervisor is gone. The
process group alone is not enough: ``setsid`` leaves it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import time

import psutil

from .cgroups import RunCgroups

MARKER = "SMSTUDIO_RUN_ID"
PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Make orphaned descendants this process's children (Linux), so it can end them."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def marked(run_id: str) -> set[int]:
    """Processes (of users we may read) whose environment carries the run's marker."""
    needle = f"{MARKER}={run_id}".encode()
    me = os.getpid()
    found: set[int] = set()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                environ = f.read()
        except OSError:  # gone, or another user's
            continue
        if needle in environ.split(b"\0"):
            found.add(int(name))
    return found


def descendants(pid: int) -> set[int]:
    try:
        return {p.pid for p in psutil.Process(pid).children(recursive=True)}
    except psutil.Error:
        return set()


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.add(pid)
        except psutil.Error:
            continue
    return alive


def end(
    run_id: str,
    cgroups: RunCgroups,
    *,
    group: int | None = None,
    keep: int | None = None,
    timeout: float = 10,
) -> int:
    """SIGKILL every process of the run until none is left; how many there were.

    ``group``: the run's process group (only while its leader is known to be ours).
    Called in the supervisor, its descendants are the run's too, and it reaps the
    orphans it inherited, except ``keep`` (the command, whose status it waits for).
    The marker is swept only where no cgroup holds the tree: reading every process's
    environment costs more than a cgroup's member list.
    """
    seen = cgroups.kill(timeout)
    if group is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
    me = os.getpid()
    deadline = time.monotonic() + timeout
    while True:
        found = descendants(me) if keep is not None else set()
        if not cgroups.tracked:
            found |= marked(run_id)
        found = _alive(found - {me})
        seen |= found
        if not found or time.monotonic() > deadline:
            return len(seen)
        for pid in found:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        if keep is not None:
            reap_orphans(keep)
        time.sleep(0.01)


def reap_orphans(keep: int | None) -> None:
    """Collect exited children other than ``keep`` (whose status its owner waits for)."""
    while True:
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return
        if info is None or info.si_pid == keep:
            return
        with contextlib.suppress(ChildProcessError):
            os.waitpid(info.si_pid, 0)
