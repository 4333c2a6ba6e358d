"""Following a job from Python: its log until it ends, its final status, SDK-style names."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar, TextIO

#: Job statuses that never change again.
FINAL = ("Completed", "Failed", "Stopped")
POLL_SECONDS = 0.5


def follow_log(read: Callable[[int], dict[str, Any]], out: TextIO | None = None) -> None:
    """Print a job's log (``read(cursor)`` answers a log chunk) until the job has ended."""
    out = out or sys.stdout
    cursor = 0
    while True:
        chunk = read(cursor)
        if chunk["text"]:
            out.write(chunk["text"])
            out.flush()
        cursor = chunk["next_cursor"]
        if chunk["finished"]:
            return
        if not chunk["text"]:
            time.sleep(POLL_SECONDS)


def wait_final(describe: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Describe a job until its status is final; return that description."""
    while (job := describe())["status"] not in FINAL:
        time.sleep(POLL_SECONDS)
    return job


def base_name(text: str, default: str) -> str:
    """A job name prefix from a script, module or image name (SDK style)."""
    stem = text.rsplit("/", 1)[-1].split(":")[0].split(".")[0]
    return "".join(c if c.isalnum() else "-" for c in stem).strip("-")[:35] or default


def stamped(base: str) -> str:
    """``base`` plus the time to the millisecond, as the SDK names jobs."""
    return f"{base}-{datetime.now().strftime('%Y-%m-%d-%H-%M-%S-%f')[:-3]}"


class JobFailed(RuntimeError):
    """A job ended Failed (``wait`` raises it, as the SDK's UnexpectedStatusException)."""

    kind: ClassVar[str] = "Job"

    def __init__(self, job: dict[str, Any]) -> None:
        reason = job.get("failure_reason") or ""
        super().__init__(f"{self.kind} job {job['name']} ended {job['status']}: {reason}")
        self.job = job


class WaitsForJob:
    """``wait`` for an object that describes one job and follows its log."""

    failure: ClassVar[type[JobFailed]] = JobFailed

    def describe(self) -> dict[str, Any]:
        raise NotImplementedError

    def logs(self, out: TextIO | None = None) -> None:
        raise NotImplementedError

    def wait(self, logs: bool = True, out: TextIO | None = None) -> dict[str, Any]:
        """Block until the job ends (streaming its log); raise if it failed."""
        if logs:
            self.logs(out=out)
        job = wait_final(self.describe)
        if job["status"] == "Failed":
            raise self.failure(job)
        return job
