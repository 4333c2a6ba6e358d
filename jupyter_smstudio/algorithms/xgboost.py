"""XGBoost in algorithm mode, as SageMaker's XGBoost container (1.x) trains it.

Hyperparameters are XGBoost's own learning parameters (passed through to
``xgboost.train``) plus SageMaker's ``num_round`` (required), ``early_stopping_rounds``,
``csv_weights`` and ``num_class`` (required for ``multi:*`` objectives). The evaluation
log is XGBoost's (``[3]\\ttrain-rmse:...\\tvalidation-rmse:...``), read as ``train:rmse``,
``validation:auc``... The model is ``xgboost-model`` (``Booster.save_model``), loadable by
``xgboost.Booster().load_model``. Predictions are ``{"score": ...}`` per row (a list of
class probabilities for ``multi:softprob``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from .formats import Dataset
from .metrics import xgboost_metric
from .spec import AlgorithmError, AlgorithmSpec, Hyperparameter, MetricSpec, TrainContext

MODEL_FILE = "xgboost-model"
OBJECTIVES = (
    "reg:squarederror",
    "reg:squaredlogerror",
    "reg:logistic",
    "reg:pseudohubererror",
    "reg:absoluteerror",
    "reg:quantileerror",
    "reg:linear",
    "reg:gamma",
    "reg:tweedie",
    "binary:logistic",
    "binary:logitraw",
    "binary:hinge",
    "count:poisson",
    "survival:cox",
    "survival:aft",
    "multi:softmax",
    "multi:softprob",
    "rank:pairwise",
    "rank:ndcg",
    "rank:map",
)
#: Evaluation metrics XGBoost computes (SageMaker's list, without its custom ones).
EVAL_METRICS: tuple[tuple[str, str], ...] = (
    ("rmse", "Minimize"),
    ("rmsle", "Minimize"),
    ("mae", "Minimize"),
    ("mape", "Minimize"),
    ("mphe", "Minimize"),
    ("logloss", "Minimize"),
    ("error", "Minimize"),
    ("merror", "Minimize"),
    ("mlogloss", "Minimize"),
    ("auc", "Maximize"),
    ("aucpr", "Maximize"),
    ("ndcg", "Maximize"),
    ("map", "Maximize"),
    ("poisson-nloglik", "Minimize"),
    ("gamma-nloglik", "Minimize"),
    ("cox-nloglik", "Minimize"),
    ("gamma-deviance", "Minimize"),
    ("tweedie-nloglik", "Minimize"),
    ("mse", "Minimize"),
)
#: SageMaker's own hyperparameters (not XGBoost learning parameters).
NOT_PARAMS = {"num_round", "early_stopping_rounds", "csv_weights", "_kfold", "_nfold"}


def _h(name: str, kind: Any, doc: str, **kw: Any) -> Hyperparameter:
    return Hyperparameter(name, kind, doc, **kw)


HYPERPARAMETERS = (
    _h(
        "num_round",
        "int",
        "The number of rounds to run the training.",
        required=True,
        range=(1, None),
    ),
    _h(
        "num_class",
        "int",
        "The number of classes (required for multi:softmax and multi:softprob).",
        range=(2, None),
    ),
    _h(
        "objective",
        "str",
        "The learning task and objective.",
        default="reg:squarederror",
        choices=OBJECTIVES,
    ),
    _h(
        "eta",
        "float",
        "Step size shrinkage used in updates to prevent overfitting.",
        default=0.3,
        range=(0, 1),
    ),
    _h("max_depth", "int", "Maximum depth of a tree.", default=6, range=(0, None)),
    _h(
        "subsample",
        "float",
        "Subsample ratio of the training instances.",
        default=1.0,
        range=(0, 1),
        exclusive_min=True,
    ),
    _h(
        "eval_metric",
        "list",
        "Evaluation metrics for validation data (default by objective).",
        choices=tuple(m for m, _ in EVAL_METRICS),
    ),
    _h(
        "early_stopping_rounds",
        "int",
        "Stop when the validation score has not improved for this many rounds.",
        range=(1, None),
    ),
    _h(
        "scale_pos_weight",
        "float",
        "Balance of positive and negative weights.",
        default=1.0,
        range=(0, None),
        exclusive_min=True,
    ),
    _h(
        "min_child_weight",
        "float",
        "Minimum sum of instance weight (hessian) needed in a child.",
        default=1.0,
        range=(0, None),
    ),
    _h(
        "gamma",
        "float",
        "Minimum loss reduction required to make a further partition.",
        default=0.0,
        range=(0, None),
    ),
    _h("alpha", "float", "L1 regularization term on weights.", default=0.0, range=(0, None)),
    _h("lambda", "float", "L2 regularization term on weights.", default=1.0, range=(0, None)),
    _h(
        "colsample_bytree",
        "float",
        "Subsample ratio of columns when constructing each tree.",
        default=1.0,
        range=(0, 1),
        exclusive_min=True,
    ),
    _h(
        "colsample_bylevel",
        "float",
        "Subsample ratio of columns for each level.",
        default=1.0,
        range=(0, 1),
        exclusive_min=True,
    ),
    _h(
        "colsample_bynode",
        "float",
        "Subsample ratio of columns for each node.",
        default=1.0,
        range=(0, 1),
        exclusive_min=True,
    ),
    _h(
        "max_delta_step",
        "float",
        "Maximum delta step allowed for each tree's weight estimation.",
        default=0.0,
        range=(0, None),
    ),
    _h("base_score", "float", "The initial prediction score of all instances."),
    _h(
        "booster",
        "str",
        "Which booster to use.",
        default="gbtree",
        choices=("gbtree", "gblinear", "dart"),
    ),
    _h(
        "tree_method",
        "str",
        "The tree construction algorithm.",
        default="auto",
        choices=("auto", "exact", "approx", "hist", "gpu_hist"),
    ),
    _h(
        "grow_policy",
        "str",
        "How new nodes are added to the tree (hist).",
        default="depthwise",
        choices=("depthwise", "lossguide"),
    ),
    _h(
        "max_leaves",
        "int",
        "Maximum number of nodes to be added (lossguide).",
        default=0,
        range=(0, None),
    ),
    _h(
        "max_bin",
        "int",
        "Maximum number of discrete bins to bucket continuous features (hist).",
        default=256,
        range=(2, None),
    ),
    _h(
        "sketch_eps",
        "float",
        "Approximate algorithm's sketch accuracy.",
        default=0.03,
        range=(0, 1),
        exclusive_min=True,
    ),
    _h("seed", "int", "Random number seed.", default=0),
    _h("nthread", "int", "Number of parallel threads (default: all).", range=(1, None)),
    _h(
        "csv_weights",
        "int",
        "1: the column after the label in CSV/Parquet is the instance weight.",
        default=0,
        choices=("0", "1"),
    ),
    _h(
        "tweedie_variance_power",
        "float",
        "Variance of the Tweedie distribution.",
        default=1.5,
        range=(1, 2),
    ),
    _h(
        "sample_type",
        "str",
        "Sampling algorithm (dart).",
        default="uniform",
        choices=("uniform", "weighted"),
    ),
    _h(
        "normalize_type",
        "str",
        "Normalization algorithm (dart).",
        default="tree",
        choices=("tree", "forest"),
    ),
    _h("rate_drop", "float", "Dropout rate (dart).", default=0.0, range=(0, 1)),
    _h(
        "one_drop",
        "int",
        "At least one tree is always dropped (dart).",
        default=0,
        choices=("0", "1"),
    ),
    _h(
        "skip_drop",
        "float",
        "Probability of skipping the dropout (dart).",
        default=0.0,
        range=(0, 1),
    ),
    _h(
        "lambda_bias",
        "float",
        "L2 regularization term on bias (gblinear).",
        default=0.0,
        range=(0, 1),
    ),
    _h(
        "refresh_leaf",
        "int",
        "Refresh updater: 1 updates leaf and node statistics.",
        default=1,
        choices=("0", "1"),
    ),
    _h(
        "process_type",
        "str",
        "Type of boosting process.",
        default="default",
        choices=("default", "update"),
    ),
    _h("updater", "str", "Comma-separated tree updaters to run (advanced)."),
    _h("monotone_constraints", "str", "Monotonicity constraints, e.g. (1,0,-1)."),
    _h("interaction_constraints", "str", "Interaction constraints, e.g. [[0,1],[2,3]]."),
    _h("verbosity", "int", "Verbosity of printing messages.", default=1, range=(0, 3)),
)


def _check(values: dict[str, Any]) -> None:
    objective = values.get("objective", "")
    if objective.startswith("multi:") and "num_class" not in values:
        raise AlgorithmError(
            f"Missing required hyperparameter: num_class (needed by objective {objective}).",
            "num_class",
        )


def _metrics() -> tuple[MetricSpec, ...]:
    return tuple(
        xgboost_metric(channel, name, goal)  # type: ignore[arg-type]
        for channel in ("train", "validation")
        for name, goal in EVAL_METRICS
    )


SPEC = AlgorithmSpec(
    name="xgboost",
    title="XGBoost",
    doc="Gradient-boosted trees (XGBoost) for regression, classification and ranking.",
    hyperparameters=HYPERPARAMETERS,
    channels=("train", "validation"),
    content_types=(
        "text/libsvm",
        "text/csv",
        "application/x-parquet",
        "application/x-recordio-protobuf",
    ),
    response_types=(
        "text/csv",
        "application/json",
        "application/jsonlines",
        "application/x-recordio-protobuf",
    ),
    metrics=_metrics(),
    repositories=("sagemaker-xgboost", "xgboost"),
    strict=False,  # the container ignores names it does not know
    check=_check,
    output_keys=("score",),
    weights_hyperparameter="csv_weights",
)


def params_of(hyperparameters: dict[str, Any]) -> dict[str, Any]:
    """XGBoost's learning parameters from the typed hyperparameters."""
    defaults = {h.name: h.default for h in HYPERPARAMETERS}
    # Documented defaults are XGBoost's own: passing them only warns where they don't apply.
    params = {
        k: v
        for k, v in hyperparameters.items()
        if k not in NOT_PARAMS and (k == "objective" or v != defaults.get(k))
    }
    if params.get("objective") == "reg:linear":
        params["objective"] = "reg:squarederror"  # the old name, removed from XGBoost 2
    if params.get("tree_method") == "gpu_hist":
        params.update(tree_method="hist", device="cuda")
    if "eval_metric" in params and not params["eval_metric"]:
        del params["eval_metric"]
    params.setdefault("nthread", None)
    if params["nthread"] is None:
        del params["nthread"]
    return params


