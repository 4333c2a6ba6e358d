"""k-NN, Factorization Machines, Random Cut Forest and LDA end to end on a real server: a
training job per algorithm, its metrics, an endpoint answering CSV, JSON and
recordIO-protobuf, a batch transform of a file, and a CreateTrainingJob with the official
SDK's image URI failing on a missing hyperparameter with the algorithm's message.

One path per algorithm; their behaviour is unit-tested in test_algorithms_<name>.py.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from .algorithm_helpers import write_channel
from .aws_helpers import AwsServer, aws
from .test_algorithms_jobs import _job
from .waiting import wait_until

pytestmark = pytest.mark.slow
__all__ = ["aws"]

os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
common = pytest.importorskip("sagemaker.amazon.common", reason="the official SDK is not installed")
image_uris = pytest.importorskip("sagemaker.image_uris")
RECORDIO = "application/x-recordio-protobuf"


@dataclass
class Case:
    algorithm: str
    hyperparameters: dict[str, Any]
    channels: Callable[[], dict[str, tuple[str, Any, Any]]]  # name -> (content type, X, y)
    metric: tuple[str, Callable[[float], bool]] | None
    queries: np.ndarray  # three rows to predict
    keys: set[str]
    response_key: str = "predictions"
    required: str = "feature_dim"  # left out of the failing CreateTrainingJob
    check: Callable[[list[dict[str, Any]]], bool] = field(default=lambda records: True)


def _blobs() -> dict[str, tuple[str, Any, Any]]:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300).astype(np.float64)
    X = rng.normal(size=(300, 4)) * 0.3 + y[:, None]
    return {"train": ("text/csv", X[:240], y[:240]), "test": (RECORDIO, X[240:], y[240:])}


def _pairs() -> dict[str, tuple[str, Any, Any]]:
    rng = np.random.default_rng(0)
    u, i = rng.integers(0, 20, 3000), rng.integers(0, 20, 3000)
    rows, cols = np.repeat(np.arange(3000), 2), np.stack([u, 20 + i], 1).ravel()
    X = sp.csr_matrix((np.ones(6000, np.float32), (rows, cols)), shape=(3000, 40))
    y = (u % 2 == i % 2).astype(np.float64)
    return {"train": (RECORDIO, X[:2400], y[:2400]), "test": (RECORDIO, X[2400:], y[2400:])}


def _ring() -> dict[str, tuple[str, Any, Any]]:
    rng = np.random.default_rng(0)
    a = rng.uniform(0, 2 * np.pi, 500)
    X = np.stack([np.cos(a), np.sin(a)], 1) + rng.normal(0, 0.05, (500, 2))
    test = X[400:].copy()
    test[:4] = [[0.0, 0.0], [2.0, 2.0], [-2.0, -2.0], [2.5, 0.0]]
    labels = np.r_[np.ones(4), np.zeros(96)]
    return {"train": ("text/csv", X[:400], None), "test": ("text/csv;label_size=1", test, labels)}


def _docs() -> dict[str, tuple[str, Any, Any]]:
    rng = np.random.default_rng(0)
    topics = np.kron(np.eye(2), np.ones(5)) / 5
    mix = rng.dirichlet([0.3, 0.3], 300)
    X = np.stack([rng.multinomial(30, m @ topics) for m in mix]).astype(np.float64)
    return {"train": (RECORDIO, X[:250], None), "test": (RECORDIO, X[250:], None)}


def _one_hot(pairs: list[tuple[int, int]]) -> np.ndarray:
    X = np.zeros((len(pairs), 40))
    for row, (u, i) in enumerate(pairs):
        X[row, u], X[row, 20 + i] = 1, 1
    return X


def _anomaly_first(records: list[dict[str, Any]]) -> bool:
    return bool(records[0]["score"] > 2 * max(records[1]["score"], records[2]["score"]))


CASES = [
    Case(
        "knn",
        {"feature_dim": 4, "k": 5, "predictor_type": "classifier", "sample_size": 240},
        _blobs,
        ("test:accuracy", lambda v: v >= 0.9),
        np.array([[0.0] * 4, [1.0] * 4, [2.0] * 4]),
        {"predicted_label"},
        required="k",
        check=lambda records: [r["predicted_label"] for r in records] == [0.0, 1.0, 2.0],
    ),
    Case(
        "factorization-machines",
        {
            "feature_dim": 40,
            "num_factors": 4,
            "predictor_type": "binary_classifier",
            "epochs": 20,
            "mini_batch_size": 200,
            "factors_lr": 0.05,
            "linear_lr": 0.01,
            "factors_init_sigma": 0.1,
        },
        _pairs,
        ("test:binary_classification_accuracy", lambda v: v >= 0.95),
        _one_hot([(0, 2), (1, 3), (0, 1)]),
        {"score", "predicted_label"},
        required="num_factors",
        check=lambda records: [r["predicted_label"] for r in records] == [1.0, 1.0, 0.0],
    ),
    Case(
        "randomcutforest",
        {"feature_dim": 2, "num_trees": 50, "num_samples_per_tree": 128},
        _ring,
        ("test:f1", lambda v: v >= 0.8),
        np.array([[0.0, 0.0], [1.0, 0.0], [0.0, -1.0]]),
        {"score"},
        response_key="scores",
        check=_anomaly_first,
    ),
    Case(
        "lda",
        {"num_topics": 2, "feature_dim": 10, "mini_batch_size": 250, "max_restarts": 2},
        _docs,
        ("test:pwll", lambda v: np.log(1 / 10) < v < 0),
        np.array([[6.0] * 5 + [0.0] * 5, [0.0] * 5 + [6.0] * 5, [3.0] * 10]),
        {"topic_mixture"},
        required="num_topics",
        check=lambda records: abs(sum(records[0]["topic_mixture"]) - 1) < 1e-6,
    ),
]


def _wait_rest(aws: AwsServer, name: str) -> dict[str, Any]:
    def ended() -> bool:
        status = aws.rest("GET", f"training-jobs/{name}").json()["status"]
        return status in ("Completed", "Failed", "Stopped")

    wait_until(ended, 300, f"job {name}")
    return dict(aws.rest("GET", f"training-jobs/{name}").json())


@pytest.mark.parametrize("case", CASES, ids=[c.algorithm for c in CASES])
def test_train_deploy_predict_transform_and_fail(aws: AwsServer, case: Case) -> None:
    name = f"alg2-{case.algorithm}"
    channels = {}
    for channel, (content_type, X, y) in case.channels().items():
        write_channel(aws.root / name / channel, content_type.split(";")[0], X, y, parts=2)
        channels[channel] = {"path": f"{name}/{channel}", "content_type": content_type}
    job = {
        "name": name,
        "algorithm": case.algorithm,
        "hyperparameters": case.hyperparameters,
        "channels": channels,
        "output_path": f"{name}-out",
    }
    made = aws.rest("POST", "training-jobs", json=job)
    assert made.status_code == 201, made.text
    done = _wait_rest(aws, name)
    assert done["status"] == "Completed", done.get("failure_reason")
    assert done["spec"]["algorithm"] == case.algorithm
    if case.metric is not None:
        final = {m["name"]: m["value"] for m in done["final_metrics"]}
        metric, sensible = case.metric
        assert sensible(final[metric]), final

    sm = aws.client("sagemaker")
    model = {"name": name, "model_data": f"{name}-out/{name}/output/model.tar.gz"}
    assert aws.rest("POST", "models", json=model).status_code == 201
    variant = {
        "VariantName": "AllTraffic",
        "ModelName": name,
        "InitialInstanceCount": 1,
        "InstanceType": "ml.m5.large",
    }
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[variant])
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name)
    sm.get_waiter("endpoint_in_service").wait(
        EndpointName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 180}
    )
    runtime = aws.client("sagemaker-runtime", endpoint_url=aws.server.url + "smstudio/runtime")
    rows = case.queries.astype(np.float32)

    def ask(body: bytes | str, content_type: str, accept: str) -> bytes:
        answer = runtime.invoke_endpoint(
            EndpointName=name, Body=body, ContentType=content_type, Accept=accept
        )
        return bytes(answer["Body"].read())

    csv = "\n".join(",".join(repr(float(v)) for v in r) for r in rows)
    by_csv = json.loads(ask(csv, "text/csv", "application/json"))
    assert list(by_csv) == [case.response_key]
    records = by_csv[case.response_key]
    assert [set(r) for r in records] == [case.keys] * 3
    assert case.check(records), records
    instances = {"instances": [{"features": r.tolist()} for r in rows]}
    by_json = json.loads(ask(json.dumps(instances), "application/json", "application/json"))
    assert by_json == by_csv
    buffer = io.BytesIO()
    common.write_numpy_to_dense_tensor(buffer, rows)
    body = ask(buffer.getvalue(), RECORDIO, RECORDIO)
    decoded = common.RecordDeserializer().deserialize(io.BytesIO(body), RECORDIO)
    assert [set(r.label) for r in decoded] == [case.keys] * 3
    sm.delete_endpoint(EndpointName=name)

    # Batch transform of a CSV file, answered as JSON Lines.
    (aws.root / name / "batch").mkdir()
    (aws.root / name / "batch" / "rows.csv").write_text(csv + "\n")
    transform = {
        "name": f"{name}-batch",
        "model_name": name,
        "transform_input": {
            "data_source": f"{name}/batch",
            "split_type": "Line",
            "content_type": "text/csv",
        },
        "transform_output": {
            "output_path": f"{name}/out",
            "assemble_with": "Line",
            "accept": "application/jsonlines",
        },
        "batch_strategy": "MultiRecord",
    }
    answer = aws.rest("POST", "transform-jobs", json=transform)
    assert answer.status_code == 201, answer.text
    sm.get_waiter("transform_job_completed_or_stopped").wait(
        TransformJobName=f"{name}-batch", WaiterConfig={"Delay": 1, "MaxAttempts": 180}
    )
    status = sm.describe_transform_job(TransformJobName=f"{name}-batch")
    assert status["TransformJobStatus"] == "Completed", status.get("FailureReason")
    (out,) = (aws.root / name / "out").iterdir()
    lines = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    # The same records as the endpoint's, to rounding: LDA's sums may run in another order.
    assert [set(r) for r in lines] == [set(r) for r in records]
    assert [pytest.approx(r[k]) for r in lines for k in r] == [r[k] for r in records for k in r]

    # The official image URI selects the algorithm; a missing hyperparameter fails the job.
    image = image_uris.retrieve(case.algorithm, "us-east-1")
    partial = {k: str(v) for k, v in case.hyperparameters.items() if k != case.required}
    sm.create_training_job(**_job(f"{name}-bad", image, partial))
    wait_until(
        lambda: (
            sm.describe_training_job(TrainingJobName=f"{name}-bad")["TrainingJobStatus"]
            in ("Completed", "Failed", "Stopped")
        ),
        180,
        "the job to end",
    )
    failed = sm.describe_training_job(TrainingJobName=f"{name}-bad")
    assert failed["TrainingJobStatus"] == "Failed"
    assert (
        failed["FailureReason"] == f"ClientError: Missing required hyperparameter: {case.required}"
    )
