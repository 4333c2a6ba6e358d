"""SageMaker's k-nearest-neighbors (k-NN) algorithm on scikit-learn.

Training samples ``sample_size`` points of the ``train`` channel, optionally reduces their
dimension (``sign``: a random sign projection; ``fjlt``: a fast Johnson-Lindenstrauss
transform) and keeps them as the index; inference finds the ``k`` nearest points and
votes (``classifier``) or averages (``regressor``) their labels. A ``test`` channel gives
``test:accuracy`` or ``test:mse``, SageMaker's metric names.

SageMaker builds a FAISS index (``faiss.Flat``, ``faiss.IVFFlat``, ``faiss.IVFPQ``); here
every index type searches exactly with :class:`sklearn.neighbors.NearestNeighbors`, so the
approximate types answer at least as well as on SageMaker. Their tuning knobs
(``faiss_index_ivf_nlists``, ``faiss_index_pq_m``) are validated as documented and kept.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ._common import UNUSED_BATCH, check_width, fit_width, labels_of, mini_batch_size, widen
from .evaluation import dense as _dense
from .evaluation import log_test_metrics
from .metrics import quality_metric
from .spec import AUTO, AlgorithmSpec, Hyperparameter, TrainContext, client_error

Array = npt.NDArray[np.float64]

_PQ_M = ("1", "2", "3", "4", "8", "12", "16", "20", "24", "28", "32", "40", "48", "56", "64", "96")


def _check(values: dict[str, Any]) -> None:
    """Cross-hyperparameter rules of the k-NN documentation."""
    kind = values.get("dimension_reduction_type")
    target = values.get("dimension_reduction_target")
    if kind is not None and target is None:
        raise client_error(
            "dimension_reduction_target is required when dimension_reduction_type is set.",
            "dimension_reduction_target",
        )
    if target is not None and target >= values["feature_dim"]:
        raise client_error(
            f"Invalid value for hyperparameter dimension_reduction_target: {target}; "
            f"it must be less than feature_dim ({values['feature_dim']}).",
            "dimension_reduction_target",
        )
    metric = values.get("index_metric")
    if values.get("index_type") == "faiss.IVFPQ" and metric in ("INNER_PRODUCT", "COSINE"):
        raise client_error(
            f"index_metric {metric} is not supported with index_type faiss.IVFPQ.",
            "index_metric",
        )


SPEC = AlgorithmSpec(
    name="knn",
    title="k-NN",
    doc="k-nearest-neighbors classification or regression: an index of sampled training "
    "points, queried for the k closest.",
    hyperparameters=(
        Hyperparameter(
            "feature_dim",
            "int",
            "The number of features in the input data.",
            required=True,
            range=(1, None),
        ),
        Hyperparameter(
            "k", "int", "The number of nearest neighbors.", required=True, range=(1, None)
        ),
        Hyperparameter(
            "predictor_type",
            "str",
            "classifier (label vote) or regressor (label mean).",
            required=True,
            choices=("classifier", "regressor"),
        ),
        Hyperparameter(
            "sample_size",
            "int",
            "The number of data points to sample from the training data set.",
            required=True,
            range=(1, None),
        ),
        Hyperparameter(
            "dimension_reduction_target",
            "int",
            "The target dimension to reduce to; required with dimension_reduction_type, "
            "less than feature_dim.",
            range=(1, None),
        ),
        Hyperparameter(
            "dimension_reduction_type",
            "str",
            "sign (random projection) or fjlt (fast Johnson-Lindenstrauss transform); "
            "default: no reduction.",
            choices=("sign", "fjlt"),
        ),
        Hyperparameter(
            "faiss_index_ivf_nlists",
            "int",
            "Centroids of a faiss.IVFFlat or faiss.IVFPQ index; auto: sqrt(sample_size). "
            "Searches here are exact.",
            default=AUTO,
            range=(1, None),
            auto=True,
        ),
        Hyperparameter(
            "faiss_index_pq_m",
            "int",
            "Vector sub-components of a faiss.IVFPQ index. Searches here are exact.",
            choices=_PQ_M,
        ),
        Hyperparameter(
            "index_metric",
            "str",
            "Distance between points: L2 (Euclidean), INNER_PRODUCT or COSINE.",
            default="L2",
            choices=("L2", "INNER_PRODUCT", "COSINE"),
        ),
        Hyperparameter(
            "index_type",
            "str",
            "The index: faiss.Flat, faiss.IVFFlat or faiss.IVFPQ (all exact here).",
            default="faiss.Flat",
            choices=("faiss.Flat", "faiss.IVFFlat", "faiss.IVFPQ"),
        ),
        mini_batch_size(None, doc=UNUSED_BATCH),
    ),
    channels=("train", "test"),
    metrics=(
        quality_metric("test", "accuracy", "Maximize"),
        quality_metric("test", "mse", "Minimize"),
    ),
    repositories=("knn",),
    check=_check,
    output_keys=("predicted_label", "labels", "distances"),
    extra={"verbose_keys": ("labels", "distances")},
)


def _fwht(a: Array) -> Array:
    """Walsh-Hadamard transform along the last axis (its length a power of two), unnormalised."""
    out = a.copy()
    n = out.shape[-1]
    h = 1
    while h < n:
        view = out.reshape(*out.shape[:-1], n // (2 * h), 2, h)
        left = view[..., 0, :].copy()
        right = view[..., 1, :]
        view[..., 0, :] = left + right
        view[..., 1, :] = left - right
        h *= 2
    return out


@dataclass
class Reduction:
    """A random dimension reduction, the same at training and inference."""

    kind: str  # "sign" | "fjlt"
    target: int
    signs: Array  # sign: (d, target) ±1 matrix; fjlt: (padded,) ±1 diagonal
    rows: npt.NDArray[np.int64]  # fjlt: the sampled coordinates

    @classmethod
    def make(cls, kind: str, dim: int, target: int, rng: np.random.Generator) -> Reduction:
        if kind == "sign":
            signs = rng.choice([-1.0, 1.0], size=(dim, target))
            return cls(kind, target, signs, np.zeros(0, dtype=np.int64))
        padded = 1 << max(0, (dim - 1).bit_length())
        signs = rng.choice([-1.0, 1.0], size=padded)
        rows = rng.choice(padded, size=min(target, padded), replace=False).astype(np.int64)
        return cls(kind, target, signs, rows)

    def apply(self, X: Array) -> Array:
        if self.kind == "sign":
            return np.asarray((X @ self.signs) / np.sqrt(self.target), dtype=np.float64)
        padded = self.signs.shape[0]
        full = np.zeros((X.shape[0], padded))
        full[:, : X.shape[1]] = X
        mixed = _fwht(full * self.signs) / np.sqrt(padded)
        return np.asarray(mixed[:, self.rows] * np.sqrt(padded / len(self.rows)), dtype=np.float64)


class KNNModel:
    """A k-NN index: sampled (and reduced) points, their labels, and the query rule."""

    def __init__(
        self,
        points: Array,
        labels: Array,
        k: int,
        predictor_type: str,
        metric: str = "L2",
        reduction: Reduction | None = None,
        feature_dim: int | None = None,
    ) -> None:
        from sklearn.neighbors import NearestNeighbors

        self.feature_dim = int(points.shape[1] if feature_dim is None else feature_dim)
        self.points = points
        self.labels = labels
        self.k = min(k, len(points))
        self.predictor_type = predictor_type
        self.metric = metric
        self.reduction = reduction
        self._nn = None
        if metric != "INNER_PRODUCT":
            sk_metric = "cosine" if metric == "COSINE" else "euclidean"
            self._nn = NearestNeighbors(n_neighbors=self.k, metric=sk_metric, algorithm="brute")
            self._nn.fit(points)

    def neighbors(self, X: Any) -> tuple[Array, npt.NDArray[np.int64]]:
        """Distances (smallest first) and indices of each row's k nearest points.

        INNER_PRODUCT's "distance" is the negated inner product, so smallest still means
        closest.
        """
        Q = _dense(fit_width(X, self.feature_dim))
        if self.reduction is not None:
            Q = self.reduction.apply(Q)
        if self._nn is not None:
            dist, idx = self._nn.kneighbors(Q)
            return np.asarray(dist, dtype=np.float64), np.asarray(idx, dtype=np.int64)
        scores = -(Q @ self.points.T)
        idx = np.argpartition(scores, self.k - 1, axis=1)[:, : self.k]
        part = np.take_along_axis(scores, idx, axis=1)
        order = np.argsort(part, axis=1, kind="stable")
        return np.take_along_axis(part, order, axis=1), np.take_along_axis(idx, order, axis=1)

    def predict_labels(self, X: Any) -> Array:
        _, idx = self.neighbors(X)
        return np.array([self._decide(self.labels[row]) for row in idx])

    def _decide(self, labels: Array) -> float:
        if self.predictor_type == "regressor":
            return float(np.mean(labels))
        counts = Counter(labels.tolist())
        best = max(counts.values())
        # A tie goes to the tied label nearest the query (labels come nearest first).
        return float(next(lab for lab in labels.tolist() if counts[lab] == best))

    def predict(self, X: Any, verbose: bool = True) -> list[dict[str, Any]]:
        """Each row's ``predicted_label``, with its neighbours' ``labels`` and ``distances``
        (nearest first) when ``verbose``; the model server drops those two unless the
        request's Accept says ``verbose=true``."""
        dist, idx = self.neighbors(X)
        out: list[dict[str, Any]] = []
        for d, row in zip(dist, idx, strict=True):
            labels = self.labels[row]
            record: dict[str, Any] = {"predicted_label": self._decide(labels)}
            if verbose:
                record["labels"] = [float(v) for v in labels]
                record["distances"] = [float(v) for v in d]
            out.append(record)
        return out

    def save(self, model_dir: str) -> None:
        os.makedirs(model_dir, exist_ok=True)
        red = self.reduction
        np.savez(
            os.path.join(model_dir, "knn-index.npz"),
            points=self.points,
            labels=self.labels,
            signs=red.signs if red else np.zeros(0),
            rows=red.rows if red else np.zeros(0, dtype=np.int64),
        )
        meta = {
            "feature_dim": self.feature_dim,
            "k": self.k,
            "predictor_type": self.predictor_type,
            "index_metric": self.metric,
            "dimension_reduction_type": red.kind if red else None,
            "dimension_reduction_target": red.target if red else None,
        }
        with open(os.path.join(model_dir, "knn-model.json"), "w", encoding="utf-8") as f:
            json.dump(meta, f)


