"""Processing jobs on the Docker backend: the contract at the real /opt/ml paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import ApiCall
from .docker_helpers import docker_unavailable
from .training_helpers import finished, full_log, write

pytestmark = [
    pytest.mark.slow,
    pytest.mark.slow,
    pytest.mark.usefixtures("jp_serverapp"),
    pytest.mark.skipif(docker_unavailable() is not None, reason=f"{docker_unavailable()}"),
]


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {**jp_server_config, "TrainingJobs": {"backend": "docker", "stop_grace_seconds": 2.0}}


SCRIPT = """
    import json
    config = json.load(open("/opt/ml/config/processingjobconfig.json"))
    host = json.load(open("/opt/ml/config/resourceconfig.json"))["current_host"]
    rows = open("/opt/ml/processing/input/data/a.csv").read().split()
    local = {i["InputName"]: i["S3Input"]["LocalPath"] for i in config["ProcessingInputs"]}
    with open(f"/opt/ml/processing/output/result/{host}.json", "w") as f:
        json.dump({"rows": rows, "local": local}, f)
    print(host, "done", flush=True)
"""


async def test_two_instances_read_inputs_and_their_outputs_are_merged(
    api: ApiCall, jp_root_dir: Path
) -> None:
    write(jp_root_dir, "code/run.py", SCRIPT)
    write(jp_root_dir, "data/a.csv", "1\n2\n")
    body = {
        "name": "dock-proc",
        "instance_count": 2,
        "instance_type": "ml.m5.large",
        "container_entrypoint": ["python3", "/opt/ml/processing/input/code/run.py"],
        "inputs": [
            {"input_name": "code", "source": "code",
             "destination": "/opt/ml/processing/input/code"},
            {"input_name": "data", "source": "data/a.csv"},
        ],
        "outputs": [{"output_name": "result", "destination": "out/result"}],
    }  # fmt: skip
    created = await api("POST", "processing-jobs", body)
    assert created.status == 201, created.json
    assert created.json["backend"] == "docker"
    job = await finished(api, "dock-proc", timeout=120, route="processing-jobs")
    log = await full_log(api, "dock-proc", route="processing-jobs")
    assert job["status"] == "Completed", (job, log)
    assert "algo-1 | algo-1 done" in log
    assert "algo-2 | algo-2 done" in log
    result = jp_root_dir / "out" / "result"
    assert sorted(p.name for p in result.iterdir()) == ["algo-1.json", "algo-2.json"]
    report = (result / "algo-2.json").read_text()
    assert '"rows": ["1", "2"]' in report
    assert '"data": "/opt/ml/processing/input/data"' in report
