"""Users' paths, confined to their space: every path a job names is checked here."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from urllib.parse import urlparse

from ..errors import InvalidInput


def is_remote(value: str) -> bool:
    """An fsspec URL (s3://, gs://, ...) rather than a path in the space."""
    scheme = urlparse(value).scheme
    return len(scheme) > 1 and scheme != "file"


def confine(root: Path, value: str, field: str, *, must_exist: bool = False) -> Path:
    """``value`` (relative to the space, absolute, or file://) resolved inside ``root``."""
    raw = value[len("file://") :] if value.startswith("file://") else value
    if not raw.strip():
        raise InvalidInput(f"{field}: a path is required.", field=field)
    path = Path(os.path.expanduser(raw))
    resolved = (path if path.is_absolute() else root / path).resolve()
    if resolved != root and root not in resolved.parents:
        raise InvalidInput(f"{field}: '{value}' is outside your space ({root}).", field=field)
    if must_exist and not resolved.exists():
        raise InvalidInput(f"{field}: '{value}' does not exist.", field=field)
    return resolved


def data_source(root: Path, value: str, where: str) -> Path | str:
    """A local path in the space (must exist), or an fsspec URL (fetched before the run)."""
    if not is_remote(value):
        return confine(root, value, where, must_exist=True)
    try:
        importlib.import_module("fsspec")
    except ImportError as err:
        raise InvalidInput(
            f"{where}: URLs like '{value}' need fsspec (and e.g. s3fs) installed on the server.",
            field=where,
        ) from err
    return value
