"""Lifecycle configurations running when a space starts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from jupyter_smstudio.client import Client

from .conftest import ApiCall
from .servers import ServerProcess, wait_until
from .spaces_helpers import wait_status

pytestmark = pytest.mark.slow


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {
        **jp_server_config,
        "SpaceService": {
            "lifecycle_timeout_seconds": 5,
            "builtin_lifecycle_script": "echo admin-setup > admin.txt\n",
        },
    }


async def config(api: ApiCall, name: str, kind: str, content: str) -> None:
    reply = await api("POST", "lifecycle-configs", {"name": name, "type": kind, "content": content})
    assert reply.status == 201, reply.json


def home(serverapp: Any, space: str) -> Path:
    return Path(serverapp.web_app.settings["smstudio_services"].spaces.backend.home(space))


@pytest.mark.usefixtures("jp_serverapp")
async def test_scripts_run_in_order_in_the_volume_and_on_create_only_once(
    api: ApiCall, jp_serverapp: Any
) -> None:
    await config(api, "setup", "on-create", "#!/bin/sh\necho created >> order.txt\n")
    python_script = (
        "#!/usr/bin/env python3\nimport os\n"
        "open('order.txt', 'a').write(f\"started home={os.environ['HOME'] == os.getcwd()}\\n\")\n"
        "print('hello from python')\n"
    )
    await config(api, "every-start", "on-start", python_script)
    reply = await api(
        "POST", "spaces", {"name": "s1", "lifecycle_configs": ["every-start", "setup"]}
    )
    assert reply.json["status"] == "Pending"
    await wait_status(api, "s1", "InService")
    volume = home(jp_serverapp, "s1")
    assert (volume / "admin.txt").read_text() == "admin-setup\n", "the built-in script runs first"
    assert (volume / "order.txt").read_text() == "created\nstarted home=True\n"
    log = (await api("GET", "spaces/s1/lifecycle-log")).json
    assert "hello from python" in log["text"]
    assert "Running on-create configuration 'setup'" in log["text"]
    await api("POST", "spaces/s1/stop")
    await api("POST", "spaces/s1/start")
    await wait_status(api, "s1", "InService")
    assert (volume / "order.txt").read_text() == "created\nstarted home=True\nstarted home=True\n"
    more = (
        await api("GET", "spaces/s1/lifecycle-log", params={"cursor": str(log["next_cursor"])})
    ).json
    assert "setup" not in more["text"].replace("==> Space", "")


@pytest.mark.usefixtures("jp_serverapp")
async def test_a_failing_script_fails_the_space_with_its_output_and_can_be_fixed(
    api: ApiCall,
) -> None:
    await config(
        api, "broken", "on-start", "echo about to fail\necho 'pip: no such package' >&2\nexit 3\n"
    )
    await api("POST", "spaces", {"name": "s1", "lifecycle_configs": ["broken"]})
    failed = await wait_status(api, "s1", "Failed")
    assert "'broken' failed with exit code 3" in failed["failure_reason"]
    assert "pip: no such package" in failed["failure_reason"]
    await config(api, "fixed", "on-start", "echo all good\n")
    assert (await api("PATCH", "spaces/s1", {"lifecycle_configs": ["fixed"]})).status == 200
    await api("POST", "spaces/s1/start")
    ok = await wait_status(api, "s1", "InService")
    assert ok["failure_reason"] is None


@pytest.mark.usefixtures("jp_serverapp")
async def test_a_script_over_the_time_limit_fails_the_space(api: ApiCall) -> None:
    await config(api, "slow", "on-start", "echo starting\nsleep 60\n")
    await api("POST", "spaces", {"name": "s1", "lifecycle_configs": ["slow"]})
    failed = await wait_status(api, "s1", "Failed", timeout=30)
    assert "did not finish within 5 s" in failed["failure_reason"]


@pytest.mark.usefixtures("jp_serverapp")
async def test_background_work_started_with_nohup_outlives_the_script(
    api: ApiCall, jp_serverapp: Any
) -> None:
    script = "nohup sh -c 'sleep 2; echo finished > bg.txt' >/dev/null 2>&1 &\necho launched\n"
    await config(api, "bg", "on-start", script)
    await api("POST", "spaces", {"name": "s1", "lifecycle_configs": ["bg"]})
    await wait_status(api, "s1", "InService")
    marker = home(jp_serverapp, "s1") / "bg.txt"
    assert not marker.exists(), "the space did not wait for the background work"
    wait_until(marker.exists, 15, "background work to finish")


@pytest.mark.slow
def test_a_start_in_progress_survives_a_server_restart(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path).start()
    client = Client(server.url, server.token)
    client.create_lifecycle_config("slow-setup", "sleep 4\necho done > ready.txt\n")
    created = client.request(
        "POST", "spaces", json={"name": "s1", "lifecycle_configs": ["slow-setup"]}
    )
    assert created["status"] == "Pending"
    server.stop()

    restarted = ServerProcess(tmp_path)
    restarted.port = server.port
    restarted.token = server.token
    with restarted:
        client = Client(restarted.url, restarted.token)
        space = wait_until(
            lambda: (s := client.request("GET", "spaces", "s1"))["status"] == "InService" and s,
            30, "the space to finish starting after the restart",
        )  # fmt: skip
        assert (tmp_path / "smstudio" / "spaces" / "s1" / "home" / "ready.txt").exists()
        specs = requests.get(
            restarted.url + "api/kernelspecs", headers=restarted.headers, timeout=10
        )
        assert "smstudio-s1" in specs.json()["kernelspecs"]
        assert space["failure_reason"] is None
