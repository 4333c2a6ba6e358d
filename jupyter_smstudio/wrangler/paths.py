"""User paths in the Data Wrangler: the one rule of ``jupyter_smstudio.paths``, in its words."""

from __future__ import annotations

from pathlib import Path

from ..paths import confine, relative_to_root

__all__ = ["relative_to_root", "resolve_user_path"]


def resolve_user_path(
    root: Path, path: str, *, field: str, within: str = "your directory", spaces: bool = True
) -> Path:
    """The absolute path of ``path`` (relative to ``root``, or ``file://``), refusing escapes.

    ``within`` names the root in messages (an admin's data root is not "your directory");
    paths in the caller's spaces are accepted too unless ``spaces`` is False.
    """
    return confine(root, path, field, within=within, spaces=spaces)
