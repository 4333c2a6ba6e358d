"""Atomic file writes (a reader sees the old file or the new one, never half of one),
and owner-only modes for state that holds other people's secrets.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: SM Studio's state (job specs with their environment, keys) is its user's alone.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, payload: Any) -> None:
    atomic_write_bytes(path, json.dumps(payload, indent=1, sort_keys=True).encode())


def read_json(path: Path) -> Any:
    """The JSON in ``path``, or None when it does not exist (yet)."""
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError:
        return None


def restrict(path: Path, mode: int) -> None:
    """Take away every permission ``mode`` does not grant (a stricter mode is kept)."""
    current = stat.S_IMODE(path.stat().st_mode)
    if not current & ~mode:
        return
    try:
        path.chmod(current & mode)
    except PermissionError:
        log.warning("SM Studio: %s is mode %o and cannot be restricted to %o", path, current, mode)
        return
    log.warning("SM Studio: %s was mode %o; now %o (owner only)", path, current, current & mode)


def private_dir(path: Path) -> None:
    """Create ``path`` for its owner only, or take other users' access to it away."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    restrict(path, PRIVATE_DIR_MODE)


def private_file(path: Path) -> None:
    """Create ``path`` empty for its owner only, or take other users' access to it away."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        restrict(path, PRIVATE_FILE_MODE)
    else:
        os.close(fd)
