"""Random Cut Forest: planted anomalies score highest, the three-sigma test metrics under
SageMaker's names, the same scores after loading, and ClientErrors."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from jupyter_smstudio.algorithms import random_cut_forest as rcf
from jupyter_smstudio.algorithms.formats import Dataset
from jupyter_smstudio.algorithms.spec import AlgorithmError

from .algorithm_runs import assert_client_error, train

if importlib.util.find_spec("rrcf") is None:
    pytest.skip("rrcf (the algorithms extra) is not installed", allow_module_level=True)


def _data(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Points on a noisy ring, with 8 planted far from it (label 1)."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi, 400)
    normal = np.stack([np.cos(angle), np.sin(angle), rng.normal(0, 0.05, 400)], axis=1)
    normal[:, :2] += rng.normal(0, 0.05, (400, 2))
    planted = rng.normal(0, 0.1, (8, 3)) + np.array([0.0, 0.0, 1.5])
    planted[::2, 2] *= -1
    X = np.vstack([normal, planted])
    return X, np.r_[np.zeros(400), np.ones(8)]


def test_planted_anomalies_score_highest_and_test_f1_is_reported(tmp_path: Path) -> None:
    X, _ = _data(0)
    Xt, yt = _data(1)
    hp = {"feature_dim": "3", "num_trees": "50", "num_samples_per_tree": "128"}
    run = train(rcf, tmp_path, hp, train=Dataset(X[:400]), test=Dataset(Xt, yt))
    assert set(run.metrics) == {"test:f1", "test:accuracy", "test:precision", "test:recall"}
    assert run.metrics["test:f1"] >= 0.8
    assert run.metrics["test:accuracy"] >= 0.99
    model = rcf.load(run.model_dir)
    records = model.predict(Xt)
    assert all(set(r) == {"score"} for r in records)
    scores = np.array([r["score"] for r in records])
    top = set(np.argsort(scores)[-8:].tolist())
    assert top == set(range(400, 408))  # the 8 planted points, and no ring point above them
    # Scoring leaves the trees as they were: the same scores again, and after reloading.
    np.testing.assert_allclose(model.scores(Xt[:20]), scores[:20])
    np.testing.assert_allclose(rcf.load(run.model_dir).scores(Xt[:20]), scores[:20])


def test_eval_metrics_chooses_what_is_reported(tmp_path: Path) -> None:
    X, y = _data(2)
    hp = {
        "feature_dim": "3",
        "num_trees": "50",
        "num_samples_per_tree": "64",
        "eval_metrics": "accuracy",
    }
    run = train(rcf, tmp_path, hp, train=Dataset(X), test=Dataset(X, y))
    assert set(run.metrics) == {"test:f1", "test:accuracy"}


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ({"feature_dim": None}, "feature_dim", "Missing required hyperparameter: feature_dim"),
        ({"num_trees": "10"}, "num_trees", "must be in [50, 1000]"),
        ({"num_samples_per_tree": "4096"}, "num_samples_per_tree", "must be in [1, 2048]"),
        ({"eval_metrics": "accuracy,auc"}, "eval_metrics", "allowed values"),
    ],
)
def test_bad_hyperparameters_fail_with_a_client_error(
    extra: dict[str, str | None], field: str, words: str
) -> None:
    assert_client_error(rcf.SPEC, {"feature_dim": "3", **extra}, field, words)


def test_a_request_of_the_wrong_width_is_a_client_error() -> None:
    X, _ = _data(3)
    model = rcf.fit(
        X, rcf.SPEC.validate({"feature_dim": "3", "num_trees": "50", "num_samples_per_tree": "16"})
    )
    with pytest.raises(AlgorithmError, match="Expected 3 features per instance, got 2"):
        model.predict(X[:2, :2])


class _Draws:
    """A stand-in for a tree's RandomState that hands out the scorer's draws in order."""

    def __init__(self, draws: np.ndarray) -> None:
        self.draws = iter(draws)

    def uniform(self, low: float, high: float) -> float:
        return low + next(self.draws) * (high - low)


def test_scores_equal_rrcf_insert_codisp_forget() -> None:
    """The non-mutating score is rrcf's own insert_point + codisp, cut for cut."""
    X, _ = _data(4)
    model = rcf.fit(
        X, rcf.SPEC.validate({"feature_dim": "3", "num_trees": "50", "num_samples_per_tree": "64"})
    )
    queries = np.vstack([_data(5)[0][::25], model.samples[0][:3]])  # new points and duplicates
    ours = model._forest.per_tree(np.around(queries, 9)).T
    for t, tree in enumerate(model.trees[:5]):
        for i, point in enumerate(np.around(queries, 9)):
            tree.rng = _Draws(model._forest.draws[t])
            leaf = tree.insert_point(point, index="q")
            assert ours[t, i] == pytest.approx(tree.codisp(leaf))
            tree.forget_point("q")


def test_one_sample_per_tree_still_scores() -> None:
    X, _ = _data(6)
    model = rcf.fit(
        X, rcf.SPEC.validate({"feature_dim": "3", "num_trees": "50", "num_samples_per_tree": "1"})
    )
    assert all(r["score"] == 1.0 for r in model.predict(X[:3] + 100.0))  # a lone new leaf: 1/1
