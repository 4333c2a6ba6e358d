"""Server-side handle on detached supervised processes.

``launch`` starts a supervisor (see ``supervisor.py``) in its own session and
returns at once; everything about the run lives in its state directory:
``spec.json`` (what to run), ``launch.json`` (the supervisor's pid),
``state.json`` (written only by the supervisor), and the log. A restarted server
calls ``read_state`` and ``process_alive`` to re-attach, or to learn that the run
ended, or that it vanished; ``end_tree`` then ends whatever is left of a run whose
supervisor is gone (or whose background work was let outlive its command).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import psutil

from . import tree
from .cgroups import RunCgroups
from .files import atomic_write_json, read_json
from .limits import DiskQuota, ResourceLimits, RunPolicy
from .supervisor import SPEC, STATE, STOP

LAUNCH = "launch.json"  # written by the server: the supervisor's pid, before it reports

Status = Literal["starting", "running", "exited", "vanished"]

_policy = RunPolicy()


def set_default_policy(policy: RunPolicy) -> None:
    """The caps runs get when their spec names none: the administrator's, set once
    at server start (``c.RunLimits``)."""
    global _policy
    _policy = policy


def default_policy() -> RunPolicy:
    return _policy


@dataclass(frozen=True)
class ProcessSpec:
    """What to run, where, and under which limits."""

    id: str  # unique, filesystem-safe; names the memory cgroup
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    log_path: Path
    limits: ResourceLimits = field(default_factory=ResourceLimits)
    max_runtime_seconds: float | None = None
    grace_seconds: float = 120
    kill_group_on_exit: bool = True  # False lets `nohup ... &` work outlive a script
    policy: RunPolicy | None = None  # None: the server's (set_default_policy)
    quota: DiskQuota | None = None


@dataclass(frozen=True)
class RunState:
    status: Status
    supervisor_pid: int | None = None
    child_pid: int | None = None
    started_ms: int | None = None
    ended_ms: int | None = None
    exit_code: int | None = None
    #: stopped | timeout | oom | processes | quota | start-failed | None
    reason: str | None = None
    message: str | None = None  # what went wrong, as a clause ("it tried to run ...")

    @property
    def finished(self) -> bool:
        return self.status in ("exited", "vanished")


def _spawn(state_dir: Path) -> int:
    with (state_dir / "supervisor.log").open("ab") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter_smstudio.runtime.supervisor", str(state_dir)],
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=err,
            start_new_session=True,  # not in the server's process group: survives its exit
            close_fds=True,
        )
    return proc.pid


async def launch(spec: ProcessSpec, state_dir: Path) -> int:
    """Start ``spec`` detached; return the supervisor's pid without waiting for the command."""
    payload: dict[str, Any] = {
        "id": spec.id,
        "argv": spec.argv,
        "cwd": str(spec.cwd),
        "env": spec.env,
        "log_path": str(spec.log_path),
        "limits": spec.limits.to_json(),
        "max_runtime_seconds": spec.max_runtime_seconds,
        "grace_seconds": spec.grace_seconds,
        "kill_group_on_exit": spec.kill_group_on_exit,
        "policy": (spec.policy or _policy).to_json(),
        "quota": spec.quota.to_json() if spec.quota else None,
        "launched_ms": time.time_ns() // 1_000_000,
    }
    return await asyncio.to_thread(_prepare_and_spawn, state_dir, spec.log_path, payload)


def _prepare_and_spawn(state_dir: Path, log_path: Path, payload: dict[str, Any]) -> int:
    state_dir.mkdir(parents=True, exist_ok=True)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    (state_dir / STATE).unlink(missing_ok=True)
    (state_dir / STOP).unlink(missing_ok=True)
    atomic_write_json(state_dir / SPEC, payload)
    pid = _spawn(state_dir)
    atomic_write_json(state_dir / LAUNCH, {"supervisor_pid": pid})
    return pid


def process_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        proc = psutil.Process(pid)
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _final(data: dict[str, Any]) -> RunState:
    fields = {k: data.get(k) for k in RunState.__dataclass_fields__ if k != "status"}
    return RunState("exited", **fields)


def read_state(state_dir: Path, supervisor_pid: int | None = None) -> RunState:
    """The run's state; 'vanished' when its supervisor died without recording an end."""
    data = read_json(state_dir / STATE) or {}
    status = data.get("status", "starting")
    if status == "exited":
        return _final(data)
    pid = data.get("supervisor_pid") or supervisor_pid
    if not pid:
        pid = (read_json(state_dir / LAUNCH) or {}).get("supervisor_pid")
    if not process_alive(pid):
        # Re-read: the supervisor may have written its final state just before exiting.
        data = read_json(state_dir / STATE) or data
        if data.get("status") == "exited":
            return _final(data)
        return RunState("vanished", supervisor_pid=pid, child_pid=data.get("child_pid"),
                        started_ms=data.get("started_ms"))  # fmt: skip
    return RunState(status, supervisor_pid=pid, child_pid=data.get("child_pid"),
                    started_ms=data.get("started_ms"))  # fmt: skip


def stop(
    state_dir: Path,
    supervisor_pid: int | None = None,
    *,
    reason: str | None = None,
    message: str | None = None,
) -> bool:
    """Ask the run to stop (SIGTERM, then SIGKILL after its grace). False if not running.

    ``reason`` (with its ``message``): the server stops it for a limit, at once, and
    the run's final state says so. Without its supervisor, nothing would wait out a
    grace period: the tree ends now."""
    state = read_state(state_dir, supervisor_pid)
    if state.status == "exited":
        return False
    if state.supervisor_pid and process_alive(state.supervisor_pid):
        if reason is not None:
            atomic_write_json(state_dir / STOP, {"reason": reason, "message": message, "now": True})
        os.kill(state.supervisor_pid, signal.SIGTERM)
        return True
    return end_tree(state_dir) > 0


def end_tree(state_dir: Path) -> int:
    """SIGKILL every process the run left (blocking); how many there were.

    For runs whose supervisor is gone (it ends the tree itself otherwise), and for
    background work let outlive its command once its owner goes (a space's stop).
    Its cgroups find the whole tree; without them, the marker in its environment; and
    the command's process group while the command runs (a run from before markers)."""
    spec = read_json(state_dir / SPEC) or {}
    run_id = spec.get("id")
    if not run_id:
        return 0
    state = read_json(state_dir / STATE) or {}
    recorded = state.get("cgroups")
    cgroups = RunCgroups.from_json(recorded) if recorded else RunCgroups.named(run_id)
    group = _command_group(state.get("child_pid"), spec.get("argv"))
    count = tree.end(run_id, cgroups, group=group)
    cgroups.remove()
    return count


def _command_group(pid: int | None, argv: list[str] | None) -> int | None:
    """``pid``'s process group if ``pid`` still is the run's command (same command line,
    leading its own group): a pid alone may have been reused."""
    try:
        proc = psutil.Process(pid or 0)
        if pid and proc.cmdline() == argv and os.getpgid(pid) == pid:
            return pid
    except (psutil.Error, OSError):
        pass
    return None
