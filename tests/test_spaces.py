"""Spaces: volumes, status machine, compute profiles and kernels, sharing, bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from .conftest import ApiCall
from .spaces_helpers import KernelClient
from .waiting import eventually


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {
        **jp_server_config,
        "ComputeCatalog": {
            "profiles": {
                "ml.t3.medium": {"cpus": 2, "memory_gib": 4},
                "ml.small": {"cpus": 1, "memory_gib": 0.25},
            },
            "default_profile": "ml.t3.medium",
        },
        "SpaceService": {"max_storage_gb": 50, "default_storage_gb": 5},
    }


@pytest.fixture
def kernels(jp_fetch: Any, jp_http_port: int, jp_base_url: str, jp_serverapp: Any) -> KernelClient:
    return KernelClient(jp_fetch, jp_http_port, jp_base_url)


async def kernelspecs(jp_fetch: Any) -> dict[str, Any]:
    reply = await jp_fetch("api", "kernelspecs", headers={"Authorization": "token alice-token"})
    return json.loads(reply.body)["kernelspecs"]  # type: ignore[no-any-return]


def data_dir(serverapp: Any) -> Path:
    return Path(serverapp.web_app.settings["smstudio_services"].spaces.backend.spaces_dir)


async def create(
    api: ApiCall, name: str = "s1", user: str = "alice", **fields: Any
) -> dict[str, Any]:
    reply = await api("POST", "spaces", {"name": name, **fields}, user=user)
    assert reply.status == 201, reply.json
    return reply.json  # type: ignore[no-any-return]


async def test_create_starts_a_space_with_a_kernelspec_and_a_volume(
    api: ApiCall, jp_fetch: Any, jp_serverapp: Any
) -> None:
    created = await create(api)
    assert created["status"] == "InService"
    assert created["profile"] == "ml.t3.medium"
    assert created["storage_gb"] == 5
    specs = await kernelspecs(jp_fetch)
    assert specs["smstudio-s1"]["spec"]["display_name"] == "Python 3 · s1 · ml.t3.medium"
    home = data_dir(jp_serverapp) / "s1" / "home"
    assert home.is_dir()
    (home / "notes.txt").write_text("x" * 10_000)
    detail = (await api("GET", "spaces/s1")).json
    assert detail["storage_used_bytes"] >= 10_000
    assert detail["kernels"] == []


@pytest.mark.slow
async def test_kernels_run_in_the_space_with_its_profile(
    api: ApiCall, kernels: KernelClient, jp_serverapp: Any
) -> None:
    await create(api, profile="ml.small")
    kernel = await kernels.start("smstudio-s1")
    code = (
        "import os\nprint(os.getcwd(), os.environ['HOME'], "
        "len(os.sched_getaffinity(0)), os.environ['SMSTUDIO_PROFILE'])"
    )
    out = await kernels.run(kernel, code)
    cwd, home, cpus, profile = out.split()
    assert cwd == home == str(data_dir(jp_serverapp) / "s1" / "home")
    assert cpus == "1"
    assert profile == "ml.small"
    detail = (await api("GET", "spaces/s1")).json
    assert [k["id"] for k in detail["kernels"]] == [kernel]


@pytest.mark.slow
async def test_change_compute_restarts_kernels_keeping_files_not_memory(
    api: ApiCall, kernels: KernelClient, jp_fetch: Any
) -> None:
    await create(api, profile="ml.small")
    kernel = await kernels.start("smstudio-s1")
    await kernels.run(kernel, "x = 42\nopen('kept.txt', 'w').write('still here')")
    reply = await api("PATCH", "spaces/s1", {"profile": "ml.t3.medium"})
    assert reply.status == 200, reply.json
    assert reply.json["moved_kernels"] == [kernel]
    assert reply.json["space"]["profile"] == "ml.t3.medium"
    assert "memory" in reply.json["note"]
    out = await kernels.run(kernel, "import os\nprint(os.environ['SMSTUDIO_PROFILE'], "
                            "open('kept.txt').read(), 'x' in globals())")  # fmt: skip
    assert out.split() == ["ml.t3.medium", "still", "here", "False"]
    events = (await api("GET", "spaces/s1/events")).json["items"]
    assert any(e["kind"] == "compute-changed" for e in events)
    spec = (await kernelspecs(jp_fetch))["smstudio-s1"]["spec"]
    assert spec["display_name"] == "Python 3 · s1 · ml.t3.medium", "picker shows new profile"


@pytest.mark.slow
async def test_one_notebook_can_move_its_own_kernel(api: ApiCall, kernels: KernelClient) -> None:
    await create(api, profile="ml.t3.medium")
    kernel = await kernels.start("smstudio-s1")
    reply = await api("PUT", f"spaces/s1/kernels/{kernel}", {"profile": "ml.small"})
    assert reply.status == 200, reply.json
    assert reply.json["profile"] == "ml.small"
    out = await kernels.run(kernel, "import os; print(os.environ['SMSTUDIO_PROFILE'])")
    assert out.strip() == "ml.small"
    detail = (await api("GET", "spaces/s1")).json
    assert detail["profile"] == "ml.t3.medium", "the space keeps its own profile"
    assert detail["kernels"][0]["profile"] == "ml.small"
    bad = await api("PUT", f"spaces/s1/kernels/{kernel}", {"profile": "ml.huge"})
    assert bad.status == 400
    assert bad.error["field"] == "profile"


@pytest.mark.slow
async def test_memory_limit_kills_a_kernel_with_a_clear_event(
    api: ApiCall, kernels: KernelClient
) -> None:
    from jupyter_smstudio.runtime.limits import MemoryCgroup

    probe = MemoryCgroup.create(f"probe-{os.getpid()}", 1 << 30)
    if probe is None:
        pytest.skip("no writable memory cgroup here (needs root); RLIMIT_DATA applies instead")
    probe.remove()
    await create(api, profile="ml.small")
    kernel = await kernels.start("smstudio-s1")
    url_code = "x = []\nwhile True: x.append(bytearray(32 << 20))"
    with pytest.raises((AssertionError, ConnectionError, TimeoutError, OSError)):
        await kernels.run(kernel, url_code, timeout=30)

    async def oom_event() -> list[dict[str, Any]]:
        events = (await api("GET", "spaces/s1/events")).json["items"]
        return [e for e in events if e["kind"] == "kernel-oom"]

    found = await eventually(oom_event, 30, "an out-of-memory event", interval=0.2)
    assert "out of memory" in found[0]["message"]
    assert "0.25 GiB of ml.small" in found[0]["message"]


@pytest.mark.slow
async def test_stop_ends_compute_keeps_files_and_start_brings_it_back(
    api: ApiCall, kernels: KernelClient, jp_fetch: Any, jp_serverapp: Any
) -> None:
    await create(api)
    kernel = await kernels.start("smstudio-s1")
    await kernels.run(kernel, "open('data.csv', 'w').write('a,b\\n1,2\\n')")
    stopped = await api("POST", "spaces/s1/stop")
    assert stopped.json["status"] == "Stopped"
    assert kernel not in jp_serverapp.kernel_manager.list_kernel_ids()
    # Notebooks keep their kernel name while the space is stopped (the Lab reconnects
    # them on the next start); a kernel start meanwhile says to start the space.
    specs = await kernelspecs(jp_fetch)
    assert specs["smstudio-s1"]["spec"]["display_name"] == "Python 3 · s1 · ml.t3.medium"
    started = await api("POST", "spaces/s1/start")
    assert started.json["status"] == "InService"
    assert (data_dir(jp_serverapp) / "s1" / "home" / "data.csv").read_text() == "a,b\n1,2\n"


async def test_delete_removes_the_volume(api: ApiCall, jp_fetch: Any, jp_serverapp: Any) -> None:
    await create(api)
    assert (await api("POST", "spaces/s1/stop")).status == 200
    assert (await api("DELETE", "spaces/s1")).status == 204
    assert not (data_dir(jp_serverapp) / "s1").exists()
    assert "smstudio-s1" not in await kernelspecs(jp_fetch)
    assert (await api("GET", "spaces/s1")).status == 404
    await create(api)  # the name is free again


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"name": "Bad_Name"}, 400, "name"),
        ({"name": "ok", "profile": "ml.nope"}, 400, "profile"),
        ({"name": "ok", "storage_gb": 51}, 400, "storage_gb"),
        ({"name": "ok", "storage_gb": 0}, 400, "storage_gb"),
        ({"name": "ok", "lifecycle_configs": ["missing"]}, 400, "lifecycle_configs"),
        ({"name": "ok", "sharing": "public"}, 400, "sharing"),
        ({"name": "ok", "volume": "/etc"}, 400, "volume"),
    ],
)
async def test_bad_input_names_the_field_and_creates_nothing(
    api: ApiCall, jp_serverapp: Any, body: dict[str, Any], status: int, field: str
) -> None:
    reply = await api("POST", "spaces", body)
    assert reply.status == status, reply.json
    assert reply.error["field"] == field
    assert (await api("GET", "spaces")).json["items"] == []
    assert not (data_dir(jp_serverapp) / "ok").exists()


async def test_duplicate_name_is_a_conflict(api: ApiCall) -> None:
    await create(api)
    reply = await api("POST", "spaces", {"name": "s1"})
    assert reply.status == 409
    assert reply.error["field"] == "name"


async def test_private_spaces_are_invisible_to_other_users(api: ApiCall) -> None:
    await create(api, "mine")
    assert (await api("GET", "spaces", user="bob")).json["items"] == []
    for method, path in [("GET", "spaces/mine"), ("POST", "spaces/mine/start"),
                         ("POST", "spaces/mine/stop"), ("DELETE", "spaces/mine"),
                         ("PATCH", "spaces/mine"), ("GET", "spaces/mine/events"),
                         ("GET", "spaces/mine/lifecycle-log")]:  # fmt: skip
        reply = await api(method, path, {}, user="bob")
        assert reply.status == 404, f"{method} {path} -> {reply.status}"
    assert (await api("GET", "spaces/mine")).json["status"] == "InService"


async def test_shared_spaces_are_usable_by_members_only(api: ApiCall) -> None:
    await create(api, "team", sharing="shared", members=["bob"])
    assert [s["name"] for s in (await api("GET", "spaces", user="bob")).json["items"]] == ["team"]
    assert (await api("POST", "spaces/team/stop", user="bob")).json["status"] == "Stopped"
    assert (await api("POST", "spaces/team/start", user="bob")).json["status"] == "InService"
    denied = await api("DELETE", "spaces/team", user="bob")
    assert denied.status == 403
    assert (await api("PATCH", "spaces/team", {"members": []}, user="bob")).status == 403
    assert (await api("GET", "spaces/team", user="reader")).status == 404


async def test_a_space_over_its_size_cannot_start_and_says_why(
    api: ApiCall, jp_serverapp: Any
) -> None:
    await create(api, storage_gb=1, start=False)
    big = data_dir(jp_serverapp) / "s1" / "home" / "big.bin"
    with big.open("wb") as f:
        os.posix_fallocate(f.fileno(), 0, 1_100_000_000)
    reply = await api("POST", "spaces/s1/start")
    assert reply.status == 422
    assert reply.error["field"] == "storage_gb"
    assert "1 GB" in reply.error["message"]
    assert (await api("PATCH", "spaces/s1", {"storage_gb": 2})).status == 200
    assert (await api("POST", "spaces/s1/start")).json["status"] == "InService"
