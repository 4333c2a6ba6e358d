"""Endpoints on the Docker backend: a container serving 8080, published on 127.0.0.1 only;
a killed container is replaced, one left starting by a server crash is adopted."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from jupyter_smstudio.client import Client

from .conftest import ApiCall
from .hosting_models import GATED, model_tree, processes_using, stop_all_instances
from .servers import ServerProcess, crash, wait_until
from .test_hosting_endpoints import invoke, until, wait_status
from .test_hosting_replacement import dies_and_is_replaced
from .test_hosting_restart import in_service

IMAGE = "smstudio-base:py311"
DOCKER_BACKEND = "jupyter_smstudio.hosting.backends.DockerBackend"


def docker_ready() -> str | None:
    if shutil.which("docker") is None:
        return "no docker client"
    if subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        return "no Docker engine running (bash scripts/docker-setup.sh starts one)"
    if subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True).returncode:
        return f"image {IMAGE} missing (bash scripts/docker-setup.sh builds it)"
    return None


#: Slow, skipped without a Docker engine and the image; shared by the Docker test modules.
DOCKER_MARKS = [
    pytest.mark.slow,
    pytest.mark.skipif(docker_ready() is not None, reason=str(docker_ready())),
    pytest.mark.usefixtures("jp_serverapp"),
]
pytestmark = DOCKER_MARKS


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {
        **jp_server_config,
        "Hosting": {
            "backend_class": DOCKER_BACKEND,
            "drain_seconds": 2,
        },
    }


def containers(endpoint: str = "") -> list[dict[str, Any]]:
    """Running endpoint containers (of ``endpoint``: its name is in theirs)."""
    out = subprocess.run(
        ["docker", "ps", "--format", "{{json .}}", "--filter", "name=smstudio-endpoint-"],
        capture_output=True,
        text=True,
    ).stdout
    found = [json.loads(line) for line in out.splitlines()]
    return [c for c in found if f"-{endpoint}-" in c["Names"]] if endpoint else found


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


async def test_a_killed_container_is_replaced(
    api: ApiCall, jp_fetch: Any, jp_root_dir: Path, tmp_path: Path
) -> None:
    def docker_kill(instance: dict[str, Any]) -> None:
        subprocess.run(["docker", "kill", f"smstudio-endpoint-{instance['id']}"], check=True)

    try:
        after = await dies_and_is_replaced(
            api, jp_fetch, jp_root_dir, docker_kill, instance_type="ml.t3.medium"
        )
        (running,) = containers("phoenix")
        assert running["Names"] == f"smstudio-endpoint-{after['variants'][0]['instances'][0]['id']}"
        assert (await api("DELETE", "endpoints/phoenix")).status == 204
        await until(
            lambda: asyncio.to_thread(
                lambda: not containers("phoenix") and not processes_using(tmp_path)
            ),
            60,
            "no container or process of the endpoint left",
        )
    finally:
        stop_all_instances(tmp_path / "smstudio")


def test_a_container_that_got_ready_while_the_server_was_down_is_adopted(tmp_path: Path) -> None:
    model = model_tree(tmp_path / "root" / "m", code=GATED)
    data = tmp_path / "smstudio"
    args = (f"--Hosting.backend_class={DOCKER_BACKEND}", "--Hosting.drain_seconds=2")
    server = ServerProcess(tmp_path, extra_args=args).start()
    try:
        client = Client(server.url, server.token)
        client.create_model("m", "m", instance_type="ml.t3.medium")
        client.create_endpoint("crashdock", variants=[{"model_name": "m", "workers": 1}])
        log = wait_until(lambda: next(data.rglob("output.log"), None), 60, "the instance's log")
        (first,) = wait_until(lambda: containers("crashdock"), 120, "the container")
        crash(server)
        (model / "go").touch()  # the model loads while no server watches
        wait_until(lambda: "Model server ready" in log.read_text(), 120, "the model to load")
        with ServerProcess(tmp_path, extra_args=args) as restarted:
            client = Client(restarted.url, restarted.token)
            endpoint = in_service(client, "crashdock", 120)
            (running,) = containers("crashdock")
            assert running["ID"] == first["ID"], "adopted, not replaced"
            assert endpoint["failure_reason"] is None
            assert endpoint["events"] == []
            r = client.invoke_endpoint("crashdock", "1,1,1", "text/csv")
            assert json.loads(r.content) == [6.0]
            client.delete_endpoint("crashdock")
            assert restarted.proc is not None
            jupyter = restarted.proc.pid
            wait_until(
                lambda: not containers("crashdock") and not processes_using(tmp_path, (jupyter,)),
                60,
                "no container or process of the endpoint left",
            )
    finally:
        stop_all_instances(data)
