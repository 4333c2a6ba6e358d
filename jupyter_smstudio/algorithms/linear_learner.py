"""Linear Learner: linear models for binary/multiclass classification and regression.

SageMaker trains many SGD models in parallel and keeps the best; here each ``loss`` maps
to scikit-learn's solver for it, which reaches the optimum the SGD models approximate:
logistic and softmax losses to ``LogisticRegression`` (L-BFGS; SAGA with an ``l1``
term), squared loss to ``Ridge``, hinge, absolute, Huber and epsilon-insensitive losses
to ``SGDClassifier``/``SGDRegressor``, quantile loss to ``QuantileRegressor``. ``wd`` is
the L2 term, ``l1`` the L1 term, ``auto`` meaning scikit-learn's default strength.
``normalize_data`` standardises features (without centring sparse data). Binary
classifiers pick the decision threshold by ``binary_classifier_model_selection_criteria``
on the validation channel (else the training data), as SageMaker does.
Predictions: ``{"score", "predicted_label"}`` (classifiers), ``{"score"}`` (regressor).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _common, _libs
from .formats import Dataset
from .metrics import quality_metric
from .spec import AUTO, AlgorithmError, AlgorithmSpec, Hyperparameter, MetricSpec, TrainContext

PREDICTOR_TYPES = ("binary_classifier", "multiclass_classifier", "regressor")
LOSSES = (
    "auto",
    "logistic",
    "squared_loss",
    "absolute_loss",
    "hinge_loss",
    "eps_insensitive_squared_loss",
    "eps_insensitive_absolute_loss",
    "quantile_loss",
    "huber_loss",
    "softmax_loss",
)
CRITERIA = (
    "accuracy",
    "f_beta",
    "precision_at_target_recall",
    "recall_at_target_precision",
    "loss_function",
)


def _h(name: str, kind: Any, doc: str, **kw: Any) -> Hyperparameter:
    return Hyperparameter(name, kind, doc, **kw)


HYPERPARAMETERS = (
    _h(
        "predictor_type",
        "str",
        "The type of target variable.",
        required=True,
        choices=PREDICTOR_TYPES,
    ),
    _h(
        "num_classes",
        "int",
        "The number of classes (required for multiclass_classifier).",
        range=(3, 1_000_000),
    ),
    _common.feature_dim(auto=True, default=AUTO),
    _h(
        "epochs",
        "int",
        "The maximum number of passes over the training data.",
        default=15,
        range=(1, None),
    ),
    _h("loss", "str", "The loss function (auto: by predictor_type).", default=AUTO, choices=LOSSES),
    _h("wd", "float", "The weight decay (L2) parameter.", default=AUTO, auto=True, range=(0, None)),
    _h("l1", "float", "The L1 regularization parameter.", default=AUTO, auto=True, range=(0, None)),
    _h(
        "learning_rate",
        "float",
        "The step size of the optimizer (SGD losses).",
        default=AUTO,
        auto=True,
        range=(0, None),
        exclusive_min=True,
    ),
    _common.mini_batch_size(doc="The number of observations per mini-batch."),
    _h("normalize_data", "bool", "Normalize the feature data before training.", default=True),
    _h("normalize_label", "bool", "Normalize the label (regression).", default=AUTO, auto=True),
    _h("use_bias", "bool", "Include a bias term.", default=True),
    _h(
        "binary_classifier_model_selection_criteria",
        "str",
        "How the decision threshold of a binary classifier is chosen.",
        default="accuracy",
        choices=CRITERIA,
    ),
    _h(
        "f_beta",
        "float",
        "The beta of the F score (f_beta criterion and metric).",
        default=1.0,
        range=(0, None),
        exclusive_min=True,
    ),
    _h(
        "target_recall",
        "float",
        "Target recall (precision_at_target_recall).",
        default=0.8,
        range=(0, 1),
    ),
    _h(
        "target_precision",
        "float",
        "Target precision (recall_at_target_precision).",
        default=0.8,
        range=(0, 1),
    ),
    _h(
        "positive_example_weight_mult",
        "float",
        "Weight of positive examples (binary), or 'balanced'.",
        default=1.0,
        auto=True,
        range=(0, None),
        exclusive_min=True,
    ),
    _h(
        "balance_multiclass_weights",
        "bool",
        "Give each class equal importance in the loss.",
        default=False,
    ),
    _h(
        "huber_delta",
        "float",
        "The threshold of the Huber loss.",
        default=1.0,
        range=(0, None),
        exclusive_min=True,
    ),
    _h(
        "loss_insensitivity",
        "float",
        "The epsilon of the epsilon-insensitive losses.",
        default=0.01,
        range=(0, None),
    ),
    _h(
        "quantile",
        "float",
        "The quantile of the quantile loss.",
        default=0.5,
        range=(0, 1),
        exclusive_min=True,
    ),
    _h(
        "early_stopping_patience",
        "int",
        "Epochs without improvement before stopping.",
        default=3,
        range=(1, None),
    ),
    _h(
        "early_stopping_tolerance",
        "float",
        "Relative tolerance of the early stopping.",
        default=0.001,
        range=(0, None),
        exclusive_min=True,
    ),
    _h(
        "optimizer",
        "str",
        "The optimizer (the solver is chosen by loss here).",
        default=AUTO,
        choices=("auto", "sgd", "adam", "rmsprop"),
    ),
    _h(
        "num_models",
        "int",
        "The number of models trained in parallel (one here).",
        default=AUTO,
        auto=True,
        range=(1, None),
    ),
    _h(
        "num_calibration_samples",
        "int",
        "Samples used to calibrate the threshold.",
        default=10_000_000,
        range=(1, None),
    ),
    _h(
        "init_method",
        "str",
        "Initial weights distribution.",
        default="uniform",
        choices=("uniform", "normal"),
    ),
    # SageMaker's SGD optimiser settings: accepted and checked, unused by the solvers here.
    _h(
        "init_scale",
        "float",
        "Scale of the uniform initial weights (SGD; unused here).",
        default=0.07,
        range=(0, None),
        exclusive_min=True,
    ),
    _h(
        "init_sigma",
        "float",
        "Deviation of the normal initial weights (SGD; unused here).",
        default=0.01,
        range=(0, None),
        exclusive_min=True,
    ),
    _h("init_bias", "float", "Initial bias (SGD; unused here).", default=0.0),
    _h(
        "momentum",
        "float",
        "Momentum of the sgd optimizer (unused here).",
        default=AUTO,
        auto=True,
        range=(0, 1),
    ),
    _h(
        "beta_1",
        "float",
        "Adam's first-moment decay (unused here).",
        default=AUTO,
        auto=True,
        range=(0, 1),
    ),
    _h(
        "beta_2",
        "float",
        "Adam's second-moment decay (unused here).",
        default=AUTO,
        auto=True,
        range=(0, 1),
    ),
    _h(
        "bias_lr_mult",
        "float",
        "Learning-rate multiplier of the bias (unused here).",
        default=AUTO,
        auto=True,
        range=(0, None),
        exclusive_min=True,
    ),
    _h(
        "bias_wd_mult",
        "float",
        "Weight-decay multiplier of the bias (unused here).",
        default=AUTO,
        auto=True,
        range=(0, None),
    ),
    _h("use_lr_scheduler", "bool", "Use a learning-rate scheduler (unused here).", default=True),
    _h(
        "lr_scheduler_step",
        "int",
        "Steps between learning-rate decreases (unused here).",
        default=AUTO,
        auto=True,
        range=(1, None),
    ),
    _h(
        "lr_scheduler_factor",
        "float",
        "Learning-rate decrease factor (unused here).",
        default=AUTO,
        auto=True,
        range=(0, 1),
    ),
    _h(
        "lr_scheduler_minimum_lr",
        "float",
        "Minimum learning rate (unused here).",
        default=AUTO,
        auto=True,
        range=(0, None),
    ),
    _h(
        "unbias_data",
        "bool",
        "Centre the features (dense data; normalize_data does it here).",
        default=AUTO,
        auto=True,
    ),
    _h("unbias_label", "bool", "Centre the label (regression).", default=AUTO, auto=True),
    _h(
        "num_point_for_scaler",
        "int",
        "Points used to compute normalization (all, here).",
        default=10000,
        range=(1, None),
    ),
    _h("margin", "float", "The margin of the hinge loss.", default=1.0, range=(0, None)),
    _h(
        "accuracy_top_k",
        "int",
        "k of the top-k accuracy metric (multiclass).",
        default=3,
        range=(1, None),
    ),
)


def _check(values: dict[str, Any]) -> None:
    kind = values["predictor_type"]
    if kind == "multiclass_classifier" and "num_classes" not in values:
        raise AlgorithmError(
            "Missing required hyperparameter: num_classes (needed by predictor_type "
            "multiclass_classifier).",
            "num_classes",
        )
    loss = values.get("loss", AUTO)
    allowed = {
        "binary_classifier": {AUTO, "logistic", "hinge_loss"},
        "multiclass_classifier": {AUTO, "softmax_loss"},
        "regressor": {
            AUTO,
            "squared_loss",
            "absolute_loss",
            "eps_insensitive_squared_loss",
            "eps_insensitive_absolute_loss",
            "quantile_loss",
            "huber_loss",
        },
    }[kind]
    if loss not in allowed:
        raise AlgorithmError(
            f"loss {loss} is not valid for predictor_type {kind}; use one of "
            f"{', '.join(sorted(allowed))}.",
            "loss",
        )


CLASSIFIER_METRICS = (
    ("objective_loss", "Minimize"),
    ("binary_classification_accuracy", "Maximize"),
    ("binary_f_beta", "Maximize"),
    ("precision", "Maximize"),
    ("recall", "Maximize"),
    ("roc_auc_score", "Maximize"),
)
MULTICLASS_METRICS = (
    ("multiclass_accuracy", "Maximize"),
    ("multiclass_top_k_accuracy", "Maximize"),
    ("macro_f_beta", "Maximize"),
    ("macro_precision", "Maximize"),
    ("macro_recall", "Maximize"),
)
REGRESSION_METRICS = (("mse", "Minimize"), ("absolute_loss", "Minimize"), ("rmse", "Minimize"))


def _metric_specs() -> tuple[MetricSpec, ...]:
    seen: dict[str, MetricSpec] = {}
    for channel in ("train", "validation", "test"):
        for name, goal in CLASSIFIER_METRICS + MULTICLASS_METRICS + REGRESSION_METRICS:
            spec = quality_metric(channel, name, goal)  # type: ignore[arg-type]
            seen.setdefault(spec.name, spec)
    return tuple(seen.values())


SPEC = AlgorithmSpec(
    name="linear-learner",
    title="Linear Learner",
    doc="Linear models for binary and multiclass classification and regression.",
    hyperparameters=HYPERPARAMETERS,
    channels=("train", "validation", "test"),
    content_types=("application/x-recordio-protobuf", "text/csv"),
    metrics=_metric_specs(),
    repositories=("linear-learner",),
    check=_check,
    output_keys=("score", "predicted_label"),
)


def _strength(value: Any, rows: int) -> float | None:
    """``wd``/``l1`` per example as scikit-learn's total penalty (None: its default)."""
    return None if value == AUTO else float(value) * rows


