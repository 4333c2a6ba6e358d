"""XGBoost in algorithm mode: the job entry point and the handlers, on real xgboost."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.algorithm_helpers import invoke, invoke_recordio, run_algorithm, write_channel

xgb = pytest.importorskip("xgboost")
datasets = pytest.importorskip("sklearn.datasets")


@pytest.fixture(scope="module")
def cancer() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X, y = datasets.load_breast_cancer(return_X_y=True)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    X, y = X[order].astype(np.float32), y[order].astype(np.float64)
    return X[:400], y[:400], X[400:], y[400:]


def _booster(model_dir: Path) -> object:
    booster = xgb.Booster()
    booster.load_model(bytearray((model_dir / "xgboost-model").read_bytes()))
    return booster


BINARY = {
    "num_round": 60,
    "objective": "binary:logistic",
    "eval_metric": "auc,logloss",
    "max_depth": 3,
    "eta": 0.2,
}


@pytest.mark.parametrize(
    "content_type",
    ["text/csv", "text/libsvm", "application/x-parquet", "application/x-recordio-protobuf"],
)
def test_binary_auc_on_breast_cancer_in_each_content_type(
    tmp_path: Path, cancer: tuple[np.ndarray, ...], content_type: str
) -> None:
    Xt, yt, Xv, yv = cancer
    train = write_channel(tmp_path / "train", content_type, Xt, yt, parts=2)
    valid = write_channel(tmp_path / "validation", content_type, Xv, yv)
    result = run_algorithm(
        tmp_path / "ml",
        "xgboost",
        BINARY,
        {"train": (content_type, train), "validation": (content_type, valid)},
    )
    assert result.status == 0, result.log
    assert result.metric("validation:auc") >= 0.97
    assert result.metric("train:logloss") < 0.1
    booster = xgb.Booster()
    booster.load_model(
        bytearray((result.model_dir / "xgboost-model").read_bytes())
    )  # the SageMaker artifact
    assert booster.num_boosted_rounds() == 60


def test_predictions_in_each_format(tmp_path: Path, cancer: tuple[np.ndarray, ...]) -> None:
    Xt, yt, Xv, _ = cancer
    train = write_channel(tmp_path / "train", "text/csv", Xt, yt)
    result = run_algorithm(tmp_path / "ml", "xgboost", BINARY, {"train": ("text/csv", train)})
    assert result.status == 0, result.log
    direct = _booster(result.model_dir).predict(xgb.DMatrix(Xv[:3]))
    csv = "\n".join(",".join(map(str, r)) for r in Xv[:3])
    body, kind = invoke(result.model_dir, csv, "text/csv", "text/csv")
    assert kind == "text/csv"
    np.testing.assert_allclose([float(v) for v in body.decode().split(",")], direct, rtol=1e-5)
    body, kind = invoke(
        result.model_dir,
        json.dumps({"instances": [{"features": list(map(float, r))} for r in Xv[:3]]}),
        "application/json",
        "application/json",
    )
    scores = [p["score"] for p in json.loads(body)["predictions"]]
    np.testing.assert_allclose(scores, direct, rtol=1e-5)
    body, kind = invoke(result.model_dir, csv, "text/csv", "application/jsonlines")
    assert [json.loads(line)["score"] for line in body.decode().splitlines()] == pytest.approx(
        direct, rel=1e-5
    )
    scores = invoke_recordio(result.model_dir, Xv[:3], "score")
    assert scores == pytest.approx(direct, rel=1e-5)


def test_multiclass_softprob_and_early_stopping(tmp_path: Path) -> None:
    X, y = datasets.load_iris(return_X_y=True)
    train = write_channel(tmp_path / "train", "text/csv", X[::2], y[::2])
    valid = write_channel(tmp_path / "validation", "text/csv", X[1::2], y[1::2])
    hp = {
        "num_round": 500,
        "objective": "multi:softprob",
        "num_class": 3,
        "early_stopping_rounds": 5,
    }
    result = run_algorithm(
        tmp_path / "ml",
        "xgboost",
        hp,
        {"train": ("text/csv", train), "validation": ("text/csv", valid)},
    )
    assert result.status == 0, result.log
    assert result.metric("validation:mlogloss") < 0.4
    assert _booster(result.model_dir).num_boosted_rounds() < 500
    body, _ = invoke(result.model_dir, ",".join(map(str, X[0])), "text/csv", "application/json")
    (prediction,) = json.loads(body)["predictions"]
    assert len(prediction["score"]) == 3
    assert int(np.argmax(prediction["score"])) == 0


@pytest.mark.parametrize(
    ("hyperparameters", "message"),
    [
        (
            {"objective": "binary:logistic"},
            "ClientError: Missing required hyperparameter: num_round",
        ),
        (
            {"num_round": 5, "objective": "multi:softmax"},
            "ClientError: Missing required hyperparameter: num_class",
        ),
        (
            {"num_round": 5, "eta": 2},
            "ClientError: Invalid value for hyperparameter eta: 2.0; eta must be in [0, 1].",
        ),
        (
            {"num_round": 5, "objective": "binary:nope"},
            "ClientError: Invalid value for hyperparameter objective",
        ),
    ],
)
def test_bad_hyperparameters_fail_with_the_algorithms_message(
    tmp_path: Path, hyperparameters: dict[str, object], message: str
) -> None:
    train = write_channel(tmp_path / "train", "text/csv", np.ones((4, 2)), np.zeros(4))
    result = run_algorithm(
        tmp_path / "ml", "xgboost", hyperparameters, {"train": ("text/csv", train)}
    )
    assert result.status == 1
    assert result.failure is not None
    assert result.failure.startswith(message)
