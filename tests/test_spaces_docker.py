"""Spaces on the Docker backend, against the real engine: volumes, kernel containers
(limits, loopback-only ports, interrupt, compute change, OOM, none left by a server
crash), lifecycle containers."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from jupyter_client.provisioning.factory import KernelProvisionerFactory

from jupyter_smstudio.client import Client
from jupyter_smstudio.runtime.containers import limit_args
from jupyter_smstudio.runtime.limits import ResourceLimits
from jupyter_smstudio.spaces.docker_provisioner import container_name

from . import waiting
from .conftest import USERS, ApiCall
from .docker_helpers import (
    ENTRY_POINT,
    PROVISIONER,
    containers,
    docker,
    docker_unavailable,
    entry_point_path,
    inspect,
    remove_all,
    volumes,
)
from .hosting_models import processes_using
from .kernels import execute
from .servers import ServerProcess, crash, wait_until
from .spaces_helpers import KernelClient, terminal_output, wait_status

pytestmark = pytest.mark.slow

HOME = "/home/sagemaker-user"
IMAGE = "smstudio-base:py311"
GIB = 1 << 30
HEADERS = {"Authorization": f"token {USERS['alice']}"}


@pytest.fixture
def prefix(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Volume prefix unique to this test; everything with it is removed afterwards."""
    reason = docker_unavailable()
    if reason:
        pytest.skip(reason)
    monkeypatch.setitem(KernelProvisionerFactory.provisioners, PROVISIONER, ENTRY_POINT)
    name = f"smstudio-test-{uuid.uuid4().hex[:8]}-"
    yield name
    remove_all(name)


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {
        **jp_server_config,
        "ServerApp": {
            **jp_server_config["ServerApp"],
            "jpserver_extensions": {"jupyter_smstudio": True, "jupyter_server_terminals": True},
        },
        "ComputeCatalog": {
            "profiles": {
                "ml.small": {"cpus": 1, "memory_gib": 0.5},
                "ml.large": {"cpus": 2, "memory_gib": 1},
                "ml.tiny": {"cpus": 1, "memory_gib": 0.125},
            },
            "default_profile": "ml.small",
        },
        "SpaceService": {
            "backend_class": "jupyter_smstudio.spaces.backends.docker.DockerSpaceBackend",
            "lifecycle_timeout_seconds": 60,
        },
        "DockerSpaceBackend": {"volume_prefix": prefix},
    }


@pytest.fixture
def kernels(
    jp_fetch: Any, jp_http_port: int, jp_base_url: str, jp_serverapp: Any,
    jp_asyncio_loop: Any, prefix: str,
) -> Iterator[KernelClient]:  # fmt: skip
    """Kernels over REST; afterwards, shut them down as the server does on exit and
    check that no container is left."""
    yield KernelClient(jp_fetch, jp_http_port, jp_base_url)
    jp_asyncio_loop.run_until_complete(jp_serverapp.kernel_manager.shutdown_all())
    assert containers(prefix) == [], "kernel containers outlived their kernels"


