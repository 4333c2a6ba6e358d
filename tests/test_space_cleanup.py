"""What a space's lifecycle scripts leave running in the background (``nohup ... &``)
lives as long as the space: a stop ends it, and so does a start that failed because the
script or its supervisor was killed."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest
import requests

from .conftest import ApiCall
from .procs import count, new_marker, none_left, with_marker
from .servers import ServerProcess, wait_until
from .spaces_helpers import wait_status

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("jp_serverapp")]

SLEEP = "python3 -c 'import time; time.sleep(600)'"


async def space_with_script(api: ApiCall, script: str) -> None:
    body = {"name": "bg", "type": "on-start", "content": script}
    assert (await api("POST", "lifecycle-configs", body)).status == 201
    reply = await api("POST", "spaces", {"name": "s1", "lifecycle_configs": ["bg"]})
    assert reply.status == 201, reply.json


async def test_background_work_of_a_lifecycle_script_ends_when_the_space_stops(
    api: ApiCall,
) -> None:
    marker = new_marker()
    await space_with_script(
        api, f"#!/bin/sh\nnohup setsid {SLEEP} {marker} >/dev/null 2>&1 &\necho started\n"
    )
    await wait_status(api, "s1", "InService")
    assert count(marker) == 1, "background work outlives its script while the space runs"
    assert (await api("POST", "spaces/s1/stop")).status == 200
    await wait_status(api, "s1", "Stopped")
    none_left(marker)


@pytest.mark.parametrize("victim", ["script", "supervisor"])
async def test_a_start_whose_script_or_supervisor_is_killed_fails_leaving_no_process(
    api: ApiCall, tmp_path: Path, victim: str
) -> None:
    background, foreground = new_marker(), new_marker()
    await space_with_script(
        api,
        f"#!/bin/sh\nnohup setsid {SLEEP} {background} >/dev/null 2>&1 &\n"
        f"exec {SLEEP} {foreground}\n",
    )
    wait_until(lambda: count(background) == 1 and count(foreground) == 1, 30, "the script")
    if victim == "script":
        (script,) = with_marker(foreground)
        script.send_signal(signal.SIGKILL)
    else:
        (state,) = [json.loads(p.read_text()) for p in tmp_path.rglob("lifecycle/*/state.json")]
        os.kill(state["supervisor_pid"], signal.SIGKILL)
    space = await wait_status(api, "s1", "Failed")
    assert "lifecycle" in space["failure_reason"].lower()
    none_left(background)
    none_left(foreground)


@pytest.mark.slow
def test_after_a_killed_server_lifecycle_work_still_ends_with_its_space(tmp_path: Path) -> None:
    """kill -9 of the server while one space runs background work and another's start
    is still running its script; while it is down that start's supervisor is killed.
    The restarted server fails that start leaving no process; stopping the other ends
    its background work."""
    markers = {name: new_marker() for name in ("running", "starting", "starting-fg")}
    scripts = {
        "running": f"nohup setsid {SLEEP} {markers['running']} >/dev/null 2>&1 &\n",
        "starting": f"nohup setsid {SLEEP} {markers['starting']} >/dev/null 2>&1 &\n"
        f"exec {SLEEP} {markers['starting-fg']}\n",
    }
    server = ServerProcess(tmp_path)
    with server:
        for name, script in scripts.items():
            config = {"name": name, "type": "on-start", "content": f"#!/bin/sh\n{script}"}
            _call(server, "POST", "lifecycle-configs", config)
            _call(server, "POST", "spaces", {"name": name, "lifecycle_configs": [name]})
        wait_until(lambda: _call(server, "GET", "spaces/running")["status"] == "InService", 60,
                   "the space with background work")  # fmt: skip
        wait_until(lambda: all(count(m) == 1 for m in markers.values()), 30, "the scripts")
        assert server.proc is not None
        server.proc.kill()
        server.proc.wait(10)
        (state,) = [json.loads(p.read_text())
                    for p in tmp_path.rglob("starting/lifecycle/*/state.json")]  # fmt: skip
        os.kill(state["supervisor_pid"], signal.SIGKILL)
    with ServerProcess(tmp_path) as restarted:
        failed = wait_until(
            lambda: (s := _call(restarted, "GET", "spaces/starting"))["status"] == "Failed" and s,
            60, "the interrupted start to fail")  # fmt: skip
        assert "vanished" in failed["failure_reason"]
        none_left(markers["starting"])
        none_left(markers["starting-fg"])
        assert count(markers["running"]) == 1, "a running space keeps its background work"
        _call(restarted, "POST", "spaces/running/stop")
        none_left(markers["running"])


def _call(server: ServerProcess, method: str, path: str, body: Any = None) -> Any:
    reply = requests.request(method, f"{server.url}smstudio/api/{path}", json=body,
                             headers=server.headers, timeout=60)  # fmt: skip
    assert reply.status_code < 300, reply.text
    return reply.json() if reply.content else None
