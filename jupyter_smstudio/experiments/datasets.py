"""A job's inputs as MLflow datasets: each channel (or processing input) with its URI and
a digest of the data the job read.

The digest is of what the job saw: a local channel's files, or the copy of an
``s3://`` channel the job was given, so two runs on the same data have the same
digest whichever URI named it. Files are hashed whole up to ``CONTENT_BYTES`` in all;
past that only names and sizes count (a digest must not cost a second read of a
huge dataset).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..jobs.repository import StoredJob
from ..jobs.runner import JobRunner

CONTENT_BYTES = 1 << 30
#: MLflow's dataset digests are short (at most 36 characters).
DIGEST_CHARS = 16
_CHUNK = 1 << 20


def _files(place: Path | None) -> list[tuple[str, Path]]:
    if place is None or not place.exists():
        return []
    if place.is_file():
        return [(place.name, place)]
    return [(f.relative_to(place).as_posix(), f) for f in sorted(place.rglob("*")) if f.is_file()]


def digest(place: Path | None, uri: str) -> str:
    """The data's digest (of ``uri`` alone where the job's copy is gone)."""
    h = hashlib.sha256()
    files = _files(place)
    budget = CONTENT_BYTES
    for name, file in files:
        size = file.stat().st_size
        h.update(f"{name}\0{size}\0".encode())
        if size <= budget:
            budget -= size
            with file.open("rb") as f:
                while chunk := f.read(_CHUNK):
                    h.update(chunk)
    if not files:
        h.update(uri.encode())
    return h.hexdigest()[:DIGEST_CHARS]


def _place(runner: JobRunner, job: StoredJob, name: str, uri: str) -> Path | None:
    """Where the job's data for input ``name`` (from ``uri``) is on this machine."""
    if uri.startswith("s3://"):
        copies = [runner.job_dir(job.owner, job.name) / "channels" / name]
        copies += [tree / "input" / "data" / name for tree in runner.trees(job.owner, job.name, 1)]
        return next((c for c in copies if c.exists()), None)
    if "://" in uri and not uri.startswith("file://"):
        return None
    return Path(runner.root) / uri.removeprefix("file://")


def inputs(job: StoredJob) -> list[tuple[str, str]]:
    """(input name, URI) of each of the job's inputs."""
    spec = job.spec
    if job.kind == "training":
        return [(n, str(c.get("path", ""))) for n, c in (spec.get("channels") or {}).items()]
    if job.kind == "processing":
        return [(str(i.get("input_name")), str(i.get("source"))) for i in spec.get("inputs") or []]
    if job.kind == "transform":
        source = (spec.get("transform_input") or {}).get("data_source")
        return [("input", str(source))] if source else []
    return []


def dataset_inputs(runner: JobRunner, job: StoredJob) -> list[dict[str, Any]]:
    """MLflow's ``runs/log-inputs`` entries for the job (blocking: reads the data)."""
    entries = []
    for name, uri in inputs(job):
        if not uri:
            continue
        source_type = "s3" if uri.startswith("s3://") else "local"
        dataset = {
            "name": name,
            "digest": digest(_place(runner, job, name, uri), uri),
            "source_type": source_type,
            "source": json.dumps({"uri": uri}),
        }
        tags = [{"key": "mlflow.data.context", "value": name}]
        entries.append({"tags": tags, "dataset": dataset})
    return entries
