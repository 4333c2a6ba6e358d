"""What a space's lifecycle scripts leave running in the background (``nohup ... &``)
lives as long as the space: a stop ends it, and so does a start that failed because the
script or its supervisor was killed."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from .conftest import ApiCall
from .procs import count, new_marker, none_left, with_marker
from .servers import wait_until
from .spaces_helpers import wait_status

pytestmark = pytest.mark.usefixtures("jp_serverapp")

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
