"""k-NN: classification and regression by the documented hyperparameters, test metrics
under SageMaker's names, dimension reduction, the verbose response, and ClientErrors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris
from sklearn.model_selection import train_test_split

from jupyter_smstudio.algorithms import knn
from jupyter_smstudio.algorithms.formats import Dataset

from .algorithm_runs import assert_client_error, train


def _split(X: np.ndarray, y: np.ndarray) -> tuple[Dataset, Dataset]:
    Xa, Xb, ya, yb = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    return Dataset(Xa, ya.astype(float)), Dataset(Xb, yb.astype(float))


def test_classifier_reports_test_accuracy_and_answers_verbose(tmp_path: Path) -> None:
    X, y = load_iris(return_X_y=True)
    tr, te = _split(X, y)
    hp = {"feature_dim": "4", "k": "5", "predictor_type": "classifier", "sample_size": "200"}
    run = train(knn, tmp_path, hp, train=tr, test=te)
    assert set(run.metrics) == {"test:accuracy"}
    assert run.metrics["test:accuracy"] >= 0.9
    model = knn.load(run.model_dir)
    plain = model.predict(te.X[:3], verbose=False)
    assert [set(r) for r in plain] == [{"predicted_label"}] * 3
    verbose = model.predict(te.X[:3])
    for record in verbose:
        assert set(record) == {"predicted_label", "labels", "distances"}
        assert len(record["labels"]) == len(record["distances"]) == 5
        assert record["distances"] == sorted(record["distances"])
    assert [r["predicted_label"] for r in plain] == [r["predicted_label"] for r in verbose]


def test_regressor_reports_test_mse_below_the_label_variance(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(600, 3))
    y = np.sin(3 * X[:, 0]) + X[:, 1] ** 2
    tr, te = Dataset(X[:450], y[:450]), Dataset(X[450:], y[450:])
    hp = {"feature_dim": "3", "k": "7", "predictor_type": "regressor", "sample_size": "450"}
    run = train(knn, tmp_path, hp, train=tr, test=te)
    assert set(run.metrics) == {"test:mse"}
    assert run.metrics["test:mse"] < 0.1 * float(np.var(y))


@pytest.mark.parametrize("kind", ["sign", "fjlt"])
def test_dimension_reduction_keeps_neighbours(tmp_path: Path, kind: str) -> None:
    X, y = load_digits(return_X_y=True)
    tr, te = _split(X, y)
    hp = {
        "feature_dim": "64",
        "k": "3",
        "predictor_type": "classifier",
        "sample_size": "2000",
        "dimension_reduction_type": kind,
        "dimension_reduction_target": "24",
    }
    run = train(knn, tmp_path, hp, train=tr, test=te)
    assert run.metrics["test:accuracy"] >= 0.9
    model = knn.load(run.model_dir)
    assert model.points.shape[1] == 24  # the index holds reduced points
    again = knn.load(run.model_dir)  # the same projection after loading
    assert model.predict(te.X[:20]) == again.predict(te.X[:20])


@pytest.mark.parametrize("metric", ["COSINE", "INNER_PRODUCT"])
def test_other_index_metrics_find_the_closest_by_that_metric(tmp_path: Path, metric: str) -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 4))
    labels = np.arange(50, dtype=float)
    hp = knn.SPEC.validate(
        {
            "feature_dim": 4,
            "k": 1,
            "predictor_type": "regressor",
            "sample_size": 50,
            "index_metric": metric,
        }
    )
    model = knn.fit(X, labels, hp)
    q = rng.normal(size=(5, 4))
    if metric == "COSINE":
        sims = (q / np.linalg.norm(q, axis=1, keepdims=True)) @ (
            X / np.linalg.norm(X, axis=1, keepdims=True)
        ).T
    else:
        sims = q @ X.T
    assert [r["predicted_label"] for r in model.predict(q)] == list(
        np.argmax(sims, axis=1).astype(float)
    )


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ({"k": None}, "k", "Missing required hyperparameter: k"),
        ({"predictor_type": "ranker"}, "predictor_type", "allowed values: classifier, regressor"),
        ({"dimension_reduction_type": "sign"}, "dimension_reduction_target", "required when"),
        (
            {"dimension_reduction_type": "fjlt", "dimension_reduction_target": "4"},
            "dimension_reduction_target",
            "less than feature_dim",
        ),
        ({"index_type": "faiss.IVFPQ", "index_metric": "COSINE"}, "index_metric", "not supported"),
        ({"faiss_index_pq_m": "5"}, "faiss_index_pq_m", "allowed values"),
    ],
)
def test_bad_hyperparameters_fail_with_a_client_error(
    extra: dict[str, str | None], field: str, words: str
) -> None:
    hp: dict[str, str | None] = {
        "feature_dim": "4",
        "k": "3",
        "predictor_type": "classifier",
        "sample_size": "10",
    }
    assert_client_error(knn.SPEC, {**hp, **extra}, field, words)