def dmatrix(data: Dataset) -> Any:
    import xgboost as xgb

    return xgb.DMatrix(data.X, label=data.y, weight=data.w)


def train(ctx: TrainContext) -> None:
    import xgboost as xgb

    hp = ctx.hyperparameters
    dtrain = dmatrix(ctx.channels["train"])
    if dtrain.get_label().size == 0:
        raise AlgorithmError("The train channel has no labels (label first in CSV).")
    evals = [(dtrain, "train")]
    if "validation" in ctx.channels:
        evals.append((dmatrix(ctx.channels["validation"]), "validation"))
    rounds = hp.get("early_stopping_rounds")
    if rounds and len(evals) < 2:
        raise AlgorithmError(
            "early_stopping_rounds needs a validation channel.", "early_stopping_rounds"
        )
    logger = ctx.metrics

    class Log(xgb.callback.TrainingCallback):
        def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
            logger.xgboost(
                epoch,
                {
                    f"{data}-{metric}": values[-1]
                    for data, metrics in evals_log.items()
                    for metric, values in metrics.items()
                },
            )
            return False

    try:
        booster = xgb.train(
            params_of(hp),
            dtrain,
            num_boost_round=hp["num_round"],
            evals=evals,
            early_stopping_rounds=rounds,
            verbose_eval=False,
            callbacks=[Log()],
        )
    except xgb.core.XGBoostError as err:
        raise AlgorithmError(f"XGBoost failed: {str(err).splitlines()[0]}") from None
    if ctx.is_master:
        path = Path(ctx.model_dir) / MODEL_FILE
        booster.save_model(f"{path}.ubj")  # UBJSON, XGBoost's own format, named as SageMaker's
        os.replace(f"{path}.ubj", path)


class XGBoostModel:
    def __init__(self, booster: Any):
        self.booster = booster

    def predict(self, X: Any) -> list[dict[str, Any]]:
        import xgboost as xgb

        scores = self.booster.predict(xgb.DMatrix(X), validate_features=False)
        if scores.ndim > 1:
            return [{"score": [float(v) for v in row]} for row in scores]
        return [{"score": float(v)} for v in np.asarray(scores).ravel()]


def load(model_dir: str) -> XGBoostModel:
    """``xgboost-model`` saved by this runtime or SageMaker's (native or pickled)."""
    import pickle

    import xgboost as xgb

    path = Path(model_dir) / MODEL_FILE
    if not path.is_file():
        raise RuntimeError(f"{MODEL_FILE} is not in {model_dir}")
    booster = xgb.Booster()
    try:
        booster.load_model(bytearray(path.read_bytes()))  # the format is in the bytes
    except xgb.core.XGBoostError:
        with path.open("rb") as f:
            booster = pickle.load(f)  # noqa: S301 - the model's own artifact, as the container
    return XGBoostModel(booster)
