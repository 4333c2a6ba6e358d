"""Inputs given as fsspec URLs (s3://...): copied to the job's disk before it starts."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path


def fetch_remote(url: str, destination: Path) -> Path:
    """Copy ``url`` into ``destination`` (blocking: call in a thread)."""
    fsspec = importlib.import_module("fsspec")
    if destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    fs, _, paths = fsspec.get_fs_token_paths(url)
    source = paths[0]
    if fs.isdir(source):  # the prefix's contents become the input, as SageMaker copies them
        fs.get(source.rstrip("/") + "/", f"{destination}/", recursive=True)
    else:
        fs.get(source, str(destination / source.rstrip("/").rsplit("/", 1)[-1]))
    return destination
