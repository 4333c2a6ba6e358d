"""Factorization Machines: pairwise interactions a linear model cannot fit, learnt from
sparse one-hot rows; SageMaker's test metrics and response keys; ClientErrors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from jupyter_smstudio.algorithms import factorization_machines as fm
from jupyter_smstudio.algorithms.formats import Dataset
from jupyter_smstudio.algorithms.spec import AlgorithmError

from .algorithm_runs import assert_client_error, train

USERS, ITEMS = 60, 40


def _ratings(n: int, seed: int) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """One-hot (user, item) rows; a user likes the items of its own taste group."""
    rng = np.random.default_rng(seed)
    users = rng.integers(0, USERS, n)
    items = rng.integers(0, ITEMS, n)
    rows = np.repeat(np.arange(n), 2)
    cols = np.stack([users, USERS + items], axis=1).ravel()
    X = sp.csr_matrix((np.ones(2 * n), (rows, cols)), shape=(n, USERS + ITEMS))
    liked = (users % 2 == items % 2).astype(np.float64)
    return X, liked, np.stack([users, items], axis=1)


def _hp(**extra: str) -> dict[str, str]:
    base = {
        "feature_dim": str(USERS + ITEMS),
        "num_factors": "8",
        "predictor_type": "binary_classifier",
        "epochs": "30",
        "mini_batch_size": "200",
        "linear_lr": "0.01",
        "factors_lr": "0.05",
        "factors_init_sigma": "0.1",
    }
    return {**base, **extra}


def test_binary_classifier_learns_interactions_from_sparse_rows(tmp_path: Path) -> None:
    X, y, _ = _ratings(6000, 0)
    Xt, yt, _ = _ratings(1500, 1)
    run = train(fm, tmp_path, _hp(), train=Dataset(X, y), test=Dataset(Xt, yt))
    assert set(run.metrics) == {
        "test:binary_classification_accuracy",
        "test:binary_classification_cross_entropy",
        "test:binary_f_beta",
    }
    # A linear model on the same one-hot rows is at chance: the signal is the interaction.
    linear = LogisticRegression(max_iter=1000).fit(X, y).score(Xt, yt)
    assert linear < 0.6
    assert run.metrics["test:binary_classification_accuracy"] >= 0.95
    assert run.metrics["test:binary_f_beta"] >= 0.95
    assert run.metrics["test:binary_classification_cross_entropy"] < 0.3
    model = fm.load(run.model_dir)
    records = model.predict(Xt[:4])
    assert all(set(r) == {"score", "predicted_label"} for r in records)
    assert all(r["predicted_label"] == float(r["score"] >= 0.5) for r in records)


def test_regressor_fits_a_low_rank_interaction(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    d = 10
    V = rng.normal(size=(d, 2))
    X = rng.normal(size=(4000, d))
    y = (
        0.5
        + X @ rng.normal(size=d) * 0.3
        + 0.5 * (((X @ V) ** 2).sum(1) - ((X**2) @ (V**2)).sum(1))
    )
    hp = {
        "feature_dim": str(d),
        "num_factors": "4",
        "predictor_type": "regressor",
        "epochs": "40",
        "mini_batch_size": "100",
        "bias_lr": "0.05",
        "linear_lr": "0.05",
        "factors_lr": "0.02",
        "factors_init_sigma": "0.1",
        "factors_wd": "0",
        "linear_wd": "0",
    }
    run = train(
        fm, tmp_path, hp, train=Dataset(X[:3000], y[:3000]), test=Dataset(X[3000:], y[3000:])
    )
    assert set(run.metrics) == {"test:rmse"}
    assert run.metrics["test:rmse"] < 0.2 * float(np.std(y))
    records = fm.load(run.model_dir).predict(X[3000:3003])
    assert all(set(r) == {"score"} for r in records)


def test_init_methods_and_clipping_are_honoured() -> None:
    X, y, _ = _ratings(300, 3)
    hp = fm.SPEC.validate(
        _hp(
            epochs="1",
            bias_init_method="constant",
            bias_init_value="0.25",
            bias_lr="0",
            linear_init_method="uniform",
            linear_init_scale="0.001",
            linear_lr="0",
            factors_lr="0",
        )
    )
    model = fm.fit(X, y, hp)
    assert model.w0 == pytest.approx(0.25)  # learning rate 0: the constant stays
    assert np.abs(model.w).max() <= 0.001


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ({"num_factors": None}, "num_factors", "Missing required hyperparameter: num_factors"),
        ({"predictor_type": "multiclass_classifier"}, "predictor_type", "allowed values"),
        (
            {"bias_init_method": "uniform"},
            "bias_init_scale",
            "required when bias_init_method is uniform",
        ),
        ({"factors_init_method": "constant"}, "factors_init_value", "required when"),
        ({"epochs": "0"}, "epochs", "must be in [1, inf)"),
        ({"bias_lr": "-1"}, "bias_lr", "must be in [0, inf)"),
    ],
)
def test_bad_hyperparameters_fail_with_a_client_error(
    extra: dict[str, str | None], field: str, words: str
) -> None:
    assert_client_error(fm.SPEC, {**_hp(), **extra}, field, words)


def test_labels_other_than_0_and_1_fail_a_binary_classifier() -> None:
    X, y, _ = _ratings(50, 4)
    with pytest.raises(AlgorithmError, match="must be 0 or 1; found 2"):
        fm.fit(X, y * 2, fm.SPEC.validate(_hp()))
