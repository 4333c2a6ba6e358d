"""An InService instance whose model server dies is replaced while the server runs, as
SageMaker replaces an unhealthy instance: invocations answer a clear 503 meanwhile, the
endpoint's events say what happened, and nothing of the dead instance is left."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest

from jupyter_smstudio.runtime import read_state

from .conftest import ApiCall
from .hosting_models import GATED, model_tree, processes_using, stop_all_instances
from .test_hosting_endpoints import invoke, until, wait_status

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("jp_serverapp")]

Kill = Callable[[dict[str, Any]], None]


async def dies_and_is_replaced(
    api: ApiCall, jp_fetch: Any, root: Path, kill: Kill, **model: Any
) -> dict[str, Any]:
    """Deploy, ``kill`` the instance, watch it be replaced; the endpoint as described after."""
    gated = model_tree(root / "gated", code=GATED)
    (gated / "go").touch()
    body = {"name": "gated", "model_data": "gated", **model}
    assert (await api("POST", "models", body)).status == 201
    variants = [{"model_name": "gated", "workers": 1}]
    assert (await api("POST", "endpoints", {"name": "phoenix", "variants": variants})).status == 201
    before = (await wait_status(api, "phoenix", "InService", "Failed", timeout=120)).json
    assert before["status"] == "InService", before
    assert (await invoke(jp_fetch, "phoenix", b"1,1,1")).code == 200
    (gated / "go").unlink()  # the replacement waits in model_fn until the test says so
    await asyncio.to_thread(kill, before["variants"][0]["instances"][0])

    async def being_replaced() -> Any:
        r = await invoke(jp_fetch, "phoenix", b"1,1,1")
        return r.code == 503 and "being replaced" in json.loads(r.body)["error"]["message"] and r

    await until(being_replaced, 60, "invocations to answer that the instance is being replaced")
    during = (await api("GET", "endpoints/phoenix")).json
    assert during["status"] == "InService"
    assert during["variants"][0]["current_instance_count"] == 0
    assert [e["kind"] for e in during["events"]] == ["InstanceStopped"]
    (gated / "go").touch()

    async def served() -> bool:
        r = await invoke(jp_fetch, "phoenix", b"1,1,1")
        assert r.code in (200, 503), r.body
        return r.code == 200 and json.loads(r.body) == [6.0]

    await until(served, 120, "the replacement to serve")
    after = (await api("GET", "endpoints/phoenix")).json
    assert after["status"] == "InService"
    assert [e["kind"] for e in after["events"]] == ["InstanceStopped", "InstanceReplaced"]
    old, new = before["variants"][0]["instances"][0], after["variants"][0]["instances"][0]
    assert new["id"] != old["id"]
    assert new["state_dir"] != old["state_dir"]
    assert after["variants"][0]["current_instance_count"] == 1
    return after  # type: ignore[no-any-return]


def kill_model_server(instance: dict[str, Any]) -> None:
    """kill -9 of the local model server's main process."""
    pid = read_state(Path(instance["state_dir"])).child_pid
    assert pid
    os.kill(pid, signal.SIGKILL)


async def test_a_model_server_that_dies_is_replaced(
    api: ApiCall, jp_fetch: Any, jp_root_dir: Path, tmp_path: Path
) -> None:
    try:
        after = await dies_and_is_replaced(api, jp_fetch, jp_root_dir, kill_model_server)
        state = read_state(Path(after["variants"][0]["instances"][0]["state_dir"]))
        assert state.status == "running"
        assert psutil.pid_exists(state.child_pid or 0)
        assert (await api("DELETE", "endpoints/phoenix")).status == 204
        await until(
            lambda: asyncio.to_thread(lambda: not processes_using(tmp_path)),
            60,
            "no process of the endpoint left",
        )
    finally:
        stop_all_instances(tmp_path / "smstudio")
