"""Linear Learner on scikit-learn: the job entry point and the handlers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.algorithm_helpers import invoke, invoke_recordio, run_algorithm, write_channel

datasets = pytest.importorskip("sklearn.datasets")


def _split(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    order = np.random.default_rng(0).permutation(len(y))
    X, y = X[order].astype(np.float32), y[order].astype(np.float64)
    cut = int(len(y) * 0.7)
    return X[:cut], y[:cut], X[cut:], y[cut:]


@pytest.mark.parametrize("content_type", ["text/csv", "application/x-recordio-protobuf"])
def test_binary_classifier_matches_logistic_regression(tmp_path: Path, content_type: str) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    Xt, yt, Xv, yv = _split(*datasets.load_breast_cancer(return_X_y=True))
    channels = {
        "train": (content_type, write_channel(tmp_path / "train", content_type, Xt, yt, parts=3)),
        "validation": (content_type, write_channel(tmp_path / "validation", content_type, Xv, yv)),
        "test": (content_type, write_channel(tmp_path / "test", content_type, Xv, yv)),
    }
    hp = {"predictor_type": "binary_classifier", "feature_dim": Xt.shape[1]}
    result = run_algorithm(tmp_path / "ml", "linear-learner", hp, channels)
    assert result.status == 0, result.log
    reference = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(Xt, yt)
    baseline = reference.score(Xv, yv)
    assert result.metric("test:binary_classification_accuracy") >= baseline - 0.01
    assert result.metric("validation:roc_auc_score") > 0.97
    assert result.metric("train:objective_loss") < 0.2

    csv = "\n".join(",".join(map(str, r)) for r in Xv[:4])
    body, kind = invoke(result.model_dir, csv, "text/csv", "application/json")
    predictions = json.loads(body)["predictions"]
    assert kind == "application/json"
    assert [set(p) for p in predictions] == [{"score", "predicted_label"}] * 4
    assert [p["predicted_label"] for p in predictions] == [
        int(v) for v in reference.predict(Xv[:4])
    ]
    assert all(0 <= p["score"] <= 1 for p in predictions)
    body, _ = invoke(result.model_dir, csv, "text/csv", "application/jsonlines")
    assert [json.loads(line) for line in body.decode().splitlines()] == predictions
    labels = invoke_recordio(result.model_dir, Xv[:4], "predicted_label")
    assert [int(v) for v in labels] == [p["predicted_label"] for p in predictions]


def test_multiclass_and_regressor(tmp_path: Path) -> None:
    Xt, yt, Xv, yv = _split(*datasets.load_iris(return_X_y=True))
    train = write_channel(tmp_path / "iris", "text/csv", Xt, yt)
    test = write_channel(tmp_path / "iris-test", "text/csv", Xv, yv)
    hp = {"predictor_type": "multiclass_classifier", "num_classes": 3}
    result = run_algorithm(
        tmp_path / "ml",
        "linear-learner",
        hp,
        {"train": ("text/csv", train), "test": ("text/csv", test)},
    )
    assert result.status == 0, result.log
    assert result.metric("test:multiclass_accuracy") > 0.9
    body, _ = invoke(
        result.model_dir,
        json.dumps({"instances": [{"features": list(map(float, Xv[0]))}]}),
        "application/json",
        "application/json",
    )
    (prediction,) = json.loads(body)["predictions"]
    assert len(prediction["score"]) == 3
    assert prediction["predicted_label"] == int(yv[0])

    X, y = datasets.make_regression(n_samples=400, n_features=5, noise=1.0, random_state=0)
    y = y + 100.0  # an offset the bias and label normalisation must carry
    regression = write_channel(tmp_path / "reg", "text/csv", X[:300], y[:300])
    held = write_channel(tmp_path / "reg-test", "text/csv", X[300:], y[300:])
    result = run_algorithm(
        tmp_path / "ml2",
        "linear-learner",
        {"predictor_type": "regressor"},
        {"train": ("text/csv", regression), "test": ("text/csv", held)},
    )
    assert result.status == 0, result.log
    assert result.metric("test:rmse") < 2.0
    body, _ = invoke(result.model_dir, ",".join(map(str, X[300])), "text/csv", "application/json")
    (prediction,) = json.loads(body)["predictions"]
    assert set(prediction) == {"score"}
    assert prediction["score"] == pytest.approx(y[300], abs=5)


@pytest.mark.parametrize(
    ("hyperparameters", "message"),
    [
        ({}, "ClientError: Missing required hyperparameter: predictor_type"),
        (
            {"predictor_type": "multiclass_classifier"},
            "ClientError: Missing required hyperparameter: num_classes",
        ),
        (
            {"predictor_type": "regressor", "loss": "logistic"},
            "ClientError: loss logistic is not valid for predictor_type regressor",
        ),
        (
            {"predictor_type": "binary_classifier", "feature_dim": 3},
            "ClientError: feature_dim is 3 but the train channel has 2",
        ),
        (
            {"predictor_type": "binary_classifier", "num_round": 3},
            "ClientError: Additional hyperparameters are not allowed ('num_round' was unexpected)",
        ),
    ],
)
def test_bad_hyperparameters_fail_with_the_algorithms_message(
    tmp_path: Path, hyperparameters: dict[str, object], message: str
) -> None:
    train = write_channel(tmp_path / "train", "text/csv", np.eye(4)[:, :2], np.array([0, 1, 0, 1]))
    result = run_algorithm(
        tmp_path / "ml", "linear-learner", hyperparameters, {"train": ("text/csv", train)}
    )
    assert result.status == 1
    assert result.failure is not None
    assert result.failure.startswith(message), result.failure
