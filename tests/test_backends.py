"""Backends are found by name: ours without metadata, another package's by entry point."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyter_smstudio.errors import InvalidInput
from jupyter_smstudio.hosting.backends import DockerBackend as HostingDocker
from jupyter_smstudio.jobs.backends import DockerBackend, LocalBackend
from jupyter_smstudio.runtime.backends import available, load

from .conftest import ApiCall
from .training_helpers import finished, full_log, write


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


PLUGIN = """
from jupyter_smstudio.jobs.backends import LocalBackend
from jupyter_smstudio.spaces.backends.local import LocalSpaceBackend

STARTED = []


class FakeJobBackend(LocalBackend):
    name = "fake"

    async def start(self, plan):
        STARTED.append(plan.id)
        return await super().start(plan)


class FakeSpaceBackend(LocalSpaceBackend):
    name = "fake"
"""


def install_plugin(root: Path) -> None:
    """A real distribution registering a job and a space backend called 'fake'."""
    root.mkdir()
    (root / "fakebackends.py").write_text(PLUGIN)
    info = root / "fakebackends-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fakebackends\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[jupyter_smstudio.backends]\n"
        "jobs.fake = fakebackends:FakeJobBackend\n"
        "spaces.fake = fakebackends:FakeSpaceBackend\n"
    )


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    install_plugin(tmp_path / "plugin")
    monkeypatch.syspath_prepend(str(tmp_path / "plugin"))
    yield
    sys.modules.pop("fakebackends", None)


async def submit(api: ApiCall, root: Path, name: str, backend: str) -> Any:
    """A training job printing 'hello from <backend>' on ``backend``."""
    write(root, "hello.py", f"print('hello from {backend}')\n")
    body = {"name": name, "entry_point": "hello.py", "backend": backend}
    return await api("POST", "training-jobs", body)


class TestInstalledBackendsChosenByName:
    """Jobs (per request) and spaces (the admin's trait) take an installed backend's name."""

    @pytest.fixture
    def jp_server_config(self, jp_server_config: dict[str, Any], plugin: None) -> dict[str, Any]:
        return {**jp_server_config, "SpaceService": {"backend_class": "fake"}}

    async def test_a_job_runs_on_the_backend_it_names(
        self, api: ApiCall, jp_root_dir: Path, jp_serverapp: Any
    ) -> None:
        created = await submit(api, jp_root_dir, "onfake", "fake")
        assert created.status == 201, created.json
        job = await finished(api, "onfake")
        assert job["status"] == "Completed", job
        assert job["backend"] == "fake"
        assert len(sys.modules["fakebackends"].STARTED) == 1
        assert "hello from fake" in await full_log(api, "onfake")

    async def test_an_unknown_backend_is_a_400_naming_the_choices(
        self, api: ApiCall, jp_root_dir: Path, jp_serverapp: Any
    ) -> None:
        reply = await submit(api, jp_root_dir, "onray", "ray")
        assert reply.status == 400, reply.json
        assert reply.error["field"] == "backend"
        for name in ("ray", "local", "docker", "fake"):
            assert name in reply.error["message"]
        assert (await api("GET", "training-jobs/onray")).status == 404
        path = "jupyter_smstudio.jobs.backends.docker.DockerBackend"
        reply = await submit(api, jp_root_dir, "onray", path)  # names only, no import paths
        assert reply.status == 400, reply.json
        assert reply.error["field"] == "backend"

    async def test_a_space_runs_on_the_backend_the_admin_names(
        self, api: ApiCall, jp_serverapp: Any
    ) -> None:
        reply = await api("POST", "spaces", {"name": "s1"})
        assert reply.status == 201, reply.json
        assert reply.json["backend"] == "fake"
        assert reply.json["status"] == "InService"
        backend = jp_serverapp.web_app.settings["smstudio_services"].spaces.backend
        assert type(backend).__name__ == "FakeSpaceBackend"
