"""Detached processes that outlive the server: launch, limit, stop, re-attach, follow logs."""

from .files import atomic_write_json, read_json
from .logs import LogChunk, read_log
from .process import ProcessSpec, RunState, launch, process_alive, read_state, stop

__all__ = [
    "LogChunk",
    "ProcessSpec",
    "RunState",
    "atomic_write_json",
    "launch",
    "process_alive",
    "read_json",
    "read_log",
    "read_state",
    "stop",
]
