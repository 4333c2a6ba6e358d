"""LDA: planted topics are recovered from word counts (dense and sparse), topic mixtures
answer with SageMaker's key, test:pwll is reported, and ClientErrors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment

from jupyter_smstudio.algorithms import lda
from jupyter_smstudio.algorithms.formats import Dataset
from jupyter_smstudio.algorithms.spec import AlgorithmError

from .algorithm_runs import assert_client_error, train

TOPICS, VOCAB = 3, 30


def _corpus(docs: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Documents drawn from 3 planted topics, each mostly over its own 10 words."""
    rng = np.random.default_rng(seed)
    topics = np.full((TOPICS, VOCAB), 0.02 / (VOCAB - 10))
    for t in range(TOPICS):
        topics[t, t * 10 : (t + 1) * 10] = 0.98 / 10
    mixtures = rng.dirichlet(np.full(TOPICS, 0.3), size=docs)
    counts = np.stack([rng.multinomial(60, m @ topics) for m in mixtures]).astype(np.float64)
    return counts, mixtures, topics


def _hp(**extra: str) -> dict[str, str]:
    return {
        "num_topics": "3",
        "feature_dim": str(VOCAB),
        "mini_batch_size": "300",
        "max_iterations": "200",
        **extra,
    }


def test_planted_topics_are_recovered(tmp_path: Path) -> None:
    counts, _, planted = _corpus(300, 0)
    test_counts, test_mix, _ = _corpus(100, 1)
    run = train(
        lda,
        tmp_path,
        _hp(max_restarts="2"),
        train=Dataset(sp.csr_matrix(counts)),
        test=Dataset(test_counts),
    )
    model = lda.load(run.model_dir)
    learnt = model.topics()
    similarity = (planted / np.linalg.norm(planted, axis=1, keepdims=True)) @ (
        learnt / np.linalg.norm(learnt, axis=1, keepdims=True)
    ).T
    rows, cols = linear_sum_assignment(-similarity)
    assert similarity[rows, cols].min() >= 0.95
    # Each test document's dominant topic is the one it was mostly drawn from.
    records = model.predict(test_counts)
    assert all(set(r) == {"topic_mixture"} for r in records)
    got = np.array([r["topic_mixture"] for r in records])
    np.testing.assert_allclose(got.sum(axis=1), 1.0)
    clear = test_mix.max(axis=1) > 0.8
    assert np.mean(got[clear][:, cols].argmax(axis=1) == test_mix[clear].argmax(axis=1)) >= 0.95
    # Per-word log-likelihood: far better than words drawn uniformly from the vocabulary.
    assert set(run.metrics) == {"test:pwll"}
    assert np.log(1 / VOCAB) < run.metrics["test:pwll"] < 0


def test_dense_and_sparse_counts_fit_the_same_model() -> None:
    counts, _, _ = _corpus(60, 3)
    hp = lda.SPEC.validate(_hp(max_restarts="1", max_iterations="3"))
    dense, sparse = lda.fit(counts, hp), lda.fit(sp.csr_matrix(counts), hp)
    np.testing.assert_allclose(dense.topics(), sparse.topics())


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        (
            {"mini_batch_size": None},
            "mini_batch_size",
            "Missing required hyperparameter: mini_batch_size",
        ),
        ({"num_topics": "0"}, "num_topics", "must be in [1, inf)"),
        ({"alpha0": "0"}, "alpha0", "must be in (0, inf)"),
        ({"tol": "-1"}, "tol", "must be in (0, inf)"),
        ({"learning_rate": "0.1"}, "learning_rate", "Additional hyperparameters are not allowed"),
    ],
)
def test_bad_hyperparameters_fail_with_a_client_error(
    extra: dict[str, str | None], field: str, words: str
) -> None:
    assert_client_error(lda.SPEC, {**_hp(), **extra}, field, words)


def test_negative_counts_are_a_client_error() -> None:
    counts, _, _ = _corpus(20, 2)
    counts[0, 0] = -1
    with pytest.raises(AlgorithmError, match="negative word counts"):
        lda.fit(counts, lda.SPEC.validate(_hp()))