def fit(X: Any, y: Array, hp: dict[str, Any], seed: int = 0) -> KNNModel:
    """The k-NN index of ``X`` (labels ``y``) under the typed hyperparameters ``hp``."""
    rng = np.random.default_rng(seed)
    points = _dense(fit_width(X, hp["feature_dim"]))
    labels = np.asarray(y, dtype=np.float64)
    if len(points) == 0:
        raise client_error("The train channel has no records.")
    if hp["sample_size"] < len(points):
        keep = rng.choice(len(points), size=hp["sample_size"], replace=False)
        points, labels = points[keep], labels[keep]
    reduction = None
    if hp.get("dimension_reduction_type"):
        reduction = Reduction.make(
            hp["dimension_reduction_type"], points.shape[1], hp["dimension_reduction_target"], rng
        )
        points = reduction.apply(points)
    return KNNModel(
        points,
        labels,
        hp["k"],
        hp["predictor_type"],
        hp["index_metric"],
        reduction,
        hp["feature_dim"],
    )


def train(ctx: TrainContext) -> None:
    """Build the index from ``train``; score ``test`` when given."""
    hp = ctx.hyperparameters
    width = check_width(ctx)
    data = ctx.channels["train"]
    model = fit(widen(data, width), labels_of(data, "train"), hp)
    model.save(ctx.model_dir)
    test = ctx.channels.get("test")
    if test is not None and test.y is not None:
        predicted = model.predict_labels(test.X)
        truth = np.asarray(test.y, dtype=np.float64)
        if hp["predictor_type"] == "classifier":
            values = {"test:accuracy": float(np.mean(predicted == truth))}
        else:
            values = {"test:mse": float(np.mean((predicted - truth) ** 2))}
        log_test_metrics(ctx, SPEC, values)


def load(model_dir: str) -> KNNModel:
    with open(os.path.join(model_dir, "knn-model.json"), encoding="utf-8") as f:
        meta = json.load(f)
    arrays = np.load(os.path.join(model_dir, "knn-index.npz"))
    reduction = None
    if meta["dimension_reduction_type"]:
        reduction = Reduction(
            meta["dimension_reduction_type"],
            int(meta["dimension_reduction_target"]),
            arrays["signs"],
            arrays["rows"],
        )
    return KNNModel(
        arrays["points"],
        arrays["labels"],
        int(meta["k"]),
        meta["predictor_type"],
        meta["index_metric"],
        reduction,
        int(meta["feature_dim"]),
    )
