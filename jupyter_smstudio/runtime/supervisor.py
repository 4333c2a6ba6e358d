"""The supervisor: a small detached process that runs one command for the server.

``python -m jupyter_smstudio.runtime.supervisor <state_dir>`` reads ``spec.json``,
runs the command in its own session under its resource limits and its own cgroups,
appends its output to the log (capped), and keeps ``state.json`` current (written
atomically). It ignores the server's fate: a server restart finds the process still
running, or finds its final state on disk. SIGTERM asks it to stop the command:
SIGTERM to the command's process group, SIGKILL to its whole tree after the grace
period. When the command ends, so does everything it started (``tree.py``), unless
the spec lets background work outlive it. Keep imports light: this starts on every
submit.
"""

from __future__ import annotations

import contextlib
import io
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from . import tree
from .cgroups import RunCgroups
from .files import atomic_write_json, directory_size, read_json
from .limits import DiskQuota, ResourceLimits, RunPolicy, apply_in_child, process_limit_message
from .logs import CappedLog

STATE = "state.json"
SPEC = "spec.json"
STOP = "stop.json"  # why the server stops the run, when it is not a user's stop
WATCH_SECONDS = 0.25  # how often the process limit is checked and orphans are reaped
QUOTA_SECONDS = 2.0  # the least time between two measures of the disk quota


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _user_tasks() -> int:
    """Processes and threads of this user now (RLIMIT_NPROC counts them all)."""
    uid = os.getuid()
    count = 0
    for name in os.listdir("/proc"):
        with contextlib.suppress(OSError, ValueError):
            if name.isdigit() and os.stat(f"/proc/{name}").st_uid == uid:
                count += len(os.listdir(f"/proc/{name}/task"))
    return count


