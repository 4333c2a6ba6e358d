"""Model artifacts: confine user paths, unpack ``model.tar.gz`` once, find the code.

Paths are relative to the server's root directory (the user's workspace); absolute
paths and symlinks must resolve inside the workspace or SM Studio's data directory
(where training jobs write their output). Archives are unpacked with tarfile's
``data`` filter (no absolute paths, no ``..``, no devices or links out) into a cache
keyed by the archive's path, size and mtime, so a redeploy reuses the unpacked copy.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidInput
from ..paths import confine

DEFAULT_PROGRAM = "inference.py"


def owner_key(owner: str) -> str:
    """A filesystem- and container-name-safe, collision-free form of an owner name."""
    safe = re.sub(r"[^a-z0-9]", "", owner.lower())[:20]
    return f"{safe}-{hashlib.sha256(owner.encode()).hexdigest()[:8]}"


@dataclass(frozen=True)
class PreparedModel:
    model_dir: Path
    code_dir: Path | None
    program: str
    requirements: Path | None = None  # code/requirements.txt, installed before serving


class Workspace:
    """Where user paths may point."""

    def __init__(self, root: Path, extra_roots: list[Path]) -> None:
        self.root = root.resolve()
        self.extra_roots = [r.resolve() for r in extra_roots]

    def resolve(self, path: str, field: str, *, must_exist: bool = True) -> Path:
        return confine(
            self.root, path, field, must_exist=must_exist, extra_roots=self.extra_roots,
            within="your workspace",
        )  # fmt: skip


def _unpack(archive: Path, cache: Path, field: str) -> Path:
    stat = archive.stat()
    key = hashlib.sha256(f"{archive}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:20]
    target = cache / key
    if (target / ".complete").exists():
        return target
    staging = cache / f".{key}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        with tarfile.open(archive, "r:*") as tar:
            tar.extractall(staging, filter="data")
    except (tarfile.TarError, OSError, EOFError) as err:
        shutil.rmtree(staging, ignore_errors=True)
        raise InvalidInput(
            f"{archive.name} is not a readable tar archive: {err}", field=field
        ) from err
    (staging / ".complete").touch()
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def prepare(
    workspace: Workspace,
    cache: Path,
    model_data: str,
    source_dir: str | None,
    entry_point: str | None,
) -> PreparedModel:
    """Blocking (unpacks archives): call it in a thread."""
    data = workspace.resolve(model_data, "model_data")
    if data.is_dir():
        model_dir = data
    elif data.name.endswith((".tar.gz", ".tgz", ".tar")):
        model_dir = _unpack(data, cache, "model_data")
    else:
        raise InvalidInput("model_data must be a model.tar.gz or a directory", field="model_data")
    program = entry_point or DEFAULT_PROGRAM
    if source_dir is not None:
        resolved = workspace.resolve(source_dir, "source_dir")
        if not resolved.is_dir():
            raise InvalidInput(f"{source_dir} is not a directory", field="source_dir")
        code_dir: Path | None = resolved
    else:
        code_dir = model_dir / "code" if (model_dir / "code").is_dir() else None
    if entry_point and (code_dir is None or not (code_dir / program).is_file()):
        raise InvalidInput(
            f"entry point {program} not found in {code_dir or 'model/code'}", field="entry_point"
        )
    requirements = code_dir / "requirements.txt" if code_dir is not None else None
    if requirements is not None and not requirements.is_file():
        requirements = None
    return PreparedModel(model_dir, code_dir, program, requirements)
