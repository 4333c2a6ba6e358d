"""Toolkit modules SageMaker scripts import, in training jobs and endpoints alike, and the
reserved hyperparameters that make the real training toolkit agree with the stand-in.

The real ``sagemaker-training`` and ``sagemaker-inference`` are not test dependencies
(the first pulls gevent, paramiko and protobuf); ``SMSTUDIO_REAL_TOOLKIT_PYTHON`` names a
Python that has both (``python -m venv /tmp/tk && /tmp/tk/bin/pip install
sagemaker-training sagemaker-inference``), and the tests comparing them skip without it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from . import test_serving_server
from .conftest import ApiCall
from .test_serving_server import Server
from .training_helpers import finished, full_log, write

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("jp_serverapp")]
serve = test_serving_server.serve  # the fixture
REAL_PYTHON = os.environ.get("SMSTUDIO_REAL_TOOLKIT_PYTHON")

#: Dumps ``sagemaker_training.environment.Environment()`` property by property.
DUMP_ENVIRONMENT = """
import json, sys
from sagemaker_training import environment
env = environment.Environment()
print(json.dumps({p: env[p] for p in env.properties()}, sort_keys=True, default=str))
"""

TRAIN = """
    import json, os, subprocess, sys
    import numpy as np
    import sagemaker_containers
    from sagemaker_containers.beta.framework import content_types, encoders, env, worker
    from sagemaker_inference import decoder, encoder
    from sagemaker_training import environment
    from sagemaker_xgboost_container import encoder as xgb_encoders

    model_dir = os.environ["SM_MODEL_DIR"]
    config = os.path.join(os.environ["SAGEMAKER_BASE_DIR"], "input", "config")
    report = {
        "hyperparameters.json": json.load(open(os.path.join(config, "hyperparameters.json"))),
        "paths": {m: __import__(m).__file__ for m in (
            "sagemaker_containers", "sagemaker_inference", "sagemaker_training",
            "sagemaker_xgboost_container")},
        "legacy_env_hps": sagemaker_containers.training_env().hyperparameters,
        "csv": encoders.encode(np.array([[1.5, 2.0]]), content_types.CSV),
        "json": encoder.encode(decoder.decode("[[1, 2]]", "application/json"), "application/json"),
        "rows": xgb_encoders.decode("1,2\\n3,4", "text/csv").num_row(),
    }
    stand_in = environment.Environment()
    report["stand_in"] = {p: stand_in[p] for p in stand_in.properties()}
    real = os.environ.get("REAL_TOOLKIT_PYTHON")
    if real:  # the real toolkit, in its own Python, without the stand-ins on its path
        child = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        child["SM_STUDIO_LOCAL_MODE"] = "true"
        out = subprocess.run([real, "dump_environment.py"], env=child, capture_output=True,
                             text=True, check=True).stdout
        report["real"] = json.loads(out)
    json.dump(report, open(os.path.join(model_dir, "report.json"), "w"), default=str)