def _estimator(hp: dict[str, Any], rows: int, classes: int) -> Any:
    from sklearn import linear_model

    kind = hp["predictor_type"]
    loss = hp["loss"]
    wd, l1 = _strength(hp["wd"], rows), _strength(hp["l1"], rows)
    fit_intercept = hp["use_bias"]
    weight: Any = None
    if kind == "multiclass_classifier" and hp["balance_multiclass_weights"]:
        weight = "balanced"
    if kind == "binary_classifier":
        mult = hp["positive_example_weight_mult"]
        weight = "balanced" if mult == AUTO else ({1: float(mult)} if mult != 1.0 else None)
    sgd = {
        "max_iter": hp["epochs"],
        "tol": hp["early_stopping_tolerance"],
        "n_iter_no_change": hp["early_stopping_patience"],
        "fit_intercept": fit_intercept,
        "random_state": 0,
    }
    if hp["learning_rate"] != AUTO:
        sgd.update(learning_rate="constant", eta0=float(hp["learning_rate"]))
    alpha = (wd or 0.0) / rows if wd is not None else 1e-4
    if kind in ("binary_classifier", "multiclass_classifier") and loss != "hinge_loss":
        total = (wd or 0.0) + (l1 or 0.0)
        options: dict[str, Any] = {"fit_intercept": fit_intercept, "class_weight": weight}
        if l1:
            options.update(
                solver="saga",
                l1_ratio=l1 / total,
                C=1.0 / total,
                max_iter=max(100, hp["epochs"] * 10),
            )
            options["penalty"] = "elasticnet"
        elif wd is not None:
            options.update(C=1.0 / wd if wd else 1e12, max_iter=1000)
        else:
            options.update(max_iter=1000)
        return linear_model.LogisticRegression(**options)
    if loss == "hinge_loss":
        return linear_model.SGDClassifier(loss="hinge", alpha=alpha, class_weight=weight, **sgd)
    if loss in (AUTO, "squared_loss"):
        return linear_model.Ridge(alpha=wd if wd is not None else 1.0, fit_intercept=fit_intercept)
    if loss == "quantile_loss":
        return linear_model.QuantileRegressor(
            quantile=hp["quantile"],
            alpha=(l1 or 0.0) / rows,
            fit_intercept=fit_intercept,
            solver="highs",
        )
    epsilon = {
        "absolute_loss": ("epsilon_insensitive", 0.0),
        "eps_insensitive_absolute_loss": ("epsilon_insensitive", hp["loss_insensitivity"]),
        "eps_insensitive_squared_loss": ("squared_epsilon_insensitive", hp["loss_insensitivity"]),
        "huber_loss": ("huber", hp["huber_delta"]),
    }[loss]
    return linear_model.SGDRegressor(loss=epsilon[0], epsilon=epsilon[1], alpha=alpha, **sgd)


