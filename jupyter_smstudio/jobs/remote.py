"""Inputs and outputs given as URLs (``s3://...``): fetched before a job starts, saved after.

``s3://`` goes to the server's own object store (the S3 area's buckets: the owner's
keys, their buckets only) through :class:`ObjectStore`; other fsspec URLs (``gs://``,
or ``s3://`` when no store is wired) go through fsspec with the server's credentials.
The runner does the copying when the job starts, not the request: a Create answers in
milliseconds whatever the data's size, its download shows as the job's
``Downloading`` status, and a job queued behind others reads the data as it is when
it runs, as SageMaker does.
"""

from __future__ import annotations

import importlib
import shutil
import tarfile
from pathlib import Path
from typing import Protocol


class ObjectStore(Protocol):
    """Object storage that jobs read inputs from and write outputs to, as their owner."""

    def handles(self, url: str) -> bool:
        """Whether ``url`` is this store's (``s3://...``)."""
        ...

    async def check(self, owner: str, url: str, field: str) -> None:
        """Refuse a URL ``owner`` may not use (a 403/404 naming ``field``), creating nothing."""
        ...

    async def fetch(
        self,
        owner: str,
        url: str,
        destination: Path,
        shard: tuple[int, int] | None = None,
        *,
        manifest: bool = False,
    ) -> list[Path]:
        """Copy the object or every object under the prefix into ``destination``;
        ``shard`` = (index, count): only every count-th object from index (ShardedByS3Key);
        ``manifest``: ``url`` is a manifest file, and the objects it lists are copied."""
        ...

    async def upload(self, owner: str, source: Path, url: str) -> None:
        """A file to the key ``url``, or a directory's files below the prefix ``url``."""
        ...


def fetch_remote(url: str, destination: Path) -> Path:
    """Copy ``url`` into ``destination`` with fsspec (blocking: call in a thread)."""
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


def upload_remote(source: Path, url: str) -> None:
    """Copy a file or directory to ``url`` with fsspec (blocking: call in a thread)."""
    fsspec = importlib.import_module("fsspec")
    fs, _, paths = fsspec.get_fs_token_paths(url)
    if source.is_dir():
        fs.put(f"{source}/", paths[0].rstrip("/") + "/", recursive=True)
    else:
        fs.put(str(source), paths[0])


ARCHIVES = (".tar.gz", ".tgz", ".tar")


def unpacked(directory: Path) -> Path:
    """The code in ``directory``: the SDK's ``sourcedir.tar.gz`` when it holds one archive
    (unpacked beside it, in ``code/``), else the directory itself (blocking)."""
    files = [p for p in directory.iterdir() if p.is_file()]
    if len(files) != 1 or not files[0].name.endswith(ARCHIVES):
        return directory
    target = directory / "code"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    with tarfile.open(files[0], "r:*") as tar:
        tar.extractall(target, filter="data")
    return target
