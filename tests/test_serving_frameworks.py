"""Framework defaults: an XGBoost script-mode job deployed as the XGBoost container serves
it (``xgboost-model``, CSV/LIBSVM/JSON to ``DMatrix``), and the scikit-learn defaults
(``model_fn`` required, as in the container). ``SMSTUDIO_FRAMEWORK`` selects them."""

from __future__ import annotations

import asyncio
import http.client
import json
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.exceptions
import numpy as np
import pytest

from jupyter_smstudio.hosting.server.images import framework_for_image

from . import test_serving_server
from .conftest import ApiCall
from .hosting_models import model_server_env, stop_all_instances
from .test_hosting_endpoints import wait_status
from .test_hosting_runtime import runtime_with_new_key
from .test_serving_server import Server, failed_start_log, first_model_dir
from .training_helpers import finished, full_log, write
from .waiting import wait_until

xgb = pytest.importorskip("xgboost")
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("jp_serverapp")]
serve = test_serving_server.serve  # the fixture

TRAIN_XGBOOST = """
    import argparse, os
    import numpy as np
    import xgboost as xgb
    parser = argparse.ArgumentParser()
    parser.add_argument("--num_round", type=int)
    args = parser.parse_args()
    data = np.loadtxt(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "train.csv"), delimiter=",")
    dtrain = xgb.DMatrix(data[:, 1:], label=data[:, 0])
    booster = xgb.train({"objective": "reg:squarederror", "max_depth": 2}, dtrain,
                        num_boost_round=args.num_round)
    booster.save_model(os.path.join(os.environ["SM_MODEL_DIR"], "xgboost-model"))
"""

ROWS = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]] * 5)
LABELS = ROWS @ np.array([2.0, 3.0])


def test_images_select_their_framework() -> None:
    assert framework_for_image(
        "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
    ) == ("xgboost")
    assert (
        framework_for_image(
            "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
        )
        == "sklearn"
    )
    assert framework_for_image("smstudio-base:py311") is None
    assert framework_for_image(None) is None


async def test_xgboost_job_deploys_with_the_containers_defaults(
    api: ApiCall, jp_root_dir: Path, jp_http_port: int, jp_base_url: str, tmp_path: Path
) -> None:
    write(jp_root_dir, "src/train.py", TRAIN_XGBOOST)
    lines = [f"{y},{a},{b}" for y, (a, b) in zip(LABELS, ROWS, strict=True)]
    write(jp_root_dir, "data/train.csv", "\n".join(lines) + "\n")
    created = await api("POST", "training-jobs", {
        "name": "xgb", "entry_point": "train.py", "source_dir": "src",
        "hyperparameters": {"num_round": 20}, "instance_type": "local",
        "channels": {"train": {"path": "data"}},
    })  # fmt: skip
    assert created.status == 201, created.json
    job = await finished(api, "xgb", timeout=120)
    assert job["status"] == "Completed", (job, await full_log(api, "xgb"))
    model = {"name": "xgb", "model_data": job["model_artifacts"],
             "environment": {"SMSTUDIO_FRAMEWORK": "xgboost"}}  # fmt: skip
    assert (await api("POST", "models", model)).status == 201
    endpoint = {"name": "xgb", "variants": [{"model_name": "xgb", "workers": 1}]}
    assert (await api("POST", "endpoints", endpoint)).status == 201
    client = await runtime_with_new_key(api, f"http://127.0.0.1:{jp_http_port}{jp_base_url}")
    try:
        await wait_status(api, "xgb", "InService")

        def calls() -> dict[str, Any]:
            out = {}
            for name, content_type, body in [
                ("csv", "text/csv", b"1,1\n0,1"),
                ("json", "application/json", b"[[1, 1], [0, 1]]"),
                ("libsvm", "text/libsvm", b"0 0:1 1:1\n0 0:0 1:1\n"),
            ]:
                r = client.invoke_endpoint(
                    EndpointName="xgb", ContentType=content_type, Accept="text/csv", Body=body
                )
                out[name] = (r["ContentType"], r["Body"].read())
            try:
                client.invoke_endpoint(EndpointName="xgb", ContentType="image/png", Body=b"x")
            except botocore.exceptions.ClientError as err:
                out["png"] = err.response
            return out

        out = await asyncio.to_thread(calls)
        local = tmp_path / "xgboost-model"
        import tarfile

        with tarfile.open(job["model_artifacts"]) as tar:
            local.write_bytes(tar.extractfile("xgboost-model").read())  # type: ignore[union-attr]
        booster = xgb.Booster()
        booster.load_model(str(local))
        expected = booster.predict(xgb.DMatrix(np.array([[1.0, 1.0], [0.0, 1.0]])))
        for name in ("csv", "json", "libsvm"):
            content_type, body = out[name]
            assert content_type == "text/csv"
            got = np.array([float(v) for v in body.decode().split()])
            np.testing.assert_allclose(got, expected, rtol=1e-5)
        assert out["png"]["Error"]["Code"] == "ValidationError"
        assert "text/libsvm" in out["png"]["Error"]["Message"]
    finally:
        stop_all_instances(tmp_path / "smstudio")


