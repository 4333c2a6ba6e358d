"""Endpoints and batch transforms leave no process behind: deleting an endpoint ends
its model servers' whole trees (whatever the inference code started), also after their
supervisor was killed; a transform whose supervisor was killed fails and goes away."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest
import requests

from .conftest import ApiCall
from .hosting_models import model_tree, stop_all_instances
from .procs import count, new_marker, none_left_soon
from .servers import wait_until
from .test_hosting_endpoints import wait_status
from .test_hosting_transform import finished

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("jp_serverapp", "cleanup")]

#: Inference code whose model_fn starts a daemon in a new session (as a helper process
#: a model might start), and whose predictions take ``PREDICT_SECONDS``.
ESCAPING_INFERENCE = """
import os, subprocess, sys, time
import numpy as np

def model_fn(model_dir):
    code = "import time; time.sleep(600)"
    subprocess.Popen([sys.executable, "-c", code, os.environ["TEST_MARKER"]],
                     start_new_session=True)
    return np.load(os.path.join(model_dir, "weights.npy"))

def predict_fn(data, model):
    time.sleep(float(os.environ.get("PREDICT_SECONDS", "0")))
    return data @ model
"""


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {**jp_server_config, "Hosting": {"drain_seconds": 1.0}}


@pytest.fixture
def cleanup(tmp_path: Path) -> Any:
    yield
    stop_all_instances(tmp_path / "smstudio")


async def model(api: ApiCall, root: Path, **environment: str) -> str:
    marker = new_marker()
    model_tree(root / "escaping", code=ESCAPING_INFERENCE)
    body = {"name": "escaping", "model_data": "escaping",
            "environment": {"TEST_MARKER": marker, **environment}}  # fmt: skip
    reply = await api("POST", "models", body)
    assert reply.status == 201, reply.json
    return marker


def instance_states(data_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in data_dir.rglob("state.json")]


def ping(address: str) -> bool:
    try:
        return requests.get(f"http://{address}/ping", timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.mark.parametrize("supervisor_killed", [False, True], ids=["running", "supervisor-killed"])
async def test_a_deleted_endpoint_leaves_no_process(
    api: ApiCall, jp_root_dir: Path, tmp_path: Path, supervisor_killed: bool
) -> None:
    marker = await model(api, jp_root_dir)
    body = {"name": "ep", "variants": [{"model_name": "escaping", "workers": 2,
                                        "instance_type": "local"}]}  # fmt: skip
    assert (await api("POST", "endpoints", body)).status == 201
    described = (await wait_status(api, "ep", "InService")).json
    address = described["variants"][0]["instances"][0]["address"]
    assert ping(address)
    # The master, its two workers, and the daemon each worker's model_fn started.
    wait_until(lambda: count(marker) == 5, 30, "the model server's tree")
    if supervisor_killed:
        (state,) = instance_states(tmp_path / "smstudio")
        os.kill(state["supervisor_pid"], signal.SIGKILL)
    assert (await api("DELETE", "endpoints/ep")).status == 204
    await none_left_soon(marker, timeout=30)
    assert not ping(address)


async def test_an_instance_whose_supervisor_dies_while_stopping_leaves_no_process(
    api: ApiCall, jp_root_dir: Path, tmp_path: Path
) -> None:
    """The delete's SIGTERM reaches a supervisor that dies before it can end its tree
    (here: frozen, then killed; in life the OOM killer or an admin's kill -9)."""
    marker = await model(api, jp_root_dir)
    body = {"name": "ep", "variants": [{"model_name": "escaping", "workers": 2,
                                        "instance_type": "local"}]}  # fmt: skip
    assert (await api("POST", "endpoints", body)).status == 201
    await wait_status(api, "ep", "InService")
    wait_until(lambda: count(marker) == 5, 30, "the model server's tree")
    (state,) = instance_states(tmp_path / "smstudio")
    os.kill(state["supervisor_pid"], signal.SIGSTOP)  # alive, so stop signals it
    try:
        assert (await api("DELETE", "endpoints/ep")).status == 204
    finally:
        os.kill(state["supervisor_pid"], signal.SIGKILL)  # dies with the SIGTERM pending
    await none_left_soon(marker, timeout=30)


async def test_a_transform_whose_supervisor_was_killed_fails_and_leaves_no_process(
    api: ApiCall, jp_root_dir: Path, tmp_path: Path
) -> None:
    marker = await model(api, jp_root_dir, PREDICT_SECONDS="600")
    (jp_root_dir / "in").mkdir()
    (jp_root_dir / "in" / "a.csv").write_text("1,2,3\n")
    body = {"name": "t", "model_name": "escaping",
            "transform_input": {"data_source": "in", "split_type": "Line"},
            "transform_output": {"output_path": "out"}}  # fmt: skip
    assert (await api("POST", "transform-jobs", body)).status == 201
    # The runner's model server: its master, a worker, the worker's daemon.
    wait_until(lambda: count(marker) >= 3, 60, "the transform's model server")
    (state,) = instance_states(tmp_path / "smstudio")
    os.kill(state["supervisor_pid"], signal.SIGKILL)
    job = await finished(api, "t")
    assert job["status"] == "Failed", job
    await none_left_soon(marker, timeout=30)
