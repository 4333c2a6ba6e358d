"""The one rule for every path a user names: a 400 naming the field, or a path inside a root.

Training, processing, hosting and the Data Wrangler all check paths here, so a NUL byte,
a name longer than the file system allows, a ``file://`` URL or an empty string is answered
the same way everywhere, before anything is created, instead of failing later in ``open``
or ``mkdir`` with a 500.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlparse

from .errors import InvalidInput

#: Longest path the kernel accepts (Linux PATH_MAX, bytes).
PATH_MAX = 4096
#: Longest file or directory name when the file system does not say (bytes).
NAME_MAX = 255
FILE_URL = "file://"


def is_remote(value: str) -> bool:
    """An fsspec URL (s3://, gs://, ...) rather than a path on the server (file:// is local)."""
    scheme = urlparse(value).scheme
    return len(scheme) > 1 and scheme != "file"


@functools.lru_cache(maxsize=64)
def name_max(root: Path) -> int:
    """The longest name the file system under ``root`` allows."""
    try:
        return int(os.pathconf(root, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return NAME_MAX


def check_path_text(value: str, field: str, *, longest_name: int = NAME_MAX) -> str:
    """``value`` if it can name a file at all: not empty, no NUL, names and length in limits."""
    if not value.strip():
        raise InvalidInput(f"{field}: a path is required.", field=field)
    if "\x00" in value:
        raise InvalidInput(f"{field}: a path cannot contain a NUL byte.", field=field)
    try:
        encoded = os.fsencode(value)
    except UnicodeError as err:
        raise InvalidInput(f"{field}: the path is not valid text.", field=field) from err
    if len(encoded) > PATH_MAX:
        raise InvalidInput(
            f"{field}: the path is {len(encoded)} bytes long; at most {PATH_MAX} are allowed.",
            field=field,
        )
    for name in encoded.split(b"/"):
        if len(name) > longest_name:
            shown = os.fsdecode(name[:24])
            raise InvalidInput(
                f"{field}: the name '{shown}…' is {len(name)} bytes long; a file or directory "
                f"name may have at most {longest_name}.",
                field=field,
            )
    return value


def confine(
    root: Path,
    value: str,
    field: str,
    *,
    must_exist: bool = False,
    extra_roots: Sequence[Path] = (),
    within: str = "your space",
) -> Path:
    """``value`` (relative to ``root``, absolute, ``~``, or ``file://``) resolved inside a root.

    Symlinks are resolved first, so a link pointing out of the roots is refused like
    ``..``. ``within`` names the roots in messages (a data root is not "your space").
    """
    raw = value.removeprefix(FILE_URL)
    check_path_text(raw, field, longest_name=name_max(root))
    path = Path(os.path.expanduser(raw))
    try:
        resolved = (path if path.is_absolute() else root / path).resolve()
        roots = [r.resolve() for r in (root, *extra_roots)]
    except (OSError, RuntimeError) as err:  # a symlink loop, an unreadable directory
        raise InvalidInput(f"{field}: '{value}' cannot be resolved: {err}", field=field) from err
    if not any(resolved == r or r in resolved.parents for r in roots):
        raise InvalidInput(
            f"{field}: '{value}' is outside {within}; use a path below it.", field=field
        )
    check_path_text(str(resolved), field, longest_name=name_max(root))
    if must_exist and not _exists(resolved):
        raise InvalidInput(f"{field}: '{value}' does not exist.", field=field)
    return resolved


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # e.g. a directory on the way that may not be searched
        return False


def relative_to_root(root: Path, path: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix()
