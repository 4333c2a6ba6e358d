"""SageMaker's Factorization Machines algorithm, in numpy/scipy.

The model (Rendle, 2010) is ``y = w0 + <w, x> + sum_{i<j} <v_i, v_j> x_i x_j``; the pairwise
term is computed in O(nnz * num_factors) as ``0.5 * sum_f ((xV)_f^2 - (x^2 V^2)_f)``, on
``scipy.sparse`` rows so very wide sparse inputs (recordIO-protobuf's sparse tensors) stay
cheap. Training is mini-batch Adam with per-term learning rates and weight decays
(``bias_lr``/``linear_lr``/``factors_lr``, ``*_wd``), initialisations and gradient clipping
as the hyperparameters document. ``binary_classifier`` minimises the log loss (labels 0/1;
``score`` is the sigmoid), ``regressor`` the squared error.

Why not a library: no maintained factorization-machines package installs here (fastFM does
not build; the ``pyfm`` on the index is an unrelated music player), and the model is a few
matrix products whose gradients are closed-form.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _libs
from ._common import check_width, fit_width, labels_of, mini_batch_size, widen
from .evaluation import f1_counts, log_test_metrics
from .metrics import quality_metric
from .spec import AlgorithmSpec, Hyperparameter, TrainContext, client_error

Array = npt.NDArray[np.float64]
_TERMS = ("bias", "linear", "factors")
_INIT_SIGMA = {"bias": 0.01, "linear": 0.01, "factors": 0.001}
_LR = {"bias": 0.1, "linear": 0.001, "factors": 0.0001}
_WD = {"bias": 0.01, "linear": 0.001, "factors": 0.00001}


def _term_hyperparameters(term: str) -> tuple[Hyperparameter, ...]:
    """The init/lr/wd hyperparameters every term (bias, linear, factors) has."""
    return (
        Hyperparameter(
            f"{term}_init_method",
            "str",
            f"Initialisation of the {term} term: normal (sigma {term}_init_sigma), uniform "
            f"([-{term}_init_scale, +{term}_init_scale]) or constant ({term}_init_value).",
            default="normal",
            choices=("normal", "uniform", "constant"),
        ),
        Hyperparameter(
            f"{term}_init_scale",
            "float",
            f"Range of the uniform {term} initialisation.",
            range=(0, None),
        ),
        Hyperparameter(
            f"{term}_init_sigma",
            "float",
            f"Standard deviation of the normal {term} initialisation.",
            default=_INIT_SIGMA[term],
            range=(0, None),
        ),
        Hyperparameter(f"{term}_init_value", "float", f"Initial value of a constant {term} term."),
        Hyperparameter(
            f"{term}_lr",
            "float",
            f"Learning rate of the {term} term.",
            default=_LR[term],
            range=(0, None),
        ),
        Hyperparameter(
            f"{term}_wd",
            "float",
            f"Weight decay of the {term} term.",
            default=_WD[term],
            range=(0, None),
        ),
    )


def _check(values: dict[str, Any]) -> None:
    for term in _TERMS:
        method = values[f"{term}_init_method"]
        needs = {"uniform": f"{term}_init_scale", "constant": f"{term}_init_value"}.get(method)
        if needs is not None and values.get(needs) is None:
            raise client_error(f"{needs} is required when {term}_init_method is {method}.", needs)


SPEC = AlgorithmSpec(
    name="factorization-machines",
    title="Factorization Machines",
    doc="A linear model plus factorised pairwise feature interactions, for binary "
    "classification or regression on wide sparse data.",
    hyperparameters=(
        Hyperparameter(
            "feature_dim",
            "int",
            "The dimension of the input feature space.",
            required=True,
            range=(1, None),
        ),
        Hyperparameter(
            "num_factors",
            "int",
            "The dimensionality of factorization.",
            required=True,
            range=(1, None),
        ),
        Hyperparameter(
            "predictor_type",
            "str",
            "binary_classifier or regressor.",
            required=True,
            choices=("binary_classifier", "regressor"),
        ),
        *(h for term in _TERMS for h in _term_hyperparameters(term)),
        Hyperparameter(
            "clip_gradient", "float", "Clip gradients to [-clip_gradient, +clip_gradient]."
        ),
        Hyperparameter("epochs", "int", "Training epochs.", default=1, range=(1, None)),
        Hyperparameter("eps", "float", "Epsilon of the optimizer, to avoid dividing by 0."),
        mini_batch_size(doc="Observations per mini-batch."),
        Hyperparameter("rescale_grad", "float", "Multiplies each gradient before the update."),
    ),
    channels=("train", "test"),
    metrics=(
        quality_metric("test", "binary_classification_accuracy", "Maximize"),
        quality_metric("test", "binary_classification_cross_entropy", "Minimize"),
        quality_metric("test", "binary_f_beta", "Maximize"),
        quality_metric("test", "rmse", "Minimize"),
    ),
    repositories=("factorization-machines",),
    check=_check,
    output_keys=("score", "predicted_label"),
)


def _csr(X: Any) -> Any:
    """``X`` as float64 CSR rows (scipy.sparse)."""
    sp = _libs.sparse()
    if sp.issparse(X):
        return sp.csr_matrix(X, dtype=np.float64)
    return sp.csr_matrix(np.asarray(X, dtype=np.float64))


@dataclass
class FMModel:
    """The bias ``w0``, linear weights ``w`` (d,) and factors ``V`` (d, num_factors)."""

    predictor_type: str
    w0: float
    w: Array
    V: Array

    def raw(self, X: Any) -> Array:
        Xc = _csr(fit_width(X, self.w.shape[0]))
        XV = np.asarray(Xc @ self.V)
        X2V2 = np.asarray(Xc.multiply(Xc) @ (self.V * self.V))
        linear = np.asarray(Xc @ self.w).ravel()
        return np.asarray(self.w0 + linear + 0.5 * (XV * XV - X2V2).sum(axis=1), dtype=np.float64)

    def scores(self, X: Any) -> Array:
        out = self.raw(X)
        if self.predictor_type == "binary_classifier":
            return _sigmoid(out)
        return out

    def predict(self, X: Any) -> list[dict[str, Any]]:
        scores = self.scores(X)
        if self.predictor_type == "binary_classifier":
            return [{"score": float(s), "predicted_label": float(s >= 0.5)} for s in scores]
        return [{"score": float(s)} for s in scores]

    def save(self, model_dir: str) -> None:
        os.makedirs(model_dir, exist_ok=True)
        np.savez(os.path.join(model_dir, "fm-model.npz"), w=self.w, V=self.V)
        with open(os.path.join(model_dir, "fm-model.json"), "w", encoding="utf-8") as f:
            json.dump({"predictor_type": self.predictor_type, "w0": self.w0}, f)


def _sigmoid(z: Array) -> Array:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)))


def _init(term: str, hp: dict[str, Any], shape: tuple[int, ...], rng: np.random.Generator) -> Array:
    method = hp[f"{term}_init_method"]
    if method == "uniform":
        scale = float(hp[f"{term}_init_scale"])
        return rng.uniform(-scale, scale, size=shape)
    if method == "constant":
        return np.full(shape, float(hp[f"{term}_init_value"]))
    return rng.normal(0.0, float(hp[f"{term}_init_sigma"]), size=shape)


@dataclass
class _Adam:
    lr: float
    wd: float
    eps: float
    clip: float | None
    rescale: float
    m: Array = field(default_factory=lambda: np.zeros(0))
    v: Array = field(default_factory=lambda: np.zeros(0))
    t: int = 0

    def step(self, param: Array, grad: Array) -> Array:
        g = grad * self.rescale
        if self.clip is not None:
            g = np.clip(g, -self.clip, self.clip)
        g = g + self.wd * param
        if self.t == 0:
            self.m = np.zeros_like(param)
            self.v = np.zeros_like(param)
        self.t += 1
        self.m = 0.9 * self.m + 0.1 * g
        self.v = 0.999 * self.v + 0.001 * g * g
        m_hat = self.m / (1 - 0.9**self.t)
        v_hat = self.v / (1 - 0.999**self.t)
        return np.asarray(param - self.lr * m_hat / (np.sqrt(v_hat) + self.eps))


def fit(
    X: Any, y: Array, hp: dict[str, Any], weights: Array | None = None, seed: int = 0
) -> FMModel:
    """Train a factorization machine on ``X`` (dense or sparse) and labels ``y``."""
    rng = np.random.default_rng(seed)
    Xc = _csr(fit_width(X, hp["feature_dim"]))
    n, d = Xc.shape
    if n == 0:
        raise client_error("The train channel has no records.")
    binary = hp["predictor_type"] == "binary_classifier"
    target = np.asarray(y, dtype=np.float64)
    if binary:
        bad = ~np.isin(target, (0.0, 1.0))
        if bad.any():
            raise client_error(
                f"Labels of a binary_classifier must be 0 or 1; found {target[bad][0]:g}."
            )
    w_rows = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    model = FMModel(
        hp["predictor_type"],
        float(_init("bias", hp, (1,), rng)[0]),
        _init("linear", hp, (d,), rng),
        _init("factors", hp, (d, hp["num_factors"]), rng),
    )
    eps = 1e-8 if hp.get("eps") is None else float(hp["eps"])
    rescale = 1.0 if hp.get("rescale_grad") is None else float(hp["rescale_grad"])
    clip = hp.get("clip_gradient")
    opt = {t: _Adam(float(hp[f"{t}_lr"]), float(hp[f"{t}_wd"]), eps, clip, rescale) for t in _TERMS}
    batch = int(hp["mini_batch_size"])
    bias = np.array([model.w0])
    for _ in range(int(hp["epochs"])):
        order = rng.permutation(n)
        for start in range(0, n, batch):
            rows = order[start : start + batch]
            Xb = Xc[rows]
            XV = np.asarray(Xb @ model.V)
            X2 = Xb.multiply(Xb).tocsr()
            out = (
                bias[0]
                + np.asarray(Xb @ model.w).ravel()
                + 0.5 * (XV * XV - np.asarray(X2 @ (model.V * model.V))).sum(axis=1)
            )
            resid = (_sigmoid(out) if binary else out) - target[rows]
            g = resid * w_rows[rows] / len(rows)
            grad_v = np.asarray(Xb.T @ (g[:, None] * XV)) - model.V * np.asarray(X2.T @ g)[:, None]
            bias = opt["bias"].step(bias, np.array([g.sum()]))
            model.w = opt["linear"].step(model.w, np.asarray(Xb.T @ g).ravel())
            model.V = opt["factors"].step(model.V, grad_v)
    model.w0 = float(bias[0])
    return model


def evaluate(model: FMModel, X: Any, y: Array) -> dict[str, float]:
    """SageMaker's test metrics of the model on ``(X, y)``."""
    scores = model.scores(X)
    truth = np.asarray(y, dtype=np.float64)
    if model.predictor_type == "regressor":
        return {"test:rmse": float(np.sqrt(np.mean((scores - truth) ** 2)))}
    predicted = (scores >= 0.5).astype(np.float64)
    p = np.clip(scores, 1e-12, 1 - 1e-12)
    f1 = f1_counts(predicted == 1, truth == 1)["f1"]
    return {
        "test:binary_classification_accuracy": float(np.mean(predicted == truth)),
        "test:binary_classification_cross_entropy": float(
            -np.mean(truth * np.log(p) + (1 - truth) * np.log(1 - p))
        ),
        "test:binary_f_beta": f1,
    }


def train(ctx: TrainContext) -> None:
    width = check_width(ctx)
    data = ctx.channels["train"]
    model = fit(widen(data, width), labels_of(data, "train"), ctx.hyperparameters, data.w)
    model.save(ctx.model_dir)
    test = ctx.channels.get("test")
    if test is not None and test.y is not None:
        log_test_metrics(ctx, SPEC, evaluate(model, widen(test, width), test.y))


def load(model_dir: str) -> FMModel:
    with open(os.path.join(model_dir, "fm-model.json"), encoding="utf-8") as f:
        meta = json.load(f)
    arrays = np.load(os.path.join(model_dir, "fm-model.npz"))
    return FMModel(meta["predictor_type"], float(meta["w0"]), arrays["w"], arrays["V"])