async def eventually(check: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    """Poll ``check`` (run in a thread: it may call docker) until truthy, with a deadline."""
    return await waiting.eventually(check, timeout, what, interval=0.2, in_thread=True)


async def create(api: ApiCall, name: str, **fields: Any) -> dict[str, Any]:
    reply = await api("POST", "spaces", {"name": name, **fields})
    assert reply.status == 201, reply.json
    return reply.json  # type: ignore[no-any-return]


def files_dir(serverapp: Any, space: str) -> Path:
    return Path(serverapp.web_app.settings["smstudio_services"].spaces.backend.files(space))


async def test_kernel_runs_in_a_container_on_the_volume_with_limits(
    api: ApiCall, kernels: KernelClient, prefix: str, jp_serverapp: Any
) -> None:
    await create(api, "s1")
    assert volumes(prefix + "s1") == [], "the files are a directory of the server, bind-mounted"
    kernel = await kernels.start("smstudio-s1")
    code = (
        "import os\nprint(1 + 1, os.getcwd(), os.environ['HOME'], "
        "os.environ['SMSTUDIO_PROFILE'], os.path.exists('/.dockerenv'))"
    )
    out = await kernels.run(kernel, code)
    assert out.split() == ["2", HOME, HOME, "ml.small", "True"]
    info = inspect(container_name(kernel))
    host = info["HostConfig"]
    assert host["NanoCpus"] == 1_000_000_000
    assert host["Memory"] == GIB // 2
    assert host["Init"] is True
    mounts = {m["Destination"]: m for m in info["Mounts"]}
    assert mounts[HOME]["Type"] == "bind"
    assert mounts[HOME]["Source"] == str(files_dir(jp_serverapp, "s1"))
    bindings = [b for port in host["PortBindings"].values() for b in port]
    assert len(bindings) == 5
    assert {b["HostIp"] for b in bindings} == {"127.0.0.1"}, "kernel ports on loopback only"
    detail = (await api("GET", "spaces/s1")).json
    assert [k["id"] for k in detail["kernels"]] == [kernel]


async def test_files_survive_stop_and_start_and_delete_leaves_nothing(
    api: ApiCall, kernels: KernelClient, prefix: str, jp_serverapp: Any
) -> None:
    await create(api, "s2")
    kernel = await kernels.start("smstudio-s2")
    await kernels.run(kernel, "open('kept.txt', 'w').write('x' * 20000)")
    assert (await api("GET", "spaces/s2")).json["storage_used_bytes"] >= 20000
    assert (await api("POST", "spaces/s2/stop")).status == 200
    assert containers(prefix + "s2") == [], "stopping a space stops its kernel containers"
    assert (await api("POST", "spaces/s2/start")).json["status"] == "InService"
    kernel = await kernels.start("smstudio-s2")
    assert (await kernels.run(kernel, "print(len(open('kept.txt').read()))")).strip() == "20000"
    assert (await api("DELETE", "spaces/s2")).status == 204
    assert containers(prefix + "s2") == []
    assert volumes(prefix + "s2") == []
    assert not files_dir(jp_serverapp, "s2").exists(), "deleting a space removes its files"


async def test_interrupt_then_change_compute_restarts_the_container_with_new_limits(
    api: ApiCall, kernels: KernelClient, jp_fetch: Any, jp_http_port: int, jp_base_url: str
) -> None:
    await create(api, "s3")
    kernel = await kernels.start("smstudio-s3")
    await kernels.run(kernel, "x = 42")
    url = f"ws://127.0.0.1:{jp_http_port}{jp_base_url}api/kernels/{kernel}/channels"
    busy = asyncio.ensure_future(execute(url, HEADERS, "while True:\n    pass", timeout=30))

    async def state() -> str:
        reply = await jp_fetch("api", "kernels", kernel, headers=HEADERS)
        return json.loads(reply.body)["execution_state"]  # type: ignore[no-any-return]

    async def busy_now() -> bool:
        return await state() == "busy"

    await waiting.eventually(busy_now, 20, "the loop to start")
    await jp_fetch("api", "kernels", kernel, "interrupt", method="POST", body="", headers=HEADERS)
    _, error = await busy
    assert error is not None
    assert error["ename"] == "KeyboardInterrupt"

    first = inspect(container_name(kernel))["Id"]
    reply = await api("PATCH", "spaces/s3", {"profile": "ml.large"})
    assert reply.status == 200, reply.json
    assert reply.json["moved_kernels"] == [kernel]
    out = await kernels.run(kernel, "import os\nprint(os.environ['SMSTUDIO_PROFILE'], "
                            "'x' in globals())")  # fmt: skip
    assert out.split() == ["ml.large", "False"]
    info = inspect(container_name(kernel))
    assert info["Id"] != first, "a new container"
    assert info["HostConfig"]["NanoCpus"] == min(2, os.cpu_count() or 1) * 1_000_000_000
    assert info["HostConfig"]["Memory"] == GIB


async def test_out_of_memory_is_reported(api: ApiCall, kernels: KernelClient) -> None:
    await create(api, "s4", profile="ml.tiny")
    kernel = await kernels.start("smstudio-s4")
    hog = asyncio.ensure_future(kernels.run(kernel, "x = b'x' * (400 << 20)", timeout=30))

    async def oom_event() -> bool:
        events = (await api("GET", "spaces/s4/events")).json["items"]
        return any(e["kind"] == "kernel-oom" for e in events)

    await waiting.eventually(oom_event, 20, "a kernel-oom event", interval=0.3)
    hog.cancel()  # its reply never comes: the kernel died
    assert (await kernels.run(kernel, "print(1 + 1)")).strip() == "2", "restarted, answers"


async def test_lifecycle_scripts_run_in_a_container_with_the_volume(
    api: ApiCall, kernels: KernelClient, prefix: str
) -> None:
    script = (
        "#!/bin/sh\nset -e\ntest -f /.dockerenv\n"
        'echo "$HOME $(pwd) $SMSTUDIO_SPACE $SMSTUDIO_PROFILE" > lifecycle.txt\n'
        "mkdir -p .smstudio && echo SETUP_VAR=from-lifecycle > .smstudio/kernel.env\n"
        "echo hello-from-container\n"
    )
    reply = await api("POST", "lifecycle-configs",
                      {"name": "setup", "type": "on-start", "content": script})  # fmt: skip
    assert reply.status == 201, reply.json
    await create(api, "s5", lifecycle_configs=["setup"])
    await wait_status(api, "s5", "InService")
    assert "hello-from-container" in (await api("GET", "spaces/s5/lifecycle-log")).json["text"]
    kernel = await kernels.start("smstudio-s5")
    code = "import os\nprint(open('lifecycle.txt').read(), os.environ['SETUP_VAR'])"
    out = await kernels.run(kernel, code)
    assert out.split() == [HOME, HOME, "s5", "ml.small", "from-lifecycle"]
    assert containers(prefix + "s5") == [container_name(kernel)], "the script's container is gone"


async def test_stopping_a_space_stops_its_lifecycle_container(api: ApiCall, prefix: str) -> None:
    reply = await api("POST", "lifecycle-configs",
                      {"name": "slow", "type": "on-start", "content": "sleep 120\n"})  # fmt: skip
    assert reply.status == 201, reply.json
    await create(api, "s6", lifecycle_configs=["slow"])
    await eventually(lambda: containers(prefix + "s6"), "the lifecycle container")
    assert (await api("POST", "spaces/s6/stop")).status == 200
    await eventually(lambda: not containers(prefix + "s6"), "the container to go", timeout=40)
    assert (await api("DELETE", "spaces/s6")).status == 204
    assert volumes(prefix + "s6") == []


def test_kernel_containers_left_by_a_server_crash_are_removed_at_start(
    tmp_path: Path, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = entry_point_path()  # the provisioner, for a server process
    if extra:
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join([extra, os.environ.get("PYTHONPATH", "")]))
    args = (
        "--SpaceService.backend_class=jupyter_smstudio.spaces.backends.docker.DockerSpaceBackend",
        f"--DockerSpaceBackend.volume_prefix={prefix}",
    )
    server = ServerProcess(tmp_path, extra_args=args).start()
    try:
        client = Client(server.url, server.token)
        assert client.create_space("lab")["status"] == "InService"
        reply = requests.post(server.url + "api/kernels", json={"name": "smstudio-lab"},
                              headers=server.headers, timeout=120)  # fmt: skip
        assert reply.status_code == 201, reply.text
        kernel = reply.json()["id"]
        wait_until(lambda: inspect(container_name(kernel))["State"]["Running"], 60, "the kernel")
        crash(server)
        assert containers(prefix + "lab") == [container_name(kernel)], "it outlived its server"
        with ServerProcess(tmp_path, extra_args=args) as restarted:
            client = Client(restarted.url, restarted.token)

            def removed() -> bool:
                events = client.request("GET", "spaces", "lab", "events")["items"]
                return "kernel-removed" in [e["kind"] for e in events]

            wait_until(removed, 60, "the stray kernel's removal to be recorded")
            assert containers(prefix + "lab") == []
            assert client.space("lab")["kernels"] == []
            wait_until(lambda: not processes_using(container_name(kernel)), 30, "its docker client")
            client.delete_space("lab")
    finally:
        server.stop()
    assert volumes(prefix) == []


async def test_stopping_a_space_removes_a_kernel_container_no_kernel_owns(
    api: ApiCall, kernels: KernelClient, prefix: str
) -> None:
    await create(api, "s8")
    kept = await kernels.start("smstudio-s8")
    stray = uuid.uuid4().hex  # as a crashed server leaves one: the labels, no kernel
    labels = {"smstudio.kernel": stray, "smstudio.role": "kernel", "smstudio.volume": prefix + "s8"}
    docker("run", "--detach", "--init", "--name", container_name(stray),
           *[f"--label={k}={v}" for k, v in labels.items()], IMAGE, "sleep", "300")  # fmt: skip
    assert sorted(containers(prefix + "s8")) == sorted(
        [container_name(kept), container_name(stray)]
    )
    assert (await api("POST", "spaces/s8/stop")).status == 200
    assert containers(prefix + "s8") == []
    events = (await api("GET", "spaces/s8/events")).json["items"]
    assert [e["kind"] for e in events].count("kernel-removed") == 1


async def test_an_image_missing_from_the_engine_is_refused(api: ApiCall) -> None:
    reply = await api("POST", "spaces", {"name": "s7", "image": "smstudio-missing:nope"})
    assert reply.status == 400, reply.json
    assert reply.error["field"] == "image"
    assert "not on this Docker engine" in reply.error["message"]
    assert (await api("GET", "spaces/s7")).status == 404, "nothing half-created"


def test_limit_flags() -> None:
    cpus = os.cpu_count() or 1
    assert limit_args(ResourceLimits()) == []
    assert limit_args(ResourceLimits(cpus=0.5, memory_bytes=GIB, gpus=2)) == [
        "--cpus", "0.5", "--memory", str(GIB), "--memory-swap", str(GIB), "--gpus", "2",
    ]  # fmt: skip
    assert limit_args(ResourceLimits(cpus=cpus + 8)) == ["--cpus", str(cpus)]


async def contents(jp_fetch: Any, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """jupyter_server's contents API, as alice."""
    kwargs: dict[str, Any] = {"method": method, "headers": HEADERS, "raise_error": False}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    reply = await jp_fetch(*path.split("/"), **kwargs)
    return reply.code, json.loads(reply.body) if reply.body else None


async def test_what_a_container_writes_is_in_the_file_browser_from_the_notebooks_folder(
    api: ApiCall, kernels: KernelClient, jp_fetch: Any, jp_serverapp: Any
) -> None:
    await create(api, "s9")
    assert (await contents(jp_fetch, "PUT", "api/contents/spaces/s9/work",
                           {"type": "directory"}))[0] == 201  # fmt: skip
    session = {"path": "spaces/s9/work/nb.ipynb", "type": "notebook", "name": "nb.ipynb",
               "kernel": {"name": "smstudio-s9"}}  # fmt: skip
    status, model = await contents(jp_fetch, "POST", "api/sessions", session)
    assert status == 201, model
    code = (
        "import os\nprint(os.getcwd(), os.environ['SMSTUDIO_SERVER_HOME'])\n"
        "open('from-container.txt', 'w').write('hi')"
    )
    out = await kernels.run(model["kernel"]["id"], code)
    cwd, server_home = out.split()
    assert cwd == f"{HOME}/work", "the kernel starts in the notebook's folder"
    assert server_home == str(files_dir(jp_serverapp, "s9")), "where the server has HOME"
    status, written = await contents(
        jp_fetch, "GET", "api/contents/spaces/s9/work/from-container.txt"
    )
    assert status == 200, written
    assert written["content"] == "hi"


async def test_files_of_a_space_from_before_bind_mounts_move_out_of_its_volume(
    api: ApiCall, jp_fetch: Any, jp_serverapp: Any, prefix: str
) -> None:
    """Spaces created when files were named Docker volumes keep them: moved at start."""
    await create(api, "s10", start=False)
    volume = prefix + "s10"
    docker("volume", "create", "--label", f"smstudio.volume={volume}", volume)
    docker("run", "--rm", "--mount", f"type=volume,source={volume},target=/v", IMAGE,
           "sh", "-c", "echo from-before > /v/old.txt")  # fmt: skip
    space_dir = files_dir(jp_serverapp, "s10").parent
    (space_dir / "docker.json").write_text(json.dumps({"volume": volume, "home": HOME}))
    assert (await api("POST", "spaces/s10/start")).status == 200
    status, old = await contents(jp_fetch, "GET", "api/contents/spaces/s10/old.txt")
    assert status == 200, old
    assert old["content"] == "from-before\n"
    assert volumes(volume) == [], "the old volume is removed once its files moved"


async def test_a_terminal_of_the_space_runs_in_its_container_and_its_files(
    api: ApiCall, prefix: str, jp_http_port: int, jp_base_url: str, jp_serverapp: Any
) -> None:
    await create(api, "s11")
    (files_dir(jp_serverapp, "s11") / ".smstudio").mkdir(parents=True)
    (files_dir(jp_serverapp, "s11") / ".smstudio" / "kernel.env").write_text("SETUP_VAR=env\n")
    reply = await api("POST", "spaces/s11/terminals")
    assert reply.status == 201, reply.json
    assert reply.json["cwd"] == HOME
    line = "test -f /.dockerenv && echo at:$(pwd):$SETUP_VAR:$SMSTUDIO_SPACE:docker\r"
    out = await terminal_output(jp_http_port, jp_base_url, reply.json["name"], line, ":s11:docker")
    assert f"at:{HOME}:env:s11:docker" in out
    assert (await api("POST", "spaces/s11/stop")).status == 200
    assert containers(prefix + "s11") == [], "stopping the space ends its terminal's container"


async def test_a_busy_terminal_container_keeps_its_space_busy(
    api: ApiCall, prefix: str, jp_http_port: int, jp_base_url: str, jp_serverapp: Any
) -> None:
    """The terminal's pty runs the docker client; its shell's CPU is the container's."""
    await create(api, "s12")
    reply = await api("POST", "spaces/s12/terminals")
    assert reply.status == 201, reply.json
    name = reply.json["name"]
    line = "echo loop$((1+1)); while :; do :; done\r"
    await terminal_output(jp_http_port, jp_base_url, name, line, "loop2")
    monitor = jp_serverapp.web_app.settings["smstudio_services"].idle

    async def busy() -> bool:
        await monitor.check()  # each check samples CPU since the previous one
        idle = (await api("GET", "idle")).json
        terminal = next(t for t in idle["terminals"] if t["name"] == name)
        space = next(s for s in idle["spaces"] if s["name"] == "s12")
        return bool(terminal["activity"]) and any("terminal" in a for a in space["activity"])

    await waiting.eventually(busy, 60, "the busy terminal container counted for its space")
    assert (await api("POST", "spaces/s12/stop")).status == 200
    assert containers(prefix + "s12") == [], "stopping the space ends its terminal's container"