class LinearModel:
    """The scaler, the estimator, and the binary threshold."""

    def __init__(
        self,
        kind: str,
        scaler: Any,
        estimator: Any,
        threshold: float,
        width: int,
        label_scale: tuple[float, float],
    ):
        self.kind = kind
        self.scaler = scaler
        self.estimator = estimator
        self.threshold = threshold
        self.width = width
        self.label_scale = label_scale

    def _features(self, X: Any) -> Any:
        X = _common.fit_width(X, self.width)
        return self.scaler.transform(X) if self.scaler is not None else X

    def scores(self, X: Any) -> np.ndarray:
        X = self._features(X)
        if self.kind == "regressor":
            shift, scale = self.label_scale
            return np.asarray(self.estimator.predict(X), np.float64) * scale + shift
        if hasattr(self.estimator, "predict_proba"):
            proba = np.asarray(self.estimator.predict_proba(X), np.float64)
            return proba[:, 1] if self.kind == "binary_classifier" else proba
        # Hinge loss: the margin is the score.
        return np.asarray(self.estimator.decision_function(X), np.float64)

    def labels(self, scores: np.ndarray) -> np.ndarray:
        if self.kind == "binary_classifier":
            return (scores > self.threshold).astype(np.int64)
        classes = np.asarray(self.estimator.classes_)
        return np.asarray(classes[np.argmax(scores, axis=1)], np.int64)

    def predict(self, X: Any) -> list[dict[str, Any]]:
        scores = self.scores(X)
        if self.kind == "regressor":
            return [{"score": float(s)} for s in scores]
        labels = self.labels(scores)
        if self.kind == "binary_classifier":
            return [
                {"score": float(s), "predicted_label": int(v)}
                for s, v in zip(scores, labels, strict=True)
            ]
        return [
            {"score": [float(p) for p in row], "predicted_label": int(v)}
            for row, v in zip(scores, labels, strict=True)
        ]


