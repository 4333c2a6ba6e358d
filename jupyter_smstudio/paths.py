"""The one rule for every path a user names: a 400 naming the field, or a path inside a root.

Training, processing, hosting and the Data Wrangler all check paths here, so a NUL byte,
a name longer than the file system allows, a ``file://`` URL or an empty string is answered
the same way everywhere, before anything is created, instead of failing later in ``open``
or ``mkdir`` with a 500.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from .errors import InvalidInput

#: Longest path the kernel accepts (Linux PATH_MAX, bytes).
PATH_MAX = 4096
#: Longest file or directory name when the file system does not say (bytes).
NAME_MAX = 255
FILE_URL = "file://"


@dataclass(frozen=True)
class SpaceRoot:
    """The files of a space the caller may use: its name (for messages) and its directory."""

    name: str
    path: Path


#: The spaces the current request or job may use paths in, besides its roots. Set per
#: request (the REST handler, for its user) and per job (the runner, for its owner).
_SPACE_ROOTS: ContextVar[tuple[SpaceRoot, ...]] = ContextVar("smstudio_space_roots", default=())


def set_space_roots(roots: Sequence[SpaceRoot]) -> None:
    """For the rest of this task (one request): paths inside these spaces are accepted too."""
    _SPACE_ROOTS.set(tuple(roots))


@contextmanager
def space_roots(roots: Sequence[SpaceRoot]) -> Iterator[None]:
    """Within the block: paths inside these spaces (and no others) are accepted too."""
    token = _SPACE_ROOTS.set(tuple(roots))
    try:
        yield
    finally:
        _SPACE_ROOTS.reset(token)


def current_space_roots() -> tuple[SpaceRoot, ...]:
    return _SPACE_ROOTS.get()


#: Directories holding every space's volume (the space service registers its own): a
#: root such as the data directory contains them, yet only the caller's spaces are theirs.
_PRIVATE_DIRS: list[Path] = []


def keep_spaces_private(spaces_dir: Path) -> None:
    """Paths below ``spaces_dir`` are accepted only inside the caller's spaces."""
    resolved = spaces_dir.resolve()
    if resolved not in _PRIVATE_DIRS:
        _PRIVATE_DIRS.append(resolved)


def _in_private_dir(path: Path) -> bool:
    return any(path == d or d in path.parents for d in _PRIVATE_DIRS)


def _space_of(path: Path, spaces: Sequence[tuple[SpaceRoot, Path]]) -> SpaceRoot | None:
    return next((s for s, r in spaces if path == r or r in path.parents), None)


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
    within: str = "the server's root directory",
    spaces: bool = True,
) -> Path:
    """``value`` (relative to ``root``, absolute, ``~``, or ``file://``) resolved inside a root
    or inside one of the spaces the caller may use (``set_space_roots``; ``spaces=False``
    when ``root`` is a narrower place, e.g. a job's code directory).

    Symlinks are resolved first, so a link pointing out of the roots is refused like
    ``..``. ``within`` names the roots in messages (a data root is not "your space");
    spaces are named by their names.
    """
    raw = value.removeprefix(FILE_URL)
    check_path_text(raw, field, longest_name=name_max(root))
    path = Path(os.path.expanduser(raw))
    try:
        resolved = (path if path.is_absolute() else root / path).resolve()
        roots = [r.resolve() for r in (root, *extra_roots)]
        usable = [(s, s.path.resolve()) for s in current_space_roots()] if spaces else []
    except (OSError, RuntimeError) as err:  # a symlink loop, an unreadable directory
        raise InvalidInput(f"{field}: '{value}' cannot be resolved: {err}", field=field) from err
    space = _space_of(resolved, usable)
    inside = [r for r in roots if resolved == r or r in resolved.parents]
    # A root inside a space's volume (a job's code directory, found in the caller's space
    # already) is that narrower place: only a wider root must not reach into the volumes.
    private = _in_private_dir(resolved) and not any(_in_private_dir(r) for r in inside)
    if space is None and (not inside or private):
        names = ", ".join(f"'{s.name}'" for s, _ in usable)
        where = (
            f"{within} and your spaces ({names}); use a path below one of them"
            if names
            else f"{within}; use a path below it"
        )
        raise InvalidInput(f"{field}: '{value}' is outside {where}.", field=field)
    check_path_text(str(resolved), field, longest_name=name_max(root))
    if must_exist and not _exists(resolved):
        place = f" in space '{space.name}'" if space is not None else ""
        raise InvalidInput(f"{field}: '{value}' does not exist{place}.", field=field)
    return resolved


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # e.g. a directory on the way that may not be searched
        return False


def relative_to_root(root: Path, path: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix()