"""


async def run_job(api: ApiCall, root: Path, environment: dict[str, str]) -> dict[str, Any]:
    write(root, "src/train.py", TRAIN)
    (root / "src" / "dump_environment.py").write_text(DUMP_ENVIRONMENT)
    write(root, "data/a.csv", "1,2\n")
    body = {
        "name": "toolkits",
        "entry_point": "train.py",
        "source_dir": "src",
        "hyperparameters": {"epochs": 2, "sagemaker_container_log_level": 10},
        "instance_type": "local",
        "channels": {"train": {"path": "data"}},
        "environment": environment,
    }
    created = await api("POST", "training-jobs", body)
    assert created.status == 201, created.json
    job = await finished(api, "toolkits", timeout=120)
    assert job["status"] == "Completed", (job, await full_log(api, "toolkits"))
    with tarfile.open(job["model_artifacts"]) as tar:
        return json.load(tar.extractfile("report.json"))  # type: ignore[arg-type,no-any-return]


async def test_a_job_imports_every_toolkit_and_sees_reserved_hyperparameters(
    api: ApiCall, jp_root_dir: Path
) -> None:
    report = await run_job(api, jp_root_dir, {})
    assert all("toolkits" in path for path in report["paths"].values()), report["paths"]
    hps = report["hyperparameters.json"]
    env = report["stand_in"]
    code_dir = env["module_dir"]
    assert code_dir.endswith("/code")
    # JSON-encoded as the SDK writes them; the given log level is kept
    assert hps == {
        "epochs": "2",
        "sagemaker_container_log_level": "10",
        "sagemaker_program": '"train.py"',
        "sagemaker_submit_directory": json.dumps(code_dir),
        "sagemaker_job_name": '"toolkits"',
        "sagemaker_region": '"us-east-1"',
    }
    assert env["module_name"] == "train"
    assert env["user_entry_point"] == "train.py"
    assert env["job_name"] == "toolkits"
    assert env["log_level"] == 10
    assert env["hyperparameters"] == {"epochs": 2}
    assert report["legacy_env_hps"] == {"epochs": 2}
    assert report["csv"] == "1.5,2.0\n"
    assert report["json"] == "[[1, 2]]"
    assert report["rows"] == 2


@pytest.mark.skipif(not REAL_PYTHON, reason="SMSTUDIO_REAL_TOOLKIT_PYTHON names no Python "
                    "with the real sagemaker-training installed")  # fmt: skip
async def test_the_real_training_toolkit_agrees_with_the_stand_in(
    api: ApiCall, jp_root_dir: Path
) -> None:
    assert REAL_PYTHON is not None
    report = await run_job(api, jp_root_dir, {"REAL_TOOLKIT_PYTHON": REAL_PYTHON})
    real, stand_in = report["real"], report["stand_in"]
    assert real["module_name"] == "train"  # None without the reserved hyperparameters
    assert real["user_entry_point"] == "train.py"
    # num_cpus: the real toolkit counts the machine's CPUs, the job its allotment
    differ = {
        k: (real.get(k), stand_in.get(k))
        for k in set(real) | set(stand_in)
        if k != "num_cpus" and real.get(k) != stand_in.get(k)
    }
    assert differ == {}


INFERENCE = """
import numpy as np
from sagemaker_containers.beta.framework import content_types, encoders, worker
from sagemaker_inference import decoder, encoder, errors
from sagemaker_training import environment  # imported by shared train/serve modules

def model_fn(model_dir):
    return np.array([1.0, 2.0])

def input_fn(body, content_type):
    if content_type == "application/x-legacy":
        return encoders.decode(body.decode(), content_types.CSV)
    if content_type == "text/plain":
        raise errors.GenericInferenceToolkitError(422, "not a plain text model")
    return decoder.decode(body, content_type)

def predict_fn(data, model):
    return np.atleast_2d(data) @ model

def output_fn(prediction, accept):
    if accept == "text/csv":
        return worker.Response(encoders.encode(prediction, accept), accept, mimetype=accept)
    return encoder.encode(prediction, accept)
