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
    """``wait``/``logs``/``describe`` for an object whose jobs are named (its latest one
    by default), as the SDK's estimators, processors and transformers have."""

    failure: ClassVar[type[JobFailed]] = JobFailed

    def current_job(self) -> str:
        raise NotImplementedError

    def describe_job(self, name: str) -> dict[str, Any]:
        raise NotImplementedError

    def read_log(self, name: str, cursor: int) -> dict[str, Any]:
        raise NotImplementedError

    def stop_job(self, name: str) -> dict[str, Any]:
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        return self.describe_job(self.current_job())

    def logs(self, *, out: TextIO | None = None) -> None:
        """Print the job's log, following it until the job ends."""
        name = self.current_job()
        follow_log(lambda cursor: self.read_log(name, cursor), out)

    def wait_job(
        self, name: str, logs: bool | str = True, out: TextIO | None = None
    ) -> dict[str, Any]:
        """Block until job ``name`` ends (streaming its log unless ``logs`` is False or
        ``"None"``, the SDK's values); raise if it failed."""
        if logs not in (False, "None"):
            follow_log(lambda cursor: self.read_log(name, cursor), out)
        job = wait_final(lambda: self.describe_job(name))
        if job["status"] == "Failed":
            raise self.failure(job)
        return job

    def wait(self, logs: bool | str = True, *, out: TextIO | None = None) -> dict[str, Any]:
        """Block until the latest job ends; raise if it failed."""
        return self.wait_job(self.current_job(), logs, out)


class JobHandle(str):
    """A job's name that is also the SDK's job object (``latest_training_job.wait()``).

    A ``str``, so code that printed the name or passed it on keeps working; ``name`` and
    ``job_name`` are the official ``_Job``'s attributes.
    """

    _owner: Any

    def __new__(cls, name: str, owner: Any) -> JobHandle:
        handle = super().__new__(cls, name)
        handle._owner = owner
        return handle

    @property
    def name(self) -> str:
        return str(self)

    @property
    def job_name(self) -> str:
        return str(self)

    def describe(self) -> dict[str, Any]:
        return self._owner.describe_job(str(self))  # type: ignore[no-any-return]

    def wait(self, logs: bool | str = True) -> dict[str, Any]:
        return self._owner.wait_job(str(self), logs)  # type: ignore[no-any-return]

    def stop(self) -> dict[str, Any]:
        return self._owner.stop_job(str(self))  # type: ignore[no-any-return]
