"""PCA: the principal components of the records, and each record's projection on them.

``algorithm_mode`` ``regular`` is an exact decomposition (scikit-learn's ``PCA`` with the
covariance solver, or ``TruncatedSVD`` on sparse data), ``randomized`` the randomized
SVD (Halko et al., as SageMaker's randomized mode), with ``extra_components`` as its
oversampling. ``subtract_mean`` centres the data first (sparse data is centred
implicitly). ``num_components`` must be at most ``feature_dim``.
Predictions: ``{"projections": [{"projection": [...]}]}``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _common, _libs
from .spec import AlgorithmError, AlgorithmSpec, Hyperparameter, TrainContext

HYPERPARAMETERS = (
    _common.feature_dim(required=True),
    _common.mini_batch_size(default=None, required=True),
    Hyperparameter(
        "num_components",
        "int",
        "The number of principal components to compute.",
        required=True,
        range=(1, None),
    ),
    Hyperparameter(
        "algorithm_mode",
        "str",
        "Mode for computing the principal components.",
        default="regular",
        choices=("regular", "randomized"),
    ),
    Hyperparameter(
        "extra_components",
        "int",
        "Randomized mode: extra components computed for accuracy (-1: max(10, num_components)).",
        default=-1,
        range=(-1, None),
    ),
    Hyperparameter(
        "subtract_mean",
        "bool",
        "Subtract the mean of the data before the decomposition.",
        default=True,
    ),
)


def _check(values: dict[str, Any]) -> None:
    if values["num_components"] > values["feature_dim"]:
        raise AlgorithmError(
            f"num_components ({values['num_components']}) must be at most feature_dim "
            f"({values['feature_dim']}).",
            "num_components",
        )


SPEC = AlgorithmSpec(
    name="pca",
    title="PCA",
    doc="Reduces the dimensionality of the records (principal component analysis).",
    hyperparameters=HYPERPARAMETERS,
    channels=("train", "test"),
    repositories=("pca",),
    check=_check,
    output_keys=("projection",),
    response_key="projections",
    label_size=0,
)


class PCAModel:
    def __init__(self, components: np.ndarray, mean: np.ndarray | None, variance: np.ndarray):
        self.components = components.astype(np.float64)  # (num_components, feature_dim)
        self.mean = mean
        self.explained_variance = variance

    def project(self, X: Any) -> np.ndarray:
        X = _common.fit_width(X, self.components.shape[1])
        out = np.asarray(X @ self.components.T, np.float64)
        if self.mean is not None:
            out -= self.mean @ self.components.T
        return out

    def predict(self, X: Any) -> list[dict[str, Any]]:
        return [{"projection": [float(v) for v in row]} for row in self.project(X)]


def train(ctx: TrainContext) -> None:
    from sklearn.decomposition import PCA, TruncatedSVD

    hp = ctx.hyperparameters
    width = _common.check_width(ctx)
    X = _common.widen(ctx.channels["train"], width)
    n = hp["num_components"]
    sp = _libs.sparse()
    randomized = hp["algorithm_mode"] == "randomized"
    oversample = hp["extra_components"] if hp["extra_components"] >= 0 else max(10, n)
    mean: np.ndarray | None = None
    if hp["subtract_mean"]:
        mean = np.asarray(X.mean(axis=0), np.float64).ravel()
    if not hp["subtract_mean"]:
        if n >= min(X.shape):
            raise AlgorithmError(
                f"num_components must be less than {min(X.shape)} without subtract_mean.",
                "num_components",
            )
        algorithm = "randomized" if randomized else "arpack"
        svd = TruncatedSVD(n, algorithm=algorithm, n_oversamples=oversample, random_state=0)
        svd.fit(X)
        components, variance = svd.components_, svd.explained_variance_
    else:
        # Sparse data is centred implicitly by scikit-learn's arpack solver (never densified).
        if sp.issparse(X):
            solver = "arpack"
        elif randomized:
            solver = "randomized"
        else:
            solver = "covariance_eigh" if X.shape[0] > 4 * X.shape[1] else "full"
        options: dict[str, Any] = (
            {"n_oversamples": oversample, "random_state": 0} if solver == "randomized" else {}
        )
        if solver == "arpack" and n >= min(X.shape):
            raise AlgorithmError(
                f"num_components must be less than {min(X.shape)} for sparse data.",
                "num_components",
            )
        pca = PCA(n, svd_solver=solver, **options).fit(X)
        components, variance = pca.components_, pca.explained_variance_
    model = PCAModel(np.asarray(components), mean, np.asarray(variance))
    for i, v in enumerate(model.explained_variance[: min(n, 10)]):
        ctx.metrics.info(f"#component {i}: explained variance {float(v):.6g}")
    if ctx.is_master:
        _common.save(ctx.model_dir, model)


def load(model_dir: str) -> PCAModel:
    model: PCAModel = _common.load_state(model_dir)
    return model
