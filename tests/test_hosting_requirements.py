"""A model's code/requirements.txt is pip-installed before it serves (real pip, offline)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import ApiCall
from .hosting_models import model_tree, stop_all_instances, wheel
from .test_hosting_endpoints import invoke, wait_status
from .test_hosting_transform import finished

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("jp_serverapp", "cleanup")]

#: Inference code that needs a package only its requirements.txt provides.
SCALED = """
import numpy as np
import tornado  # the server's own packages stay importable: the environment is layered
import smstudio_scale

def model_fn(model_dir):
    return smstudio_scale.FACTOR

def predict_fn(data, model):
    return (np.atleast_2d(np.asarray(data, dtype=float)).sum(axis=1) * model).tolist()
"""


@pytest.fixture
def cleanup(tmp_path: Path) -> Any:
    yield
    stop_all_instances(tmp_path / "smstudio")


def scaled_model(directory: Path) -> Path:
    """A model whose requirements.txt names a wheel next to it (a path, as pip allows)."""
    code = model_tree(directory, code=SCALED) / "code"
    wheel(code, "smstudio_scale", "FACTOR = 10\n")
    (code / "requirements.txt").write_text("./smstudio_scale-1.0-py3-none-any.whl\n")
    return directory


async def create(api: ApiCall, endpoint: str, model: str) -> None:
    variant = {"model_name": model, "workers": 1, "instance_type": "local"}
    reply = await api("POST", "endpoints", {"name": endpoint, "variants": [variant]})
    assert reply.status == 201, reply.json
    assert reply.json["status"] == "Creating"  # the install runs detached, not in the request


async def endpoint_log(api: ApiCall, name: str) -> str:
    return str((await api("GET", f"endpoints/{name}/logs")).json["text"])


async def test_requirements_are_installed_before_the_model_serves(
    api: ApiCall, jp_fetch: Any, jp_root_dir: Path, tmp_path: Path
) -> None:
    scaled_model(jp_root_dir / "scaled")
    assert (await api("POST", "models", {"name": "scaled", "model_data": "scaled"})).status == 201
    await create(api, "scaled", "scaled")
    endpoint = (await wait_status(api, "scaled", "InService", "Failed", timeout=180)).json
    log = await endpoint_log(api, "scaled")
    assert endpoint["status"] == "InService", (endpoint, log)
    r = await invoke(jp_fetch, "scaled", b"1,2,3\n")
    assert r.code == 200, r.body
    assert json.loads(r.body) == [60.0]
    assert "Installing -r" in log
    assert log.index("Successfully installed smstudio") < log.index("Model server ready")

    # Another endpoint, and a batch transform, with the same requirements reuse the environment.
    await create(api, "again", "scaled")
    again = (await wait_status(api, "again", "InService", "Failed", timeout=120)).json
    log = await endpoint_log(api, "again")
    assert again["status"] == "InService", (again, log)
    assert "Reusing the environment cached" in log
    assert "Installing" not in log
    (jp_root_dir / "rows.csv").write_text("1,1,1\n0,0,2\n")
    body = {
        "name": "scaled-rows",
        "model_name": "scaled",
        "transform_input": {"data_source": "rows.csv", "split_type": "Line"},
        "transform_output": {"output_path": "scored", "assemble_with": "Line"},
        "instance_type": "local",
    }
    assert (await api("POST", "transform-jobs", body)).status == 201
    job = await finished(api, "scaled-rows", timeout=120)
    assert job["status"] == "Completed", job
    assert (jp_root_dir / "scored" / "rows.csv.out").read_text().split() == ["[30.0]", "[20.0]"]
    transform_log = (await api("GET", "transform-jobs/scaled-rows/logs")).json["text"]
    assert "Reusing the environment cached" in transform_log


async def test_a_requirement_that_cannot_install_fails_the_endpoint(
    api: ApiCall, jp_root_dir: Path, tmp_path: Path
) -> None:
    code = model_tree(jp_root_dir / "broken") / "code"
    # --no-index: pip answers at once, with or without a network
    (code / "requirements.txt").write_text("--no-index\nno-such-package-smstudio==1.0\n")
    assert (await api("POST", "models", {"name": "broken", "model_data": "broken"})).status == 201
    await create(api, "broken", "broken")
    reason = (await wait_status(api, "broken", "Failed", timeout=120)).json["failure_reason"]
    assert reason.startswith(
        "Variant AllTraffic could not install its requirements.txt: pip install -r"
    )
    assert "No matching distribution found for no-such-package-smstudio==1.0" in reason
    assert "No matching distribution found" in await endpoint_log(api, "broken")
    # nothing half-built stays in the cache: the next try installs again
    venvs = tmp_path / "smstudio" / "venvs" / "local"
    assert [p for p in venvs.iterdir() if p.is_dir()] == []
