"""SageMaker's Latent Dirichlet Allocation (LDA) topic model, on scikit-learn.

Input rows are documents as word counts over a vocabulary of ``feature_dim`` words (CSV
or recordIO-protobuf, dense or sparse); inference answers each document's
``topic_mixture`` (its topic proportions, summing to 1). A ``test`` channel gives
``test:pwll``, the per-word log-likelihood (the variational bound of the test documents
divided by their word count).

SageMaker fits LDA with a spectral (tensor) decomposition whose Alternating Least Squares
phase ``max_restarts``, ``max_iterations`` and ``tol`` tune. Here the model is fitted by
scikit-learn's batch variational Bayes (:class:`~sklearn.decomposition.LatentDirichletAllocation`),
and the same hyperparameters keep their meaning: ``max_restarts`` random starts run a few
iterations each and the best bound goes on, for at most ``max_iterations`` iterations,
until the perplexity changes by less than ``tol`` (relative, checked every 5 iterations,
at least 1e-4: below that the variational E-step's own tolerance dominates). ``alpha0``
is the sum of the Dirichlet prior (``doc_topic_prior = alpha0 / num_topics``).
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _libs
from ._common import check_width, fit_width, mini_batch_size, widen
from .evaluation import log_test_metrics
from .metrics import quality_metric
from .spec import AlgorithmSpec, Hyperparameter, TrainContext, client_error

Array = npt.NDArray[np.float64]
#: Iterations each restart runs before the best one is kept.
_PROBE_ITERATIONS = 5
#: Iterations between two convergence checks (each check costs one more E-step).
_CHECK_EVERY = 5
#: The smallest relative change of the perplexity worth iterating for: the E-step's own
#: tolerance (sklearn's ``mean_change_tol``, 1e-3) leaves the bound noisier than this.
_TOL_FLOOR = 1e-4

SPEC = AlgorithmSpec(
    name="lda",
    title="LDA",
    doc="Latent Dirichlet Allocation: topics of a corpus of word-count documents, and each "
    "document's topic mixture.",
    hyperparameters=(
        Hyperparameter(
            "num_topics",
            "int",
            "The number of topics to find in the data.",
            required=True,
            range=(1, None),
        ),
        Hyperparameter(
            "feature_dim",
            "int",
            "The size of the vocabulary of the input corpus.",
            required=True,
            range=(1, None),
        ),
        mini_batch_size(None, True, "The total number of documents in the input corpus."),
        Hyperparameter(
            "alpha0",
            "float",
            "Initial guess of the concentration parameter (sum of the Dirichlet prior); "
            "small values favour sparse topic mixtures.",
            default=1.0,
            range=(0, None),
            exclusive_min=True,
        ),
        Hyperparameter(
            "max_restarts",
            "int",
            "Random restarts, keeping the best.",
            default=10,
            range=(1, None),
        ),
        Hyperparameter(
            "max_iterations", "int", "Maximum fitting iterations.", default=1000, range=(1, None)
        ),
        Hyperparameter(
            "tol",
            "float",
            "Target relative change of the fit's perplexity.",
            default=1e-8,
            range=(0, None),
            exclusive_min=True,
        ),
    ),
    channels=("train", "test"),
    metrics=(quality_metric("test", "pwll", "Maximize"),),
    repositories=("lda",),
    output_keys=("topic_mixture",),
    label_size=0,
)


def _counts(X: Any, feature_dim: int, channel: str = "train") -> Any:
    """The word counts as float64 CSR rows, checked."""
    sp = _libs.sparse()
    X = fit_width(X, feature_dim)
    counts = (
        sp.csr_matrix(X, dtype=np.float64)
        if sp.issparse(X)
        else sp.csr_matrix(np.asarray(X, dtype=np.float64))
    )
    if counts.nnz and counts.data.min() < 0:
        raise client_error(f"The {channel} channel has negative word counts.")
    return counts


class LDAModel:
    """A fitted ``LatentDirichletAllocation``; ``predict`` gives topic mixtures."""

    def __init__(self, lda: Any) -> None:
        self.lda = lda

    @property
    def feature_dim(self) -> int:
        return int(self.lda.components_.shape[1])

    def topics(self) -> Array:
        """Each topic's word distribution (rows sum to 1)."""
        comp = np.asarray(self.lda.components_, dtype=np.float64)
        return np.asarray(comp / comp.sum(axis=1, keepdims=True), dtype=np.float64)

    def topic_mixture(self, X: Any) -> Array:
        counts = _counts(X, self.feature_dim, "request")
        mix = np.asarray(self.lda.transform(counts), dtype=np.float64)
        return np.asarray(mix / mix.sum(axis=1, keepdims=True), dtype=np.float64)

    def predict(self, X: Any) -> list[dict[str, Any]]:
        return [{"topic_mixture": [float(v) for v in row]} for row in self.topic_mixture(X)]

    def pwll(self, X: Any) -> float:
        counts = _counts(X, self.feature_dim, "test")
        words = float(counts.sum())
        return float(self.lda.score(counts)) / words if words else 0.0

    def save(self, model_dir: str) -> None:
        os.makedirs(model_dir, exist_ok=True)
        # The fitted parameters only (no pickle): the model is its topic-word matrix.
        np.savez(
            os.path.join(model_dir, "lda-model.npz"),
            components=self.lda.components_,
            exp_dirichlet_component=self.lda.exp_dirichlet_component_,
        )
        meta = {
            "num_topics": int(self.lda.n_components),
            "doc_topic_prior": float(self.lda.doc_topic_prior_),
            "topic_word_prior": float(self.lda.topic_word_prior_),
            "n_batch_iter": int(self.lda.n_batch_iter_),
            "n_iter": int(self.lda.n_iter_),
        }
        with open(os.path.join(model_dir, "lda-model.json"), "w", encoding="utf-8") as f:
            json.dump(meta, f)