def _threshold(hp: dict[str, Any], y: np.ndarray, scores: np.ndarray, hinge: bool) -> float:
    criterion = hp["binary_classifier_model_selection_criteria"]
    default = 0.0 if hinge else 0.5
    if criterion == "loss_function" or len(np.unique(y)) < 2:
        return default
    candidates = np.unique(np.quantile(scores, np.linspace(0.0, 1.0, 201)))
    positives = y > 0.5
    best, best_value = default, -np.inf
    for t in candidates:
        predicted = scores > t
        tp = float(np.sum(predicted & positives))
        precision = tp / max(float(predicted.sum()), 1.0)
        recall = tp / max(float(positives.sum()), 1.0)
        if criterion == "accuracy":
            value = float(np.mean(predicted == positives))
        elif criterion == "f_beta":
            b2 = hp["f_beta"] ** 2
            value = (1 + b2) * precision * recall / max(b2 * precision + recall, 1e-12)
        elif criterion == "precision_at_target_recall":
            value = precision if recall >= hp["target_recall"] else -np.inf
        else:
            value = recall if precision >= hp["target_precision"] else -np.inf
        if value > best_value:
            best, best_value = float(t), value
    return best


def evaluate(
    model: LinearModel, hp: dict[str, Any], data: Dataset, channel: str, ctx: TrainContext
) -> None:
    from sklearn import metrics as m

    y = _common.labels_of(data, channel)
    scores = model.scores(data.X)
    log = ctx.metrics
    if model.kind == "regressor":
        mse = float(np.mean((scores - y) ** 2))
        log.quality(
            channel,
            "objective_loss",
            mse if hp["loss"] in (AUTO, "squared_loss") else float(np.mean(np.abs(scores - y))),
        )
        log.quality(channel, "mse", mse)
        log.quality(channel, "rmse", float(np.sqrt(mse)))
        log.quality(channel, "absolute_loss", float(np.mean(np.abs(scores - y))))
        return
    labels = model.labels(scores)
    beta = hp["f_beta"]
    if model.kind == "binary_classifier":
        truth = (y > 0.5).astype(np.int64)
        if hasattr(model.estimator, "predict_proba"):
            log.quality(
                channel,
                "objective_loss",
                float(m.log_loss(truth, np.clip(scores, 1e-15, 1 - 1e-15), labels=[0, 1])),
            )
        else:
            log.quality(
                channel,
                "objective_loss",
                float(np.mean(np.maximum(0, 1 - (2 * truth - 1) * scores))),
            )
        log.quality(
            channel,
            "binary_classification_accuracy",
            float(m.accuracy_score(truth, labels)),
            "Maximize",
        )
        log.quality(
            channel,
            "binary_f_beta",
            float(m.fbeta_score(truth, labels, beta=beta, zero_division=0)),
            "Maximize",
        )
        log.quality(
            channel,
            "precision",
            float(m.precision_score(truth, labels, zero_division=0)),
            "Maximize",
        )
        log.quality(
            channel, "recall", float(m.recall_score(truth, labels, zero_division=0)), "Maximize"
        )
        if len(np.unique(truth)) == 2:
            log.quality(channel, "roc_auc_score", float(m.roc_auc_score(truth, scores)), "Maximize")
        return
    truth = y.astype(np.int64)
    classes = model.estimator.classes_
    log.quality(
        channel,
        "objective_loss",
        float(m.log_loss(truth, scores / scores.sum(axis=1, keepdims=True), labels=classes)),
    )
    log.quality(channel, "multiclass_accuracy", float(m.accuracy_score(truth, labels)), "Maximize")
    k = hp["accuracy_top_k"]
    top_k = 1.0 if k >= len(classes) else m.top_k_accuracy_score(truth, scores, k=k, labels=classes)
    log.quality(channel, "multiclass_top_k_accuracy", float(top_k), "Maximize")
    log.quality(
        channel,
        "macro_f_beta",
        float(m.fbeta_score(truth, labels, beta=beta, average="macro", zero_division=0)),
        "Maximize",
    )
    log.quality(
        channel,
        "macro_precision",
        float(m.precision_score(truth, labels, average="macro", zero_division=0)),
        "Maximize",
    )
    log.quality(
        channel,
        "macro_recall",
        float(m.recall_score(truth, labels, average="macro", zero_division=0)),
        "Maximize",
    )


