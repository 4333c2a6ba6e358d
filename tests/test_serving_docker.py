"""Toolkit stand-ins and non-bytes results on the Docker backend: a job in a container
imports every toolkit and sees the reserved hyperparameters; its model, served in a
container by a script written against ``sagemaker_containers``, answers a dict as JSON."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from .conftest import ApiCall
from .hosting_models import stop_all_instances
from .test_hosting_docker import DOCKER_BACKEND, DOCKER_MARKS
from .test_hosting_endpoints import invoke, wait_status
from .training_helpers import finished, full_log, write

pytestmark = DOCKER_MARKS


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {
        **jp_server_config,
        "TrainingJobs": {"backend": "docker", "stop_grace_seconds": 2.0},
        "Hosting": {"backend_class": DOCKER_BACKEND, "drain_seconds": 2},
    }


TRAIN = """
    import json, os
    import numpy as np
    import sagemaker_containers
    from sagemaker_containers.beta.framework import encoders, worker
    import sagemaker_inference.encoder
    import sagemaker_xgboost_container.encoder
    from sagemaker_training import environment
    env = environment.Environment()
    hps = json.load(open("/opt/ml/input/config/hyperparameters.json"))
    np.save("/opt/ml/model/weights.npy", np.array([1.0, 2.0]))
    json.dump({"module_name": env.module_name, "module_dir": env.module_dir, "hps": hps},
              open("/opt/ml/model/report.json", "w"))
"""

INFERENCE = """
import os
import numpy as np
from sagemaker_containers.beta.framework import encoders

def model_fn(model_dir):
    return np.load(os.path.join(model_dir, "weights.npy"))

def input_fn(body, content_type):
    return encoders.decode(body, content_type)

def predict_fn(data, model):
    return {"prediction": (np.atleast_2d(data) @ model).tolist()}

def output_fn(prediction, accept):
    return prediction  # a dict: answered as JSON
"""


async def test_job_and_endpoint_in_containers_see_the_toolkits(
    api: ApiCall, jp_fetch: Any, jp_root_dir: Path, tmp_path: Path
) -> None:
    write(jp_root_dir, "src/train.py", TRAIN)
    write(jp_root_dir, "src/inference.py", INFERENCE)
    write(jp_root_dir, "data/a.csv", "1,2\n")
    body = {"name": "tk", "entry_point": "train.py", "source_dir": "src",
            "hyperparameters": {"epochs": 1}, "instance_type": "ml.m5.large",
            "channels": {"train": {"path": "data"}}}  # fmt: skip
    assert (await api("POST", "training-jobs", body)).status == 201
    job = await finished(api, "tk", timeout=120)
    assert job["status"] == "Completed", (job, await full_log(api, "tk"))
    with tarfile.open(job["model_artifacts"]) as tar:
        report = json.load(tar.extractfile("report.json"))  # type: ignore[arg-type]
    assert report["module_name"] == "train"
    assert report["module_dir"] == "/opt/ml/code"
    assert report["hps"]["sagemaker_program"] == '"train.py"'
    assert report["hps"]["sagemaker_submit_directory"] == '"/opt/ml/code"'
    model = {"name": "tk", "model_data": job["model_artifacts"], "source_dir": "src",
             "entry_point": "inference.py", "instance_type": "ml.t3.medium"}  # fmt: skip
    assert (await api("POST", "models", model)).status == 201, model
    try:
        endpoint = {"name": "tk", "variants": [{"model_name": "tk", "workers": 1}]}
        assert (await api("POST", "endpoints", endpoint)).status == 201
        ready = (await wait_status(api, "tk", "InService", "Failed", timeout=120)).json
        assert ready["status"] == "InService", ready
        r = await invoke(jp_fetch, "tk", b"1,1", accept="text/csv")
        assert r.code == 200, r.body
        assert r.headers["Content-Type"] == "application/json"
        assert json.loads(r.body) == {"prediction": [3.0]}
    finally:
        await api("DELETE", "endpoints/tk")
        stop_all_instances(tmp_path / "smstudio")
