"""Run custom code in a child process with a timeout and a memory limit, so it never
harms the server.

The memory limit is the runtime's (``runtime.limited``): a memory cgroup where the
machine allows one (the kernel kills the process at the limit), else RLIMIT_DATA
(allocations past it fail). Either way the step says it ran out of memory.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl

from ..runtime.limited import wrap
from ..runtime.limits import MemoryCgroup, ResourceLimits
from .operators.base import StepError

RUNNER = Path(__file__).with_name("runner.py")
#: What a process that failed to allocate prints (Rust's allocator, e.g. Polars).
ALLOCATION_FAILED = "memory allocation of"


def run_code(
    frame: pl.DataFrame,
    language: str,
    code: str,
    timeout_s: float,
    memory_bytes: int | None = None,
) -> pl.DataFrame:
    """``df`` after the user's code; a clear StepError when it fails, runs too long or
    needs more than ``memory_bytes``."""
    group = f"wrangler-code-{secrets.token_hex(6)}"
    with tempfile.TemporaryDirectory(prefix="smstudio-code-") as tmp:
        work = Path(tmp)
        frame.write_ipc(work / "input.arrow")
        (work / "code.py").write_text(code)
        (work / "language").write_text(language)
        argv = [sys.executable, str(RUNNER), str(work)]
        if memory_bytes:
            argv = wrap(argv, group, ResourceLimits(memory_bytes=memory_bytes))
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: a timeout kills its children too
        )
        try:
            try:
                _, stderr = proc.communicate(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                raise StepError(
                    f"params.code: the code ran past its timeout of {timeout_s:g} s and was "
                    "stopped",
                    field="params.code",
                ) from None
            oom = _oom_killed(group)
        finally:
            cgroup = MemoryCgroup.existing(group)
            if cgroup is not None:
                cgroup.remove()
        text = stderr.decode("utf-8", "replace").strip()
        if oom or (work / "memory_error").exists() or ALLOCATION_FAILED in text:
            limit = f" (limit {_gib(memory_bytes)})" if memory_bytes else ""
            raise StepError(
                f"params.code: custom code ran out of memory{limit}; make it use less (fewer "
                "rows or columns at a time), or ask your administrator for a higher limit",
                field="params.code",
            )
        error = work / "error.txt"
        if error.exists():
            raise StepError(
                f"params.code: the code failed: {error.read_text()}", field="params.code"
            )
        if proc.returncode != 0 or not (work / "output.arrow").exists():
            detail = text.splitlines()[-1:] or [f"exit code {proc.returncode}"]
            raise StepError(
                f"params.code: the code's process died: {detail[0]}", field="params.code"
            )
        return pl.read_ipc(work / "output.arrow")


def _oom_killed(group: str) -> bool:
    cgroup = MemoryCgroup.existing(group)
    return cgroup is not None and cgroup.oom_killed()


def _gib(size: int) -> str:
    return f"{size / (1 << 30):.3g} GiB"
