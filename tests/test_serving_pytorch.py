"""PyTorch as sagemaker-pytorch-inference-toolkit serves it: TorchScript by default,
JSON/CSV to float tensors, NPY kept, tensors out as lists; the SDK's PyTorch images
select it, through boto3 from training to invocation.

PyTorch is opt-in (its wheel is large): these tests skip without it. Install the CPU
build with ``pip install torch --index-url https://download.pytorch.org/whl/cpu`` (or
``SMSTUDIO_PYTORCH=1 bash scripts/test.sh``) and run ``pytest -m pytorch``.
"""

from __future__ import annotations

import io
import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from jupyter_smstudio.hosting.server.images import framework_for_image

from . import test_serving_server
from .aws_helpers import ACCOUNT, AwsServer, aws
from .test_aws_training import request, wait_done
from .test_serving_frameworks import _framework, _post
from .test_serving_server import Server, failed_start_log, first_model_dir

torch = pytest.importorskip("torch", reason="PyTorch is opt-in: see this module's docstring")
pytestmark = [pytest.mark.pytorch, pytest.mark.slow]
serve = test_serving_server.serve  # the fixture
__all__ = ["aws"]

REGION_IMAGES = "763104351884.dkr.ecr.us-east-1.amazonaws.com"
WEIGHTS = [[2.0, -1.0, 0.5]]
BIAS = [0.25]


def linear() -> torch.nn.Module:
    model = torch.nn.Linear(3, 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor(WEIGHTS))
        model.bias.copy_(torch.tensor(BIAS))
    return model


def expected(rows: list[list[float]]) -> list[list[float]]:
    return (np.array(rows) @ np.array(WEIGHTS).T + BIAS).tolist()  # type: ignore[no-any-return]


def test_the_sdks_pytorch_images_select_pytorch() -> None:
    for scope in ("inference", "training"):
        image = f"{REGION_IMAGES}/pytorch-{scope}:2.1-cpu-py310"
        assert framework_for_image(image) == "pytorch"
    assert framework_for_image(f"{REGION_IMAGES}/pytorch-trainer:1") is None


def test_a_torchscript_model_is_served_without_handlers(
    serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _framework(monkeypatch, "pytorch")
    model_dir = first_model_dir(tmp_path)
    torch.jit.script(linear()).save(str(model_dir / "model.pth"))  # the only .pth: loaded
    server = serve("# no handlers: the container's defaults\n")
    rows = [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]
    status, body = _post(server, json.dumps(rows).encode(), "application/json")
    assert status == 200, body
    np.testing.assert_allclose(json.loads(body), expected(rows), rtol=1e-6)
    status, body = _post(server, b"1,2,3\n0,0,0", "text/csv")
    assert status == 200, body
    np.testing.assert_allclose(json.loads(body), expected(rows), rtol=1e-6)
    buffer = io.BytesIO()
    np.save(buffer, np.array(rows, dtype=np.float32))
    status, body = _post(server, buffer.getvalue(), "application/x-npy")
    assert status == 200, body
    np.testing.assert_allclose(json.loads(body), expected(rows), rtol=1e-6)


def test_a_model_that_is_not_torchscript_fails_saying_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _framework(monkeypatch, "pytorch")
    model_dir = tmp_path / "model"
    model_dir.mkdir(parents=True)
    torch.save(linear().state_dict(), model_dir / "model.pth")  # weights only: no model_fn
    log = failed_start_log(tmp_path, "# defaults\n", wait=120)
    assert "Please ensure model is saved using torchscript" in log


STATE_DICT_SCRIPT = """
import os
import torch

def model_fn(model_dir):
    model = torch.nn.Linear(3, 1)
    model.load_state_dict(torch.load(os.path.join(model_dir, "weights.pt")))
    return model

def predict_fn(data, model):
    with torch.no_grad():
        return {"scores": model(data).squeeze(1).tolist()}
"""


def test_a_state_dict_script_with_its_own_predict_fn(
    serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The common example shape: model_fn loads weights, input_fn/output_fn default."""
    _framework(monkeypatch, "pytorch")
    model_dir = first_model_dir(tmp_path)
    torch.save(linear().state_dict(), model_dir / "weights.pt")
    server = serve(STATE_DICT_SCRIPT)
    status, body = _post(server, b"[[1, 2, 3]]", "application/json")
    assert status == 200, body
    assert json.loads(body) == {"scores": pytest.approx([row[0] for row in expected([[1, 2, 3]])])}


TRAIN = """
import os
import torch

torch.manual_seed(0)
x = torch.rand(256, 3)
y = x @ torch.tensor([[2.0], [-1.0], [0.5]]) + 0.25
model = torch.nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
for epoch in range(300):
    optimizer.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
print(f"loss={loss.item():.6f}")
torch.jit.script(model).save(os.path.join(os.environ["SM_MODEL_DIR"], "model.pt"))
"""


def test_boto3_trains_and_serves_with_the_pytorch_images(aws: AwsServer) -> None:
    code = aws.root / "torch-trainer"
    code.mkdir(exist_ok=True)
    (code / "train.py").write_text(textwrap.dedent(TRAIN))
    sm = aws.client("sagemaker")
    body = request(aws, "torch-job")
    body["AlgorithmSpecification"]["TrainingImage"] = (
        f"{REGION_IMAGES}/pytorch-training:2.1-cpu-py310"
    )
    body["HyperParameters"]["sagemaker_submit_directory"] = json.dumps(str(code))
    sm.create_training_job(**body)
    job = wait_done(sm, "torch-job")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    sm.create_model(
        ModelName="torch-model",
        PrimaryContainer={
            "Image": f"{REGION_IMAGES}/pytorch-inference:2.1-cpu-py310",
            "ModelDataUrl": job["ModelArtifacts"]["S3ModelArtifacts"],
        },
        ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole",
    )
    sm.create_endpoint_config(
        EndpointConfigName="torch-config",
        ProductionVariants=[{"VariantName": "AllTraffic", "ModelName": "torch-model",
                             "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}],
    )  # fmt: skip
    sm.create_endpoint(EndpointName="torch-ep", EndpointConfigName="torch-config")
    try:
        sm.get_waiter("endpoint_in_service").wait(
            EndpointName="torch-ep", WaiterConfig={"Delay": 1, "MaxAttempts": 180}
        )
        runtime = aws.client("sagemaker-runtime", endpoint_url=aws.server.url + "smstudio/runtime")
        answer = runtime.invoke_endpoint(
            EndpointName="torch-ep", Body=b"[[1, 2, 3], [0, 0, 0]]", ContentType="application/json"
        )
        assert answer["ContentType"] == "application/json"
        got = json.loads(answer["Body"].read())
        np.testing.assert_allclose(got, expected([[1, 2, 3], [0, 0, 0]]), atol=0.05)
    finally:
        sm.delete_endpoint(EndpointName="torch-ep")
