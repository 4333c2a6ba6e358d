"""Saving a processing job's outputs into the user's space, all or nothing.

Every output is first copied next to its destination under a hidden name, and
only when all of them are copied are they moved into place, so a job that
fails (or a server that dies) part-way never leaves outputs that look complete.
Blocking disk work: the runner calls it in a thread.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def staging_dir(destination: Path, job: str) -> Path:
    return destination.with_name(f".{destination.name}.{job}.partial")


def stage(sources: list[Path], destination: Path, job: str) -> Path:
    """Copy the sources' contents (every instance's output) into a hidden staging directory."""
    staging = staging_dir(destination, job)
    shutil.rmtree(staging, ignore_errors=True)  # left by an interrupted earlier attempt
    staging.mkdir(parents=True)
    try:
        for source in sources:
            if source.is_dir():
                shutil.copytree(source, staging, symlinks=True, dirs_exist_ok=True)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def publish(staging: Path, destination: Path) -> None:
    """Move a staged output into place; entries of an existing destination are replaced."""
    if not destination.exists():
        staging.rename(destination)
        return
    old = staging.with_name(staging.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    old.mkdir()
    for entry in sorted(staging.iterdir()):
        target = destination / entry.name
        if target.is_dir() and not target.is_symlink():
            target.rename(old / entry.name)
        os.replace(entry, target)
    shutil.rmtree(old)
    staging.rmdir()


def save_outputs(outputs: list[tuple[list[Path], Path]], job: str) -> None:
    """Stage every (sources, destination), then publish them all."""
    staged = []
    try:
        for sources, destination in outputs:
            staged.append((stage(sources, destination, job), destination))
    except OSError:
        for staging, _ in staged:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    for staging, destination in staged:
        publish(staging, destination)