class Supervisor:
    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.spec: dict[str, Any] = read_json(state_dir / SPEC)
        self.limits = ResourceLimits.from_json(self.spec.get("limits"))
        self.policy = RunPolicy.from_json(self.spec.get("policy"))
        self.quota = DiskQuota.from_json(self.spec.get("quota"))
        self.grace = float(self.spec.get("grace_seconds", 120))
        self.stop_reason: str | None = None
        self.stop_message: str | None = None
        self.child: subprocess.Popen[bytes] | None = None
        self.cgroups = RunCgroups()
        self.nproc: int | None = None  # RLIMIT_NPROC where no cgroup bounds the processes
        self.state: dict[str, Any] = {"supervisor_pid": os.getpid(), "status": "starting"}
        self._lock = threading.RLock()  # signal handlers take it too

    def write_state(self, **changes: Any) -> None:
        with self._lock:
            self.state.update(changes)
            atomic_write_json(self.state_dir / STATE, self.state)

    def request_stop(self, reason: str, message: str | None = None, now: bool = False) -> None:
        """Stop the command: SIGTERM its group, its whole tree SIGKILLed after the grace
        period (at once when ``now``: a run past a limit gets no grace)."""
        with self._lock:
            if self.stop_reason is not None or self.child is None:
                self.stop_reason = self.stop_reason or reason
                self.stop_message = self.stop_message or message
                return
            self.stop_reason, self.stop_message = reason, message
        if now:
            self._end_tree()
            return
        self._signal_group(signal.SIGTERM)
        killer = threading.Timer(self.grace, self._end_tree)
        killer.daemon = True
        killer.start()

    def _stop_requested(self) -> None:
        """SIGTERM: a user's stop, or the server's for a limit it watches (``STOP``)."""
        why = read_json(self.state_dir / STOP) or {}
        self.request_stop(why.get("reason", "stopped"), why.get("message"), bool(why.get("now")))

    def _signal_group(self, sig: int) -> None:
        if self.child is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.child.pid, sig)

    def _end_tree(self) -> None:
        """SIGKILL the command and everything it started, wherever it went."""
        pid = self.child.pid if self.child is not None else None
        tree.end(self.spec["id"], self.cgroups, group=pid, keep=pid)

    def _in_child(self) -> None:
        """Between fork and exec: join the run's cgroups, apply the limits."""
        self.cgroups.add(os.getpid())
        apply_in_child(self.limits, self.cgroups.memory)
        if self.nproc is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (self.nproc, self.nproc))

    def _bound_processes(self) -> str | None:
        """Where the process limit is enforced: the pids cgroup, else RLIMIT_NPROC (per
        user, so on top of what the user already runs); None without a limit."""
        limit = self.policy.max_processes
        if not limit:
            return None
        if self.cgroups.pids is not None:
            return "cgroup"
        self.nproc = limit + _user_tasks()
        return "rlimit"

    def run(self) -> int:
        spec = self.spec
        log = CappedLog(Path(spec["log_path"]), self.policy.max_log_bytes)
        if self.policy.cgroups:
            self.cgroups = RunCgroups.create(
                spec["id"], self.limits.memory_bytes, self.policy.max_processes
            )
        tree.become_subreaper()  # orphans of double forks come back to us, to be ended
        processes = self._bound_processes()
        env = {**spec.get("env", {}), **self.limits.env(), tree.MARKER: spec["id"]}
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, lambda *_: self._stop_requested())
        try:
            self.child = subprocess.Popen(
                spec["argv"],
                cwd=spec["cwd"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=self._in_child,
            )
        except OSError as err:
            log.write(f"Could not start {spec['argv'][0]}: {err}\n".encode())
            self.cgroups.remove()
            self.write_state(status="exited", exit_code=127, reason="start-failed",
                             message=str(err), ended_ms=_now_ms())  # fmt: skip
            return 127
        self.write_state(status="running", child_pid=self.child.pid, started_ms=_now_ms(),
                         memory_enforcement="cgroup" if self.cgroups.memory else "rlimit",
                         process_enforcement=processes, cgroups=self.cgroups.to_json(),
                         max_processes=self.policy.max_processes)  # fmt: skip
        if self.stop_reason:  # a stop arrived before the child existed
            self.request_stop(self.stop_reason)
        max_runtime = spec.get("max_runtime_seconds")
        if max_runtime:
            timer = threading.Timer(float(max_runtime), self.request_stop, ("timeout",))
            timer.daemon = True
            timer.start()
        pump = threading.Thread(target=self._pump, args=(log,), daemon=True)
        pump.start()
        watcher = threading.Thread(target=self._watch, args=(log,), daemon=True)
        watcher.start()
        code = self.child.wait()
        oom = self.cgroups.oom_killed()
        if code != 0 and self.stop_reason is None and self.cgroups.process_limit_hit():
            self.stop_reason, self.stop_message = "processes", self._process_limit_message()
        if spec.get("kill_group_on_exit", True):
            self._end_tree()  # what it started may hold the pipe: then the pump ends too
        # Background work let outlive it (nohup ... &) may hold the pipe open: don't wait.
        pump.join(timeout=2)
        kept = not spec.get("kill_group_on_exit", True)
        self.cgroups.remove(wait=0 if kept else 2)  # background work let live keeps its own
        reason = self.stop_reason if self.stop_reason in ("processes", "quota") else None
        reason = reason or ("oom" if oom else self.stop_reason)
        message = self.stop_message if reason == self.stop_reason else None
        self.write_state(status="exited", exit_code=code, reason=reason, message=message,
                         ended_ms=_now_ms())  # fmt: skip
        return 0

    def _pump(self, log: CappedLog) -> None:
        assert self.child is not None
        stream = self.child.stdout
        assert isinstance(stream, io.BufferedReader)
        for chunk in iter(lambda: stream.read1(65536), b""):
            log.write(chunk)

    def _watch(self, log: CappedLog) -> None:
        """While the command runs: reap inherited orphans, enforce the process limit and
        the disk quota (both end the run at once)."""
        assert self.child is not None
        next_quota = 0.0
        while self.child.poll() is None:
            tree.reap_orphans(keep=self.child.pid)
            if self.cgroups.process_limit_hit():
                message = self._process_limit_message()
                log.write(f"\n[SM Studio] Stopped: {message}.\n".encode())
                self.request_stop("processes", message, now=True)
                return
            if self.quota is not None and time.monotonic() >= next_quota:
                started = time.monotonic()
                used = sum(directory_size(Path(p)) for p in self.quota.paths)
                if used > self.quota.max_bytes:
                    self._over_quota(log, used)
                    return
                # Measuring a large tree often would cost more than the job: space it out.
                took = time.monotonic() - started
                next_quota = time.monotonic() + max(QUOTA_SECONDS, 10 * took)
            time.sleep(WATCH_SECONDS)

    def _process_limit_message(self) -> str:
        return process_limit_message(self.policy.max_processes)

    def _over_quota(self, log: CappedLog, used: int) -> None:
        assert self.quota is not None
        message = (
            f"its files use {used} bytes of disk, more than this server's quota of "
            f"{self.quota.max_bytes} bytes per job ({self.quota.setting})"
        )
        log.write(f"\n[SM Studio] Stopped: {message}.\n".encode())
        self.request_stop("quota", message, now=True)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m jupyter_smstudio.runtime.supervisor STATE_DIR", file=sys.stderr)
        return 2
    return Supervisor(Path(argv[1])).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
