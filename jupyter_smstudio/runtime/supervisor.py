"""The supervisor: a small detached process that runs one command for the server.

``python -m jupyter_smstudio.runtime.supervisor <state_dir>`` reads ``spec.json``,
runs the command in its own session under its resource limits, appends its output
to the log, and keeps ``state.json`` current (written atomically). It ignores the
server's fate: a server restart finds the process still running, or finds its
final state on disk. SIGTERM asks it to stop the command: SIGTERM to the command's
process group, SIGKILL after the grace period. Keep imports light: this starts on
every submit.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .files import atomic_write_json, read_json
from .limits import MemoryCgroup, ResourceLimits, apply_in_child

STATE = "state.json"
SPEC = "spec.json"


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class Supervisor:
    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.spec: dict[str, Any] = read_json(state_dir / SPEC)
        self.limits = ResourceLimits.from_json(self.spec.get("limits"))
        self.grace = float(self.spec.get("grace_seconds", 120))
        self.stop_reason: str | None = None
        self.child: subprocess.Popen[bytes] | None = None
        self.state: dict[str, Any] = {"supervisor_pid": os.getpid(), "status": "starting"}
        self._lock = threading.Lock()

    def write_state(self, **changes: Any) -> None:
        with self._lock:
            self.state.update(changes)
            atomic_write_json(self.state_dir / STATE, self.state)

    def request_stop(self, reason: str) -> None:
        """Stop the command: SIGTERM its group now, SIGKILL after the grace period."""
        with self._lock:
            if self.stop_reason is not None or self.child is None:
                self.stop_reason = self.stop_reason or reason
                return
            self.stop_reason = reason
        self._signal_group(signal.SIGTERM)
        killer = threading.Timer(self.grace, self._signal_group, (signal.SIGKILL,))
        killer.daemon = True
        killer.start()

    def _signal_group(self, sig: int) -> None:
        if self.child is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.child.pid, sig)

    def run(self) -> int:
        spec = self.spec
        log = open(spec["log_path"], "ab", buffering=0)  # noqa: SIM115 - lives as long as we do
        cgroup = (
            MemoryCgroup.create(spec["id"], self.limits.memory_bytes)
            if self.limits.memory_bytes
            else None
        )
        env = {**spec.get("env", {}), **self.limits.env()}
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, lambda *_: self.request_stop("stopped"))
        try:
            self.child = subprocess.Popen(
                spec["argv"],
                cwd=spec["cwd"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=lambda: apply_in_child(self.limits, cgroup),
            )
        except OSError as err:
            log.write(f"Could not start {spec['argv'][0]}: {err}\n".encode())
            self.write_state(status="exited", exit_code=127, reason="start-failed",
                             message=str(err), ended_ms=_now_ms())  # fmt: skip
            return 127
        self.write_state(status="running", child_pid=self.child.pid, started_ms=_now_ms(),
                         memory_enforcement="cgroup" if cgroup else "rlimit")  # fmt: skip
        if self.stop_reason:  # a stop arrived before the child existed
            self.request_stop(self.stop_reason)
        max_runtime = spec.get("max_runtime_seconds")
        if max_runtime:
            timer = threading.Timer(float(max_runtime), self.request_stop, ("timeout",))
            timer.daemon = True
            timer.start()
        pump = threading.Thread(target=self._pump, args=(log,), daemon=True)
        pump.start()
        code = self.child.wait()
        # Background work (nohup ... &) may hold the pipe open; don't wait on it for long.
        pump.join(timeout=2)
        oom = cgroup.oom_killed() if cgroup else False
        if spec.get("kill_group_on_exit", True):
            self._signal_group(signal.SIGKILL)
        if cgroup and spec.get("kill_group_on_exit", True):
            cgroup.remove()
        reason = "oom" if oom else self.stop_reason
        self.write_state(status="exited", exit_code=code, reason=reason, ended_ms=_now_ms())
        return 0

    def _pump(self, log: Any) -> None:
        assert self.child is not None
        stream = self.child.stdout
        assert isinstance(stream, io.BufferedReader)
        for chunk in iter(lambda: stream.read1(65536), b""):
            log.write(chunk)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m jupyter_smstudio.runtime.supervisor STATE_DIR", file=sys.stderr)
        return 2
    return Supervisor(Path(argv[1])).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