def train(ctx: TrainContext) -> None:
    from sklearn.preprocessing import StandardScaler

    hp = ctx.hyperparameters
    kind = hp["predictor_type"]
    width = _common.check_width(ctx)
    data = ctx.channels["train"]
    X = _common.widen(data, width)
    y = _common.labels_of(data, "train")
    if kind == "binary_classifier" and not set(np.unique(y)) <= {0.0, 1.0}:
        raise AlgorithmError("Labels of a binary_classifier must be 0 or 1.")
    if kind == "multiclass_classifier":
        bad = (y < 0) | (y >= hp["num_classes"]) | (y != np.round(y))
        if bad.any():
            raise AlgorithmError(
                "Labels of a multiclass_classifier must be integers in "
                f"[0, {hp['num_classes'] - 1}]."
            )
    sparse = _libs.sparse().issparse(X)
    scaler = StandardScaler(with_mean=not sparse).fit(X) if hp["normalize_data"] else None
    features = scaler.transform(X) if scaler is not None else X
    label_scale = (0.0, 1.0)
    if (
        kind == "regressor"
        and hp["normalize_label"] in (AUTO, True)
        and hp["loss"]
        in (
            AUTO,
            "squared_loss",
            "huber_loss",
            "eps_insensitive_squared_loss",
            "absolute_loss",
            "eps_insensitive_absolute_loss",
        )
    ):
        std = float(np.std(y)) or 1.0
        label_scale = (float(np.mean(y)), std)
    target = (y - label_scale[0]) / label_scale[1] if kind == "regressor" else y.astype(np.int64)
    estimator = _estimator(hp, X.shape[0], hp.get("num_classes") or 2)
    estimator.fit(features, target, sample_weight=data.w)
    model = LinearModel(kind, scaler, estimator, 0.5, width, label_scale)
    if kind == "binary_classifier":
        tuning = ctx.channels.get("validation", data)
        model.threshold = _threshold(
            hp,
            _common.labels_of(tuning, "validation"),
            model.scores(tuning.X),
            hp["loss"] == "hinge_loss",
        )
    for channel in ("train", "validation", "test"):
        if channel in ctx.channels:
            evaluate(model, hp, ctx.channels[channel], channel, ctx)
    if ctx.is_master:
        _common.save(ctx.model_dir, model)


def load(model_dir: str) -> LinearModel:
    model: LinearModel = _common.load_state(model_dir)
    return model