"""


def test_an_endpoint_script_imports_the_toolkits(serve: Callable[[str], Server]) -> None:
    server = serve(INFERENCE)

    def post(body: bytes, content_type: str, accept: str) -> tuple[int, str, bytes]:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.request("POST", "/invocations", body, {"Content-Type": content_type, "Accept": accept})
        r = conn.getresponse()
        out = (r.status, r.getheader("Content-Type") or "", r.read())
        conn.close()
        return out

    assert post(b"1,1", "application/x-legacy", "text/csv") == (200, "text/csv", b"3.0\n")
    assert post(b"[[1, 2]]", "application/json", "application/json") == (
        200,
        "application/json",
        b"[5.0]",
    )
    status, _, body = post(b"x", "text/plain", "application/json")
    assert status == 422
    assert "not a plain text model" in json.loads(body)["message"]


def test_stand_ins_import_without_the_server_package(tmp_path: Path) -> None:
    """A bare Python (a container's) imports every stand-in with the launcher's paths."""
    root = Path(__file__).resolve().parent.parent / "jupyter_smstudio/training/jobfiles"
    sys.path.insert(0, str(root))
    try:
        import launcher  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(root))
    paths = launcher.toolkit_paths(str(root / "toolkits"))
    names = sorted(Path(p).name for p in paths)
    assert names == [
        "_common",
        "sagemaker_containers",
        "sagemaker_inference",
        "sagemaker_training",
        "sagemaker_xgboost_container",
    ]
    code = (
        "import sagemaker_containers.beta.framework, sagemaker_inference.encoder, "
        "sagemaker_inference.default_inference_handler, sagemaker_inference.environment, "
        "sagemaker_inference.utils, sagemaker_training.environment, "
        "sagemaker_xgboost_container.encoder; print('ok')"
    )
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": os.pathsep.join(paths)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=tmp_path
    )
    assert out.stdout.strip() == "ok", out.stderr
    assert np is not None


TRANSFORM_SCRIPT = """
import numpy as np
from sagemaker_containers.beta.framework import encoders
from sagemaker_inference import content_types

def model_fn(model_dir):
    return np.array([1.0, 2.0])

def input_fn(body, content_type):
    assert content_type == content_types.CSV
    return np.atleast_2d(encoders.decode(body, content_type))

def predict_fn(data, model):
    return {"scores": (data @ model).tolist()}  # a dict: encoded as JSON

def output_fn(prediction, accept):
    return prediction
"""


async def test_a_transform_runs_a_toolkit_script_returning_a_dict(
    api: ApiCall, jp_root_dir: Path
) -> None:
    from .hosting_models import model_tree
    from .test_hosting_transform import finished as transform_finished

    model_tree(jp_root_dir / "tk", code=TRANSFORM_SCRIPT)
    assert (await api("POST", "models", {"name": "tk", "model_data": "tk"})).status == 201
    (jp_root_dir / "in").mkdir()
    (jp_root_dir / "in" / "a.csv").write_text("1,1\n0,1\n")
    body = {
        "name": "tk",
        "model_name": "tk",
        "transform_input": {"data_source": "in", "split_type": "Line"},
        "transform_output": {"output_path": "out", "assemble_with": "Line"},
    }
    reply = await api("POST", "transform-jobs", body)
    assert reply.status == 201, reply.json
    job = await transform_finished(api, "tk")
    assert job["status"] == "Completed", job
    lines = (jp_root_dir / "out" / "a.csv.out").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [{"scores": [3.0]}, {"scores": [2.0]}]


#: The same calls into ``sagemaker_inference``'s codecs and errors,
#: printed as JSON, for the stand-in and the real package to be compared.
INFERENCE_CALLS = """
import json
import numpy as np
from sagemaker_inference import content_types, decoder, encoder, errors
out = {
    "csv": encoder.encode(np.array([[1.5, 2.0], [3.0, 4.0]]), content_types.CSV),
    "json": encoder.encode(np.array([[1.5, 2.0]]), content_types.JSON),
    "json_list": encoder.encode([1, 2], content_types.JSON),
    "from_csv": decoder.decode("1,2\\n3,4", content_types.CSV).tolist(),
    "from_json": decoder.decode("[[1, 2]]", content_types.JSON).tolist(),
    "utf8": list(content_types.UTF8_TYPES),
}
try:
    decoder.decode(b"x", "image/png")
except errors.UnsupportedFormatError as err:
    out["unsupported"] = type(err).__name__
print(json.dumps(out, sort_keys=True))
"""


@pytest.mark.skipif(not REAL_PYTHON, reason="SMSTUDIO_REAL_TOOLKIT_PYTHON names no Python "
                    "with the real sagemaker-inference installed")  # fmt: skip
def test_the_inference_stand_in_answers_as_the_real_package(tmp_path: Path) -> None:
    assert REAL_PYTHON is not None
    root = Path(__file__).resolve().parent.parent / "jupyter_smstudio/training/jobfiles/toolkits"
    stand_in_path = os.pathsep.join(str(root / n) for n in ("_common", "sagemaker_inference"))

    def run(python: str, pythonpath: str) -> Any:
        env = {"PATH": os.environ["PATH"], "PYTHONPATH": pythonpath}
        out = subprocess.run(
            [python, "-c", INFERENCE_CALLS], env=env, capture_output=True, text=True, cwd=tmp_path
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    real = run(REAL_PYTHON, "")
    assert real == run(sys.executable, stand_in_path)
    assert real["unsupported"] == "UnsupportedFormatError"
