"""Detached processes that outlive the server: launch, limit, stop, re-attach, follow logs,
and end each run's whole process tree. Areas use the async port of :mod:`.run`."""

from .files import atomic_write_json, read_json
from .limits import DiskQuota, RunPolicy
from .logs import LogChunk, read_log
from .process import (
    ProcessSpec,
    RunState,
    end_tree,
    launch,
    process_alive,
    read_state,
    set_default_policy,
    stop,
)
from .run import DockerRuns, LocalRuns, Run

__all__ = [
    "DiskQuota",
    "DockerRuns",
    "LocalRuns",
    "LogChunk",
    "ProcessSpec",
    "Run",
    "RunPolicy",
    "RunState",
    "atomic_write_json",
    "end_tree",
    "launch",
    "process_alive",
    "read_json",
    "read_log",
    "read_state",
    "set_default_policy",
    "stop",
]
