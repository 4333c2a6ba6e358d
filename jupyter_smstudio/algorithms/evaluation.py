"""Test-channel scoring shared by k-NN, Factorization Machines, RCF and LDA.

Each computes ``{"test:<name>": value}`` and logs it through :func:`log_test_metrics`,
which takes each metric's goal from the algorithm's spec (so the ``#quality_metric`` line
matches the regex the job reads). Job-side code.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .spec import AlgorithmSpec, TrainContext

Array = npt.NDArray[np.float64]


def dense(X: Any) -> Array:
    """``X`` as a dense float64 array (scipy sparse rows densified)."""
    if hasattr(X, "toarray"):
        X = X.toarray()
    return np.asarray(X, dtype=np.float64)


def f1_counts(predicted: npt.NDArray[np.bool_], truth: npt.NDArray[np.bool_]) -> dict[str, float]:
    """Precision, recall and F1 of boolean predictions (0 where undefined)."""
    tp = float(np.sum(predicted & truth))
    fp = float(np.sum(predicted & ~truth))
    fn = float(np.sum(~predicted & truth))
    return {
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "f1": 2 * tp / (2 * tp + fp + fn) if tp else 0.0,
    }


def log_test_metrics(ctx: TrainContext, spec: AlgorithmSpec, values: dict[str, float]) -> None:
    """Log ``{"test:name": value}`` as the spec's metrics (goal from the spec)."""
    goals = {m.name: m.goal for m in spec.metrics}
    for key, value in values.items():
        channel, _, name = key.partition(":")
        ctx.metrics.quality(channel, name, value, goals.get(key, "Minimize"))
