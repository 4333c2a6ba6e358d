"""Confine user-supplied paths to the server's root directory."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InvalidInput


def resolve_user_path(root: Path, path: str, *, field: str, within: str = "your directory") -> Path:
    """The absolute path of ``path`` (relative to ``root``), refusing escapes.

    Symlinks are resolved first, so a link pointing outside the root is refused
    like ``../``. Absolute paths are accepted only when they lie inside the root.
    ``within`` names the root in messages (an admin's data root is not "your directory").
    """
    if not path or "\x00" in path:
        raise InvalidInput(f"{field}: a file path is required", field=field)
    candidate = Path(os.path.expanduser(path))
    if not candidate.is_absolute():
        candidate = root / candidate
    resolved = candidate.resolve()
    root_resolved = root.resolve()
    if resolved != root_resolved and root_resolved not in resolved.parents:
        raise InvalidInput(
            f"{field}: '{path}' is outside {within}; use a path below it", field=field
        )
    return resolved


def relative_to_root(root: Path, path: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix()
