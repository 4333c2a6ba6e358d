"""Cursor-based log reading: clients ask for "everything after byte N"."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MAX_CHUNK = 1 << 20


@dataclass(frozen=True)
class LogChunk:
    text: str
    next_cursor: int
    size: int  # bytes in the log now


def read_log(path: Path, cursor: int = 0, max_bytes: int = MAX_CHUNK) -> LogChunk:
    """Read from ``cursor``; stop at the last complete line so no line is split."""
    try:
        with path.open("rb") as f:
            f.seek(0, 2)
            size = f.tell()
            cursor = max(0, min(cursor, size))
            f.seek(cursor)
            data = f.read(max_bytes)
    except FileNotFoundError:
        return LogChunk("", 0, 0)
    if len(data) == max_bytes and b"\n" in data:
        data = data[: data.rindex(b"\n") + 1]
    return LogChunk(data.decode("utf-8", "replace"), cursor + len(data), size)


def tail_lines(path: Path, lines: int = 20, max_bytes: int = 64 * 1024) -> list[str]:
    """The last ``lines`` lines (for failure reasons)."""
    try:
        with path.open("rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - max_bytes))
            data = f.read()
    except FileNotFoundError:
        return []
    return data.decode("utf-8", "replace").splitlines()[-lines:]
