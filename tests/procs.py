"""Find a test's processes by a marker in their command line or environment, wherever
they went (new sessions, re-parented to init), to assert that none is left."""

from __future__ import annotations

import contextlib
import os
import signal
import uuid

import psutil

from .servers import wait_until
from .waiting import eventually

#: A script that tries every way to outlive its run: a child in its process group, one
#: in a new session and a daemon (double fork + setsid), all ignoring SIGTERM. Each
#: carries ``TEST_MARKER`` (environment and command line). It then prints its pid and
#: waits for the file ``TEST_FLAG`` (else ``TEST_SECONDS``, else for ever).
ESCAPEES = """
import os, subprocess, sys, time
marker = os.environ["TEST_MARKER"]
code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"
sleeper = [sys.executable, "-c", code, marker]
subprocess.Popen(sleeper)
subprocess.Popen(sleeper, start_new_session=True)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, sleeper)
    os._exit(0)
print("script pid", os.getpid(), flush=True)
flag, deadline = os.environ.get("TEST_FLAG"), float(os.environ.get("TEST_SECONDS", 600))
start = time.monotonic()
while not (flag and os.path.exists(flag)) and time.monotonic() - start < deadline:
    time.sleep(0.05)
print("released", flush=True)
"""
SLEEPERS = 3


def new_marker() -> str:
    return f"smstudio-test-{uuid.uuid4().hex[:12]}"


def with_marker(marker: str) -> list[psutil.Process]:
    """Live processes whose command line or environment mentions ``marker``."""
    found = []
    for proc in psutil.process_iter():
        if proc.pid == os.getpid():
            continue
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue
            if any(marker in part for part in proc.cmdline()) or any(
                marker in value for value in proc.environ().values()
            ):
                found.append(proc)
        except psutil.Error:
            continue
    return found


def describe(procs: list[psutil.Process]) -> str:
    lines = []
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            lines.append(f"{proc.pid} (ppid {proc.ppid()}): {' '.join(proc.cmdline())[:200]}")
    return "; ".join(lines)


def none_left(marker: str, timeout: float = 20) -> None:
    """Wait until no process carries ``marker``; fail naming those left (and kill them,
    so one failing test does not leak into the next)."""
    try:
        wait_until(lambda: not with_marker(marker), timeout, "no process of the run left")
    except TimeoutError:
        _fail_killing_left(marker)


async def none_left_soon(marker: str, timeout: float = 20) -> None:
    """:func:`none_left` for async tests: waits without blocking the event loop, where
    an in-process server may be the one that ends the processes."""
    try:
        await eventually(lambda: not with_marker(marker), timeout, "no process of the run left",
                         in_thread=True)  # fmt: skip
    except TimeoutError:
        _fail_killing_left(marker)


def _fail_killing_left(marker: str) -> None:
    left = with_marker(marker)
    text = describe(left)
    kill_all(marker)
    raise AssertionError(f"{len(left)} process(es) left: {text}") from None


def count(marker: str) -> int:
    return len(with_marker(marker))


def kill_all(marker: str) -> None:
    for proc in with_marker(marker):
        with contextlib.suppress(psutil.Error):
            proc.send_signal(signal.SIGKILL)
