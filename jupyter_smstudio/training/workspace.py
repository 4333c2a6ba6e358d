"""Files of a job on the server's disk: the ``/opt/ml`` trees before, the artifacts after.

Everything here blocks on disk, so the service calls it through ``asyncio.to_thread``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tarfile
from pathlib import Path
from typing import Any

from ..runtime.files import atomic_write_json

#: What never belongs in a job's code copy.
IGNORED = shutil.ignore_patterns(".git", "__pycache__", ".ipynb_checkpoints", "*.pyc")
STAGE_FILE = ".stage"
LAUNCH_FILE = ".launch.json"
TREE_DIRS = (
    "code",
    "model",
    "input/config",
    "input/data",
    "output/data",
    "output/intermediate",
    "checkpoints",
)


def make_tree(tree: Path, code_from: Path | None, entry_file: Path | None) -> None:
    """The directories of ``/opt/ml`` and a private copy of the code (as SageMaker uploads it)."""
    for sub in TREE_DIRS:
        (tree / sub).mkdir(parents=True, exist_ok=True)
    if code_from is not None:
        shutil.copytree(code_from, tree / "code", ignore=IGNORED, dirs_exist_ok=True)
    elif entry_file is not None:
        shutil.copy2(entry_file, tree / "code" / entry_file.name)


def write_config(tree: Path, files: dict[str, Any], launch: dict[str, Any] | None) -> None:
    for name, document in files.items():
        atomic_write_json(tree / "input" / "config" / name, document)
    if launch is not None:
        atomic_write_json(tree / LAUNCH_FILE, launch)


def restore_checkpoints(tree: Path, checkpoint: Path | None) -> None:
    if checkpoint is not None and checkpoint.is_dir():
        shutil.copytree(checkpoint, tree / "checkpoints", dirs_exist_ok=True)


def save_checkpoints(tree: Path, checkpoint: Path | None, settled_before: float | None) -> int:
    """Copy new or changed files of ``checkpoints/`` to ``checkpoint``; how many were copied.

    While the job runs (as SageMaker syncs checkpoints to S3 during training), only
    files not modified since ``settled_before`` are copied, so one being written is
    taken on a later pass; each copy lands under a temporary name and is renamed, so
    the destination never holds half a file. ``None`` copies everything (the job ended).
    """
    source = tree / "checkpoints"
    if checkpoint is None or not source.is_dir():
        return 0
    copied = 0
    for path in source.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        stat = path.stat()
        if settled_before is not None and stat.st_mtime >= settled_before:
            continue
        target = checkpoint / path.relative_to(source)
        with contextlib.suppress(FileNotFoundError):
            saved = target.stat()
            if (saved.st_size, saved.st_mtime_ns) == (stat.st_size, stat.st_mtime_ns):
                continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        shutil.copy2(path, partial)
        os.replace(partial, target)
        copied += 1
    return copied


def read_stages(tree: Path) -> list[tuple[str, int]]:
    """Stages the launcher has reached, with their times."""
    try:
        text = (tree / STAGE_FILE).read_text()
    except FileNotFoundError:
        return []
    stages = []
    for line in text.splitlines():
        name, _, ms = line.partition(" ")
        with contextlib.suppress(ValueError):
            stages.append((name, int(ms)))
    return stages


def _pack(archive: Path, sources: list[Path]) -> None:
    """A gzipped tar of the sources' contents, files at the archive root."""
    tmp = archive.with_name(f".{archive.name}.tmp")
    with tarfile.open(tmp, "w:gz") as tar:
        for source in sources:
            if source.is_dir():
                for entry in sorted(source.iterdir()):
                    tar.add(entry, arcname=entry.name)
    os.replace(tmp, archive)


def pack_artifacts(trees: list[Path], destination: Path) -> dict[str, Path]:
    """``model.tar.gz`` (every host's model/) and ``output.tar.gz`` (output/data)."""
    destination.mkdir(parents=True, exist_ok=True)
    model = destination / "model.tar.gz"
    output = destination / "output.tar.gz"
    _pack(model, [t / "model" for t in trees])
    _pack(output, [t / "output" / "data" for t in trees])
    return {"model": model, "output": output}
