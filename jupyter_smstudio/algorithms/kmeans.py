"""K-Means: clusters of the records, as SageMaker's K-Means finds and scores them.

As SageMaker's does, in two phases on scikit-learn: a mini-batch pass
(``MiniBatchKMeans``, seeded by ``init_method``, batches of ``mini_batch_size``) finds
``k * extra_center_factor`` candidate centres, then Lloyd's iterations (``KMeans`` on
those centres weighted by their points, seeded by ``local_lloyd_init_method``, bounded by
``local_lloyd_max_iter``/``local_lloyd_tol``, best of ``local_lloyd_num_trials``) reduce
them to ``k``. ``feature_dim`` must
match the data. Metrics: ``test:msd`` and ``test:ssd`` (mean/sum of squared distances to
the closest centre; ``train:`` too). Predictions: ``{"closest_cluster", "distance_to_cluster"}``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _common
from .metrics import quality_metric
from .spec import AUTO, AlgorithmSpec, Hyperparameter, TrainContext


def _h(name: str, kind: Any, doc: str, **kw: Any) -> Hyperparameter:
    return Hyperparameter(name, kind, doc, **kw)


HYPERPARAMETERS = (
    _h("k", "int", "The number of required clusters.", required=True, range=(1, None)),
    _common.feature_dim(required=True),
    _common.mini_batch_size(default=5000),
    _h(
        "epochs",
        "int",
        "The number of passes done over the training data.",
        default=1,
        range=(1, None),
    ),
    _h(
        "init_method",
        "str",
        "How the initial cluster centres are chosen.",
        default="random",
        choices=("random", "kmeans++"),
    ),
    _h(
        "eval_metrics",
        "list",
        "Metrics reported on the test channel.",
        default=["msd"],
        choices=("msd", "ssd"),
    ),
    _h(
        "extra_center_factor",
        "int",
        "Extra centres considered before reducing to k.",
        default=AUTO,
        auto=True,
        range=(1, None),
    ),
    _h(
        "half_life_time_size",
        "int",
        "Weight decay of older mini-batches (web-scale pass).",
        default=0,
        range=(0, None),
    ),
    _h(
        "local_lloyd_init_method",
        "str",
        "Initialization of Lloyd's local iterations.",
        default="kmeans++",
        choices=("random", "kmeans++"),
    ),
    _h(
        "local_lloyd_max_iter",
        "int",
        "Maximum number of Lloyd iterations.",
        default=300,
        range=(1, None),
    ),
    _h(
        "local_lloyd_num_trials",
        "int",
        "Runs of Lloyd's algorithm; the lowest loss is kept.",
        default=AUTO,
        auto=True,
        range=(1, None),
    ),
    _h("force_dense", "bool", "Densify sparse records (the SDK always sends true).", default=True),
    _h(
        "local_lloyd_tol",
        "float",
        "Tolerance for change in loss for early stopping.",
        default=0.0001,
        range=(0, 1),
    ),
)

SPEC = AlgorithmSpec(
    name="kmeans",
    title="K-Means",
    doc="Finds k clusters of similar records (unsupervised).",
    hyperparameters=HYPERPARAMETERS,
    channels=("train", "test"),
    metrics=tuple(quality_metric(c, n) for c in ("test", "train") for n in ("msd", "ssd")),
    repositories=("kmeans",),
    output_keys=("closest_cluster", "distance_to_cluster"),
    label_size=0,
)


class KMeansModel:
    def __init__(self, centers: np.ndarray):
        self.centers = centers.astype(np.float64)

    def distances(self, X: Any) -> np.ndarray:
        from sklearn.metrics import pairwise_distances

        X = _common.fit_width(X, self.centers.shape[1])
        return np.asarray(pairwise_distances(X, self.centers), np.float64)

    def predict(self, X: Any) -> list[dict[str, Any]]:
        d = self.distances(X)
        closest = np.argmin(d, axis=1)
        return [
            {"closest_cluster": int(c), "distance_to_cluster": float(d[i, c])}
            for i, c in enumerate(closest)
        ]


#: Candidate centres per cluster when ``extra_center_factor`` is ``auto``.
AUTO_EXTRA_CENTERS = 4


def _sklearn_init(method: str) -> str:
    return "k-means++" if method == "kmeans++" else "random"


def train(ctx: TrainContext) -> None:
    """SageMaker's two phases: a mini-batch pass finds ``k * extra_center_factor``
    centres (seeded by ``init_method``), then Lloyd's iterations on those centres, weighted
    by their points, reduce them to ``k`` (seeded by ``local_lloyd_init_method``, best of
    ``local_lloyd_num_trials``): what makes random seeding give sound clusters."""
    from sklearn.cluster import KMeans, MiniBatchKMeans

    hp = ctx.hyperparameters
    width = _common.check_width(ctx)
    X = _common.widen(ctx.channels["train"], width)
    k = hp["k"]
    if X.shape[0] < k:
        from .spec import AlgorithmError

        raise AlgorithmError(f"k={k} is more than the {X.shape[0]} training records.", "k")
    factor = hp["extra_center_factor"]
    # ``auto``: a few candidates per cluster (SageMaker picks it from the data; 4 is ours).
    candidates = min(X.shape[0], k * (AUTO_EXTRA_CENTERS if factor == AUTO else factor))
    coarse = MiniBatchKMeans(
        n_clusters=candidates, init=_sklearn_init(hp["init_method"]), n_init=1,
        batch_size=min(X.shape[0], hp["mini_batch_size"]), random_state=0,
    ).fit(X)  # fmt: skip
    weights = np.bincount(coarse.labels_, minlength=candidates).astype(float)
    trials = hp["local_lloyd_num_trials"]
    model = KMeans(
        n_clusters=k,
        init=_sklearn_init(hp["local_lloyd_init_method"]),
        n_init="auto" if trials == AUTO else trials,
        max_iter=hp["local_lloyd_max_iter"],
        tol=hp["local_lloyd_tol"],
        random_state=0,
    ).fit(coarse.cluster_centers_, sample_weight=weights)
    result = KMeansModel(np.asarray(model.cluster_centers_))
    for channel in ("train", "test"):
        if channel in ctx.channels:
            data = _common.widen(ctx.channels[channel], width)
            squared = np.min(result.distances(data), axis=1) ** 2
            for metric in hp["eval_metrics"] if channel == "test" else ["msd", "ssd"]:
                value = float(np.mean(squared) if metric == "msd" else np.sum(squared))
                ctx.metrics.quality(channel, metric, value)
    if ctx.is_master:
        _common.save(ctx.model_dir, result)


def load(model_dir: str) -> KMeansModel:
    model: KMeansModel = _common.load_state(model_dir)
    return model
