"""k-NN, Factorization Machines, RCF and LDA as a job runs them: channel files in the
SageMaker layout (recordIO-protobuf from the official SDK's own writer, CSV label first),
``python -m jupyter_smstudio.algorithms.train``'s entry, then the model server's handlers
answering CSV, JSON and recordIO-protobuf requests in each response format."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from jupyter_smstudio.algorithms import serve
from jupyter_smstudio.algorithms import train as entry

common = pytest.importorskip("sagemaker.amazon.common", reason="the official SDK is not installed")

RECORDIO = "application/x-recordio-protobuf"


@dataclass
class Case:
    name: str
    hyperparameters: dict[str, str]
    make: Callable[[int], tuple[Any, np.ndarray | None]]  # rows -> (X, labels)
    content_type: str  # of the train channel
    keys: set[str]  # of one prediction
    metric: str | None  # logged with a test channel
    test: Callable[[int], tuple[Any, np.ndarray | None]] | None = None  # default: make
    response_key: str = "predictions"  # of the JSON response


def _blobs(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n).astype(np.float64)
    return rng.normal(size=(n, 4)) * 0.3 + y[:, None], y


def _sparse_pairs(n: int, seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray]:
    rng = np.random.default_rng(seed)
    u, i = rng.integers(0, 20, n), rng.integers(0, 20, n)
    X = sp.csr_matrix(
        (np.ones(2 * n), (np.repeat(np.arange(n), 2), np.stack([u, 20 + i], 1).ravel())),
        shape=(n, 40),
    )
    return X, (u % 2 == i % 2).astype(np.float64)


def _ring(n: int, seed: int = 0) -> tuple[np.ndarray, None]:
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, 2 * np.pi, n)
    return np.stack([np.cos(a), np.sin(a)], 1) + rng.normal(0, 0.05, (n, 2)), None


def _ring_with_anomalies(n: int) -> tuple[np.ndarray, np.ndarray]:
    X, _ = _ring(n, 1)
    X[:5] = [[0.0, 0.0], [2.0, 2.0], [-2.0, 2.0], [0.1, -0.1], [2.5, -2.5]]
    return X, np.r_[np.ones(5), np.zeros(n - 5)]


def _docs(n: int, seed: int = 0) -> tuple[np.ndarray, None]:
    rng = np.random.default_rng(seed)
    topics = np.kron(np.eye(2), np.ones(5)) / 5
    mix = rng.dirichlet([0.3, 0.3], n)
    return np.stack([rng.multinomial(30, m @ topics) for m in mix]).astype(np.float64), None


CASES = [
    Case(
        "knn",
        {"feature_dim": "4", "k": "3", "predictor_type": "classifier", "sample_size": "200"},
        _blobs,
        "text/csv",
        {"predicted_label", "labels", "distances"},  # as the model answers; see below
        "test:accuracy",
    ),
    Case(
        "factorization-machines",
        {
            "feature_dim": "40",
            "num_factors": "4",
            "predictor_type": "binary_classifier",
            "epochs": "20",
            "factors_lr": "0.05",
            "linear_lr": "0.01",
            "factors_init_sigma": "0.1",
            "mini_batch_size": "100",
        },
        _sparse_pairs,
        RECORDIO,
        {"score", "predicted_label"},
        "test:binary_classification_accuracy",
    ),
    Case(
        "randomcutforest",
        {"feature_dim": "2", "num_trees": "50", "num_samples_per_tree": "64"},
        _ring,
        "text/csv",
        {"score"},
        "test:f1",
        _ring_with_anomalies,
        "scores",
    ),
    Case(
        "lda",
        {
            "num_topics": "2",
            "feature_dim": "10",
            "mini_batch_size": "200",
            "max_restarts": "1",
            "max_iterations": "30",
        },
        _docs,
        RECORDIO,
        {"topic_mixture"},
        None,
    ),
]


def _write_channel(directory: Path, content_type: str, X: Any, y: np.ndarray | None) -> None:
    """Two files per channel, as ``record_set`` shards them (or CSV, label first)."""
    directory.mkdir(parents=True)
    half = X.shape[0] // 2
    for part, rows in enumerate((slice(0, half), slice(half, None))):
        labels = None if y is None else y[rows]
        if content_type == RECORDIO:
            buffer = io.BytesIO()
            if sp.issparse(X):
                common.write_spmatrix_to_sparse_tensor(buffer, X[rows], labels)
            else:
                common.write_numpy_to_dense_tensor(buffer, X[rows], labels)
            (directory / f"part-{part}.pbr").write_bytes(buffer.getvalue())
        else:
            block = np.asarray(X[rows])
            if labels is not None:
                block = np.column_stack([labels, block])
            np.savetxt(directory / f"part-{part}.csv", block, delimiter=",", fmt="%.6g")


def _run_job(
    tmp: Path, case: Case, channels: dict[str, tuple[Any, np.ndarray | None]]
) -> tuple[int, Path, str]:
    config = tmp / "input" / "config"
    config.mkdir(parents=True)
    (config / "hyperparameters.json").write_text(json.dumps(case.hyperparameters))
    data_config = {}
    for channel, (X, y) in channels.items():
        kind = case.content_type
        if (
            channel == "test"
            and kind == "text/csv"
            and y is not None
            and case.name == "randomcutforest"
        ):
            kind = "text/csv;label_size=1"  # RCF's test channel carries the anomaly label
        _write_channel(tmp / "input" / "data" / channel, kind.split(";")[0], X, y)
        data_config[channel] = {"ContentType": kind}
    (config / "inputdataconfig.json").write_text(json.dumps(data_config))
    out = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out):
        rc = entry.run([case.name], {"SMSTUDIO_OPT_ML": str(tmp)})
    return rc, tmp / "model", out.getvalue()


def _requests(X: np.ndarray) -> list[tuple[bytes, str]]:
    X = X.astype(np.float32)  # what every format carries exactly
    csv = "\n".join(",".join(repr(float(v)) for v in row) for row in X).encode()
    as_json = json.dumps({"instances": [{"features": row.tolist()} for row in X]}).encode()
    buffer = io.BytesIO()
    common.write_numpy_to_dense_tensor(buffer, X.astype(np.float32))
    return [(csv, "text/csv"), (as_json, "application/json"), (buffer.getvalue(), RECORDIO)]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_job_then_endpoint_in_every_format(tmp_path: Path, case: Case) -> None:
    X, y = case.make(300)
    channels: dict[str, tuple[Any, np.ndarray | None]] = {"train": (X, y)}
    if case.metric is not None:
        channels["test"] = (case.test or case.make)(100)
    rc, model_dir, log = _run_job(tmp_path, case, channels)
    assert rc == 0, (tmp_path / "output" / "failure").read_text()
    if case.metric is not None:
        assert f"test {case.metric.split(':')[1]} <" in log
    model = serve.model_fn(str(model_dir))
    rows = np.asarray(X[:3].toarray() if sp.issparse(X) else X[:3])
    answers = []
    for body, content_type in _requests(rows):
        prediction = serve.predict_fn(serve.input_fn(body, content_type), model)
        records = prediction["predictions"]
        assert len(records) == 3
        assert all(set(r) == case.keys for r in records)
        answers.append(records)
    assert answers[0] == answers[1] == answers[2]  # the same rows, whatever the format
    body, kind = serve.output_fn(prediction, "application/x-recordio-protobuf; verbose=true")
    decoded = common.RecordDeserializer().deserialize(io.BytesIO(body), kind)
    assert set(decoded[0].label) == case.keys
    body, _ = serve.output_fn(prediction, "application/json; verbose=true")
    assert json.loads(body) == {case.response_key: answers[0]}
    lines, _ = serve.output_fn(prediction, "application/jsonlines; verbose=true")
    assert [json.loads(line) for line in lines.decode().splitlines()] == answers[0]


def test_knn_answers_labels_and_distances_only_when_verbose(tmp_path: Path) -> None:
    case = CASES[0]
    rc, model_dir, _ = _run_job(tmp_path, case, {"train": case.make(60)})
    assert rc == 0
    model = serve.model_fn(str(model_dir))
    prediction = serve.predict_fn(serve.input_fn(b"0,0,0,0\n1,1,1,1", "text/csv"), model)
    plain = json.loads(serve.output_fn(prediction, "application/json")[0])
    assert [set(r) for r in plain["predictions"]] == [{"predicted_label"}] * 2
    verbose = json.loads(serve.output_fn(prediction, "application/json; verbose=true")[0])
    for record in verbose["predictions"]:
        assert set(record) == {"predicted_label", "labels", "distances"}
        assert len(record["labels"]) == 3
        assert record["distances"] == sorted(record["distances"])
    assert serve.output_fn(prediction, "text/csv")[0].decode().splitlines() == [
        repr(r["predicted_label"]) for r in plain["predictions"]
    ]


def test_a_missing_required_hyperparameter_fails_the_job_with_the_message(tmp_path: Path) -> None:
    case = CASES[0]
    broken = Case(
        **{
            **case.__dict__,
            "hyperparameters": {k: v for k, v in case.hyperparameters.items() if k != "k"},
        }
    )
    rc, _, _ = _run_job(tmp_path, broken, {"train": case.make(20)})
    assert rc == 1
    assert (
        tmp_path / "output" / "failure"
    ).read_text().strip() == "ClientError: Missing required hyperparameter: k"


@pytest.mark.parametrize(
    ("module", "page"),
    [
        ("knn", "knn"),
        ("factorization_machines", "factorization-machines"),
        ("random_cut_forest", "random-cut-forest"),
        ("lda", "lda"),
    ],
)
def test_each_page_documents_every_hyperparameter_and_metric(module: str, page: str) -> None:
    import importlib

    spec = importlib.import_module(f"jupyter_smstudio.algorithms.{module}").SPEC
    text = (Path(__file__).parent.parent / "docs" / "algorithms" / f"{page}.md").read_text()
    for h in spec.hyperparameters:
        assert f"| `{h.name}` |" in text, h.name
    for m in spec.metrics:
        assert f"`{m.name}`" in text, m.name
    assert f"`{spec.response_key}`" in text or f'"{spec.response_key}"' in text
