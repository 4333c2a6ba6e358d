"""Run custom code in a child process with a timeout, so it never harms the server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl

from .operators.base import StepError

RUNNER = Path(__file__).with_name("runner.py")


def run_code(frame: pl.DataFrame, language: str, code: str, timeout_s: float) -> pl.DataFrame:
    """``df`` after the user's code; a clear StepError when it fails or runs too long."""
    with tempfile.TemporaryDirectory(prefix="smstudio-code-") as tmp:
        work = Path(tmp)
        frame.write_ipc(work / "input.arrow")
        (work / "code.py").write_text(code)
        (work / "language").write_text(language)
        proc = subprocess.Popen(
            [sys.executable, str(RUNNER), str(work)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: a timeout kills its children too
        )
        try:
            _, stderr = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise StepError(
                f"params.code: the code ran past its timeout of {timeout_s:g} s and was stopped",
                field="params.code",
            ) from None
        error = work / "error.txt"
        if error.exists():
            raise StepError(
                f"params.code: the code failed: {error.read_text()}", field="params.code"
            )
        if proc.returncode != 0 or not (work / "output.arrow").exists():
            detail = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [
                f"exit code {proc.returncode}"
            ]
            raise StepError(
                f"params.code: the code's process died: {detail[0]}", field="params.code"
            )
        return pl.read_ipc(work / "output.arrow")