def _make(hp: dict[str, Any], seed: int, iterations: int, tol: float) -> Any:
    from sklearn.decomposition import LatentDirichletAllocation

    return LatentDirichletAllocation(
        n_components=hp["num_topics"],
        doc_topic_prior=hp["alpha0"] / hp["num_topics"],
        learning_method="batch",
        max_iter=iterations,
        evaluate_every=_CHECK_EVERY if tol > 0 else -1,
        perp_tol=tol,
        random_state=seed,
    )


def fit(X: Any, hp: dict[str, Any]) -> LDAModel:
    """Fit LDA on the word counts ``X`` under the typed hyperparameters ``hp``."""
    counts = _counts(X, hp["feature_dim"])
    if counts.shape[0] == 0:
        raise client_error("The train channel has no documents.")
    probe = min(_PROBE_ITERATIONS, hp["max_iterations"])
    best_seed, best_bound = 0, -np.inf
    restarts = hp["max_restarts"] if hp["max_restarts"] > 1 else 0  # one start: no probing
    for seed in range(restarts):
        bound = float(_make(hp, seed, probe, 0.0).fit(counts).score(counts))
        if bound > best_bound:
            best_seed, best_bound = seed, bound
    # tol is relative: sklearn's perp_tol is an absolute change of the perplexity.
    scale = float(np.exp(-best_bound / counts.sum())) if np.isfinite(best_bound) else 1.0
    lda = _make(hp, best_seed, hp["max_iterations"], max(hp["tol"], _TOL_FLOOR) * scale)
    lda.fit(counts)
    return LDAModel(lda)


def train(ctx: TrainContext) -> None:
    width = check_width(ctx)
    model = fit(widen(ctx.channels["train"], width), ctx.hyperparameters)
    model.save(ctx.model_dir)
    test = ctx.channels.get("test")
    if test is not None:
        log_test_metrics(ctx, SPEC, {"test:pwll": model.pwll(widen(test, width))})


def load(model_dir: str) -> LDAModel:
    from sklearn.decomposition import LatentDirichletAllocation

    with open(os.path.join(model_dir, "lda-model.json"), encoding="utf-8") as f:
        meta = json.load(f)
    arrays = np.load(os.path.join(model_dir, "lda-model.npz"))
    lda = LatentDirichletAllocation(
        n_components=meta["num_topics"],
        doc_topic_prior=meta["doc_topic_prior"],
        topic_word_prior=meta["topic_word_prior"],
    )
    lda.components_ = arrays["components"]
    lda.exp_dirichlet_component_ = arrays["exp_dirichlet_component"]
    lda.doc_topic_prior_ = meta["doc_topic_prior"]
    lda.topic_word_prior_ = meta["topic_word_prior"]
    lda.n_batch_iter_ = meta["n_batch_iter"]
    lda.n_iter_ = meta["n_iter"]
    lda.n_features_in_ = arrays["components"].shape[1]
    lda.bound_ = None
    return LDAModel(lda)
