"""The one async port for running something detached: start, state, stop, logs, clean up.

Spaces (lifecycle scripts), jobs and endpoints all run their work the same way: a
command (a process, or ``docker run`` in the foreground) under a detached supervisor
that outlives the server. :class:`LocalRuns` is that port for processes on this
machine; :class:`DockerRuns` is the same for containers, and also removes the
containers and network a run leaves. Area backends adapt it thinly: they decide
*what* runs (the argv, the mounts, the environment), this decides *how*.

Every method is async: the blocking file reads and signals run in a thread, so no
caller wraps them in ``asyncio.to_thread`` itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .docker import DOCKER, docker
from .files import read_json
from .logs import MAX_CHUNK, LogChunk, read_log
from .process import ProcessSpec, RunState, end_tree, launch, read_state, stop
from .supervisor import SPEC


@dataclass(frozen=True)
class Run:
    """Where to find a run again, also after a server restart (it is saved as JSON)."""

    state_dir: Path
    supervisor_pid: int | None = None
    #: The log; None: the one its spec names (``spec.json`` in the state dir).
    log_path: Path | None = None
    #: Containers and network the run creates (Docker): removed by ``cleanup``.
    containers: tuple[str, ...] = ()
    network: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The handle's JSON (only what is set, so old handles read the same)."""
        data: dict[str, Any] = {"state_dir": str(self.state_dir)}
        data["supervisor_pid"] = self.supervisor_pid
        if self.log_path is not None:
            data["log_path"] = str(self.log_path)
        if self.containers:
            data["containers"] = list(self.containers)
        if self.network:
            data["network"] = self.network
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Run:
        """A handle saved by ``to_json`` (extra keys, a backend's own, are ignored)."""
        log = data.get("log_path")
        return cls(
            Path(data["state_dir"]),
            data.get("supervisor_pid"),
            Path(log) if log else None,
            tuple(data.get("containers") or ()),
            data.get("network"),
        )


class LocalRuns:
    """Runs as supervised processes on this machine (cgroups and limits: the supervisor)."""

    async def start(
        self,
        spec: ProcessSpec,
        state_dir: Path,
        *,
        containers: tuple[str, ...] = (),
        network: str | None = None,
    ) -> Run:
        """Start ``spec`` detached; return at once (the command may not have started)."""
        pid = await launch(spec, state_dir)
        return Run(state_dir, pid, spec.log_path, containers, network)

    async def state(self, run: Run) -> RunState:
        return await asyncio.to_thread(read_state, run.state_dir, run.supervisor_pid)

    async def stop(
        self, run: Run, *, reason: str | None = None, message: str | None = None
    ) -> bool:
        """SIGTERM now, SIGKILL after the run's grace (``reason``: at once, recorded as
        the run's end). False if it was not running."""
        return await asyncio.to_thread(
            stop, run.state_dir, run.supervisor_pid, reason=reason, message=message
        )

    async def logs(self, run: Run, cursor: int = 0, max_bytes: int = MAX_CHUNK) -> LogChunk:
        def read() -> LogChunk:
            path = run.log_path or Path((read_json(run.state_dir / SPEC) or {})["log_path"])
            return read_log(path, cursor, max_bytes)

        return await asyncio.to_thread(read)

    async def wait(self, run: Run, interval: float = 0.2) -> RunState:
        """Until the run exits or vanishes (another process writes its state: poll)."""
        while True:
            state = await self.state(run)
            if state.finished:
                return state
            await asyncio.sleep(interval)

    async def cleanup(self, run: Run) -> None:
        """End whatever the run left: its whole process tree (once it has ended, or its
        supervisor was killed, or background work outlived the command)."""
        await asyncio.to_thread(end_tree, run.state_dir)

    async def terminate(self, run: Run, timeout: float) -> None:
        """Stop, give the run ``timeout`` seconds to end, then clean up what is left."""
        if await self.stop(run):
            await self.reap(run, timeout)
        else:
            await self.cleanup(run)

    async def reap(self, run: Run, timeout: float) -> None:
        """After ``stop``: wait up to ``timeout`` for the run to end, then end what is
        left. A supervisor signalled while alive may still die before it ends its tree
        (killed, the OOM killer): only this makes sure nothing outlives the run."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wait(run), timeout)
        await self.cleanup(run)


class DockerRuns(LocalRuns):
    """Runs whose command is ``docker run`` (or several, fanned out) in the foreground:
    stop reaches the containers through the CLI; ``cleanup`` also removes them."""

    def __init__(self, command: str = DOCKER) -> None:
        self.command = command

    async def cleanup(self, run: Run) -> None:
        await super().cleanup(run)
        if run.containers:
            await docker("rm", "-f", *run.containers, check=False, command=self.command)
        if run.network:
            await docker("network", "rm", run.network, check=False, command=self.command)
