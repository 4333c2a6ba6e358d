"""What several algorithm modules share: feature_dim checks, artifacts, scores."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np

from . import _libs
from .formats import Dataset
from .spec import AUTO, AlgorithmError, Hyperparameter, TrainContext

#: The artifact file of the first-party algorithms (``model_algo-1`` as SageMaker names it).
MODEL_FILE = "model_algo-1"


def feature_dim(doc: str = "Number of features in the input data.", **kw: Any) -> Hyperparameter:
    return Hyperparameter("feature_dim", "int", doc, range=(1, None), **kw)


#: ``mini_batch_size`` of the algorithms that read a channel whole.
UNUSED_BATCH = (
    "Observations per mini-batch when reading data (the SDK sends it; unused here: "
    "the channel is read whole)."
)


def mini_batch_size(
    default: int | None = 1000,
    required: bool = False,
    doc: str = "Number of observations per mini-batch for the data iterator.",
) -> Hyperparameter:
    return Hyperparameter(
        "mini_batch_size", "int", doc, default=default, required=required, range=(1, None)
    )


def check_width(ctx: TrainContext) -> int:
    """The channels' common width, checked against ``feature_dim`` when it is given."""
    declared = ctx.hyperparameters.get("feature_dim", AUTO)
    for name, data in ctx.channels.items():
        width = data.n_features
        if declared not in (AUTO, None) and width != declared:
            if _libs.sparse().issparse(data.X) and width < int(declared):
                continue  # sparse rows narrower than feature_dim are widened
            raise AlgorithmError(
                f"feature_dim is {declared} but the {name} channel has {width} features "
                "per record.",
                "feature_dim",
            )
    train = ctx.channels["train"]
    return int(declared) if declared not in (AUTO, None) else train.n_features


def widen(data: Dataset, width: int) -> Any:
    """The features at ``width`` columns (sparse rows narrower than feature_dim)."""
    sp = _libs.sparse()
    X = data.X
    if sp.issparse(X) and X.shape[1] < width:
        csr = sp.csr_matrix(X)
        return sp.csr_matrix((csr.data, csr.indices, csr.indptr), shape=(csr.shape[0], width))
    return X


def save(model_dir: str, state: Any, name: str = MODEL_FILE) -> None:
    with (Path(model_dir) / name).open("wb") as f:
        pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)


def load_state(model_dir: str, name: str = MODEL_FILE) -> Any:
    with (Path(model_dir) / name).open("rb") as f:
        return pickle.load(f)  # noqa: S301 - the model's own artifact


def labels_of(data: Dataset, channel: str) -> np.ndarray:
    if data.y is None:
        raise AlgorithmError(f"The {channel} channel has no labels (label first in CSV).")
    return data.y


def fit_width(X: Any, width: int) -> Any:
    """Rows padded (sparse inputs may be narrower) or refused (a ClientError)."""
    sp = _libs.sparse()

    have = X.shape[1]
    if have == width:
        return X
    if have > width:
        raise AlgorithmError(f"Expected {width} features per instance, got {have}.")
    if sp.issparse(X):
        csr = sp.csr_matrix(X)
        return sp.csr_matrix((csr.data, csr.indices, csr.indptr), shape=(csr.shape[0], width))
    if have == 0:
        raise AlgorithmError(f"Expected {width} features per instance, got none.")
    raise AlgorithmError(f"Expected {width} features per instance, got {have}.")
