"""Backends are found by name: ours without metadata, another package's by entry point."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from jupyter_smstudio.errors import InvalidInput
from jupyter_smstudio.hosting.backends import DockerBackend as HostingDocker
from jupyter_smstudio.jobs.backends import DockerBackend, LocalBackend
from jupyter_smstudio.runtime.backends import available, load


def test_builtin_backends_by_name() -> None:
    assert load("jobs", "local", "backend") is LocalBackend
    assert load("jobs", "docker", "backend") is DockerBackend
    assert load("hosting", "docker", "backend_class") is HostingDocker


def test_backend_by_import_path() -> None:
    path = "jupyter_smstudio.jobs.backends.docker.DockerBackend"
    assert load("jobs", path, "backend") is DockerBackend


def test_unknown_backend_names_the_field() -> None:
    with pytest.raises(InvalidInput) as err:
        load("jobs", "ray", "backend")
    assert err.value.field == "backend"
    assert "ray" in str(err.value)
    assert "docker" in str(err.value)


def test_third_party_backend_found_through_the_entry_point_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real distribution on sys.path (a dist-info importlib.metadata reads)."""
    (tmp_path / "raybackend.py").write_text(
        "from jupyter_smstudio.jobs.backends import LocalBackend\n"
        "class RayBackend(LocalBackend):\n    name = 'ray'\n"
    )
    info = tmp_path / "raybackend-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: raybackend\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[jupyter_smstudio.backends]\njobs.ray = raybackend:RayBackend\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "ray" in available("jobs")
    cls = load("jobs", "ray", "backend")
    assert cls.__name__ == "RayBackend"
    assert issubclass(cls, LocalBackend)
    sys.modules.pop("raybackend", None)
