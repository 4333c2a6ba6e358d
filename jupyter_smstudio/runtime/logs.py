"""Cursor-based log reading: clients ask for "everything after byte N"."""

from __future__ import annotations

import os
import threading
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


class CappedLog:
    """The log a supervisor appends a run's output to, at most ``max_bytes`` per run.

    Past the cap it keeps the head (the first half: how the run started) and the tail
    (the last quarter to half: how it ended), with a line in between that says how
    many bytes were dropped. The middle is dropped in place when the run's part of
    the file reaches the cap: the tail moves up behind the head and the file is cut,
    so its size stays bounded whatever the run writes, and what the log held before
    the run (an earlier run's part) is never touched. Readers following the log by
    cursor see its size go down: ``read_log`` clamps their cursor, so they go on
    from the end having missed only dropped bytes. One writer only: the supervisor.
    """

    def __init__(self, path: Path, max_bytes: int | None) -> None:
        path.touch()
        self.file = path.open("r+b", buffering=0)
        self.base = self.file.seek(0, 2)
        self.max_bytes = max_bytes
        self.head_end: int | None = None  # where the kept head ends (then the marker)
        self.tail_start = 0  # where the kept tail starts, after the marker
        self.dropped = 0
        self._lock = threading.Lock()  # the output pump and the supervisor's own notes

    def write(self, data: bytes) -> None:
        with self._lock:
            view = memoryview(data)
            while view:
                view = view[self.file.write(view) or 0 :]
            if self.max_bytes and self.file.tell() - self.base > self.max_bytes:
                self._drop_middle(self.max_bytes)

    def close(self) -> None:
        self.file.close()

    def _drop_middle(self, cap: int) -> None:
        fd = self.file.fileno()
        end = self.file.tell()
        if self.head_end is None:  # the head ends with the last full line of its half
            self.head_end = self.tail_start = self._line_start(self.base + cap // 2, back=True)
        cut = self._line_start(end - cap // 4, back=False)
        self.dropped += cut - self.tail_start
        marker = (
            f"\n… {self.dropped} bytes dropped (a run's log keeps at most {cap} bytes: "
            "its first and last lines) …\n"
        ).encode()
        os.pwrite(fd, marker, self.head_end)
        self.tail_start = self.head_end + len(marker)
        for offset in range(0, end - cut, MAX_CHUNK):  # forward: the target is before the source
            chunk = os.pread(fd, min(MAX_CHUNK, end - cut - offset), cut + offset)
            os.pwrite(fd, chunk, self.tail_start + offset)
        self.file.truncate(self.tail_start + end - cut)
        self.file.seek(0, 2)

    def _line_start(self, offset: int, *, back: bool) -> int:
        """The start of the line at ``offset`` (``back``) or of the next one; ``offset``
        itself when no newline is near (one very long line is cut where it must be)."""
        fd = self.file.fileno()
        if back:
            size = min(MAX_CHUNK, offset - self.base)
            window = os.pread(fd, size, offset - size)
            newline = window.rfind(b"\n")
            return offset - len(window) + newline + 1 if newline >= 0 else offset
        window = os.pread(fd, MAX_CHUNK, offset)
        newline = window.find(b"\n")
        return offset + newline + 1 if 0 <= newline < len(window) - 1 else offset
