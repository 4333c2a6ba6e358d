"""Helpers for job tests: write scripts into the space, wait for job states.

``route`` is ``training-jobs`` or ``processing-jobs``: both kinds answer alike.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from . import waiting
from .conftest import ApiCall

FINAL = {"Completed", "Failed", "Stopped"}


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


async def eventually(
    api: ApiCall, name: str, predicate: Any, timeout: float = 30, route: str = "training-jobs"
) -> Any:
    """Describe the job until ``predicate(job)`` holds; fail with the last answer on timeout."""

    async def check() -> Any:
        job = (await api("GET", f"{route}/{name}")).json
        return job if predicate(job) else None

    return await waiting.eventually(check, timeout, f"{route}/{name}", interval=0.05)


async def finished(
    api: ApiCall, name: str, timeout: float = 30, route: str = "training-jobs"
) -> Any:
    return await eventually(api, name, lambda j: j["status"] in FINAL, timeout, route)


async def full_log(api: ApiCall, name: str, route: str = "training-jobs") -> str:
    return str((await api("GET", f"{route}/{name}/logs")).json["text"])


async def until_logged(api: ApiCall, name: str, text: str, timeout: float = 30) -> str:
    """The job's log once it contains ``text``."""

    async def check() -> str | None:
        log = await full_log(api, name)
        return log if text in log else None

    return str(await waiting.eventually(check, timeout, f"'{text}' in {name}'s log", 0.05))


def run_state(data_dir: Path, name: str) -> dict[str, Any]:
    """The runtime's state of job ``name`` (its supervisor's and command's pids)."""
    state_dir = next(data_dir.glob(f"training/jobs/*/{name}/run"))
    return json.loads((state_dir / "state.json").read_text())  # type: ignore[no-any-return]