XGBOOST_SCRIPT = """
import os
import xgboost as xgb

def model_fn(model_dir):
    booster = xgb.Booster()
    booster.load_model(os.path.join(model_dir, "xgboost-model"))
    return booster
"""


def _post(server: Server, body: bytes, content_type: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("POST", "/invocations", body, {"Content-Type": content_type})
    r = conn.getresponse()
    out = (r.status, r.read())
    conn.close()
    return out


def _framework(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv("SMSTUDIO_FRAMEWORK", name)


def test_xgboost_script_mode_decodes_to_dmatrix(
    serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A script with model_fn only: the container's input_fn and predict_fn apply."""
    _framework(monkeypatch, "xgboost")
    booster = xgb.train({"max_depth": 2}, xgb.DMatrix(ROWS, label=LABELS), num_boost_round=5)
    model_dir = first_model_dir(tmp_path)
    booster.save_model(str(model_dir / "xgboost-model"))
    server = serve(XGBOOST_SCRIPT)
    status, body = _post(server, b"1,1", "text/csv")
    assert status == 200
    expected = booster.predict(xgb.DMatrix(np.array([[1.0, 1.0]])))
    np.testing.assert_allclose(json.loads(body), expected, rtol=1e-5)


def test_frameworks_require_model_fn_as_their_containers_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("sklearn", "xgboost"):
        _framework(monkeypatch, name)
        log = failed_start_log(tmp_path / name, "def predict_fn(data, model):\n    pass\n")
        assert "Please provide a model_fn implementation." in log


SKLEARN_SCRIPT = """
import os
import joblib

def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))
"""


def test_sklearn_defaults_decode_float32_and_predict(
    serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import joblib  # type: ignore[import-untyped]
    from sklearn.linear_model import LinearRegression

    _framework(monkeypatch, "sklearn")
    model_dir = first_model_dir(tmp_path)
    joblib.dump(LinearRegression().fit(ROWS, LABELS), model_dir / "model.joblib")
    server = serve(SKLEARN_SCRIPT)
    status, body = _post(server, b"1,1\n0,1", "text/csv")
    assert status == 200
    np.testing.assert_allclose(json.loads(body), [5.0, 3.0], rtol=1e-5)


def test_an_unknown_framework_fails_the_server_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _framework(monkeypatch, "caffe")
    log = failed_start_log(tmp_path, SKLEARN_SCRIPT)
    assert "SMSTUDIO_FRAMEWORK='caffe' is not a framework this server knows" in log


def test_xgboost_algorithm_mode_answers_concurrent_clients_their_own_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No script: the booster from ``xgboost-model``; requests arriving together may share
    one ``predict`` (rows stacked into one DMatrix), each still gets its own answer."""
    booster = xgb.train({"max_depth": 2}, xgb.DMatrix(ROWS, label=LABELS), num_boost_round=5)
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    booster.save_model(str(model_dir / "xgboost-model"))
    info = tmp_path / "info.json"
    env = {**model_server_env(model_dir, info, workers=1), "SMSTUDIO_FRAMEWORK": "xgboost"}
    proc = subprocess.Popen([sys.executable, "-m", "jupyter_smstudio.hosting.server"], env=env)
    try:
        wait_until(lambda: info.exists() and json.loads(info.read_text()).get("ready"), 60, "ready")
        server = Server(proc, int(json.loads(info.read_text())["port"]), tmp_path / "none")
        rows = [[float(i % 2), float(i // 2 % 2)] for i in range(8)]
        answers: dict[int, list[float]] = {}

        def client(i: int) -> None:
            got = []
            for _ in range(10):
                status, body = _post(server, ",".join(map(str, rows[i])).encode(), "text/csv")
                assert status == 200
                got.append(json.loads(body)[0])
            answers[i] = got

        threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        expected = booster.predict(xgb.DMatrix(np.array(rows)))
        for i, got in answers.items():
            np.testing.assert_allclose(got, [expected[i]] * 10, rtol=1e-5)
    finally:
        proc.terminate()
        proc.wait(30)
