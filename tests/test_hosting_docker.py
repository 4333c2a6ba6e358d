"""Endpoints on the Docker backend: a container serving 8080, published on 127.0.0.1 only."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .conftest import ApiCall
from .hosting_models import model_tree, stop_all_instances
from .test_hosting_endpoints import invoke, wait_status

IMAGE = "smstudio-base:py311"


def docker_ready() -> str | None:
    if shutil.which("docker") is None:
        return "no docker client"
    if subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        return "no Docker engine running (bash scripts/docker-setup.sh starts one)"
    if subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True).returncode:
        return f"image {IMAGE} missing (bash scripts/docker-setup.sh builds it)"
    return None


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(docker_ready() is not None, reason=str(docker_ready())),
    pytest.mark.usefixtures("jp_serverapp"),
]


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {
        **jp_server_config,
        "Hosting": {
            "backend_class": "jupyter_smstudio.hosting.backends.DockerBackend",
            "drain_seconds": 2,
        },
    }


def containers() -> list[dict[str, Any]]:
    out = subprocess.run(
        ["docker", "ps", "--format", "{{json .}}", "--filter", "name=smstudio-endpoint-"],
        capture_output=True,
        text=True,
    ).stdout
    return [json.loads(line) for line in out.splitlines()]


async def test_endpoint_in_a_container(
    api: ApiCall, jp_fetch: Any, jp_root_dir: Path, tmp_path: Path
) -> None:
    model_tree(jp_root_dir / "m")
    assert (
        await api(
            "POST", "models", {"name": "m", "model_data": "m", "instance_type": "ml.t3.medium"}
        )
    ).status == 201
    try:
        reply = await api(
            "POST", "endpoints", {"name": "dock", "variants": [{"model_name": "m", "workers": 2}]}
        )
        assert reply.status == 201
        endpoint = (await wait_status(api, "dock", "InService", "Failed", timeout=120)).json
        assert endpoint["status"] == "InService", endpoint
        instance = endpoint["variants"][0]["instances"][0]
        assert instance["backend"] == "docker"
        assert instance["address"].startswith("127.0.0.1:")
        (running,) = [c for c in containers() if "dock" in c["Names"]]
        assert "127.0.0.1:" in running["Ports"]
        assert "->8080/tcp" in running["Ports"]
        assert "0.0.0.0" not in running["Ports"]
        r = await invoke(jp_fetch, "dock", b"1,1,1")
        assert r.code == 200
        assert json.loads(r.body) == [6.0]
        limits = subprocess.run(
            [
                "docker",
                "inspect",
                "--format",
                "{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}}",
                running["Names"],
            ],
            capture_output=True,
            text=True,
        ).stdout.split()
        assert limits == [str(2 * 10**9), str(4 * 1024**3)]  # the profile's 2 CPUs, 4 GiB
        assert (await api("DELETE", "endpoints/dock")).status == 204
        from .servers import wait_until

        wait_until(
            lambda: not [c for c in containers() if "dock" in c["Names"]], 30, "the container to go"
        )
    finally:
        stop_all_instances(tmp_path / "smstudio")


async def test_requirements_are_installed_in_the_container(
    api: ApiCall, jp_fetch: Any, jp_root_dir: Path, tmp_path: Path
) -> None:
    from .test_hosting_requirements import scaled_model

    scaled_model(jp_root_dir / "scaled")
    body = {"name": "scaled", "model_data": "scaled", "instance_type": "ml.t3.medium"}
    assert (await api("POST", "models", body)).status == 201
    try:
        variants = [{"model_name": "scaled", "workers": 1}]
        assert (
            await api("POST", "endpoints", {"name": "dock-req", "variants": variants})
        ).status == 201
        endpoint = (await wait_status(api, "dock-req", "InService", "Failed", timeout=180)).json
        log = (await api("GET", "endpoints/dock-req/logs")).json["text"]
        assert endpoint["status"] == "InService", (endpoint, log)
        assert "Successfully installed smstudio" in log
        r = await invoke(jp_fetch, "dock-req", b"1,2,3")
        assert r.code == 200, r.body
        assert json.loads(r.body) == [60.0]
        # built by the container's Python, kept on the server's disk for the next container
        (built,) = (tmp_path / "smstudio" / "venvs" / "docker").glob("*/.complete")
        assert (built.parent / "bin" / "python").is_symlink()
    finally:
        stop_all_instances(tmp_path / "smstudio")
