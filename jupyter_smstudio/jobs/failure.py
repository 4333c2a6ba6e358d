"""Why a job failed, as SageMaker's FailureReason says it, for every kind of job."""

from __future__ import annotations

import contextlib
from pathlib import Path

from ..runtime.files import atomic_write_bytes
from ..runtime.logs import tail_lines

FAILURE_CHARS = 1024


def failure_reason(failure: Path, log_path: Path, exit_code: int | None) -> str:
    """The job's FailureReason: the failure file if the code wrote one, else its last error.

    Like the toolkit, write the file when the code did not, so both agree.
    """
    with contextlib.suppress(OSError):
        text = failure.read_text(errors="replace").strip()
        if text:
            return text[:FAILURE_CHARS]
    lines = tail_lines(log_path, 60)
    start = max((i for i, line in enumerate(lines) if "Traceback" in line), default=None)
    error = lines[start:] if start is not None else lines[-10:]
    body = "\n".join(error).strip()
    head = f"AlgorithmError: ExecuteUserScriptError: ExitCode {exit_code}\n"
    if len(head) + len(body) > FAILURE_CHARS:  # keep the end: it names the error
        body = "..." + body[-(FAILURE_CHARS - len(head) - 3) :]
    with contextlib.suppress(OSError):
        atomic_write_bytes(failure, f"Framework Error:\n{body}\n".encode())
    return head + body
